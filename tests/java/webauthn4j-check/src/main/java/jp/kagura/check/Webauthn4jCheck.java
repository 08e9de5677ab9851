package jp.kagura.check;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.webauthn4j.converter.util.ObjectConverter;
import com.webauthn4j.credential.CredentialRecord;
import com.webauthn4j.data.RegistrationData;
import com.webauthn4j.data.attestation.authenticator.AttestedCredentialData;
import com.webauthn4j.data.attestation.authenticator.COSEKey;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The webauthn4j cross-check (tests/java/CMakeLists.txt). Modes:
 * <pre>
 *   valid SET.json                 gen_valid_set's set: every ceremony must verify, same record
 *   simulator SET.json             gen_simulator_set's set: the same, two assertions per case
 *   negative SET.json EXPLAINED    gen_negative_set's set: verdicts compared with our core's
 * </pre>
 * Exit status: 0 all agree (or differ only as explained); 1 any unexplained difference;
 * 2 the check cannot run (arguments, files).
 */
public final class Webauthn4jCheck {

    private static final String VERSION = "webauthn4j-core " + webauthn4jVersion();

    private final ObjectConverter converter = new ObjectConverter();
    private int passed;
    private int failures;

    public static void main(String[] args) {
        Webauthn4jCheck check = new Webauthn4jCheck();
        try {
            if (args.length == 2 && args[0].equals("valid"))
                check.validSet(read(args[1]));
            else if (args.length == 2 && args[0].equals("simulator"))
                check.simulatorSet(read(args[1]));
            else if (args.length == 3 && args[0].equals("negative"))
                check.negativeSet(read(args[1]), ExplainedDifferences.read(Path.of(args[2])));
            else
                throw new SetupException("usage: webauthn4j-check valid SET.json | simulator SET.json"
                        + " | negative SET.json EXPLAINED.txt");
        } catch (SetupException e) {
            System.err.println("webauthn4j-check: " + e.getMessage());
            System.exit(2);
        } catch (IOException | CertificateException e) {
            System.err.println("webauthn4j-check: " + e);
            System.exit(2);
        }
        System.out.printf("webauthn4j-check: %s, java %s: %d agree, %d difference(s)%n", VERSION,
                System.getProperty("java.version"), check.passed, check.failures);
        System.exit(check.failures == 0 ? 0 : 1);
    }

    /** The webauthn4j-core version the pom pins, which the jar's manifest records. */
    private static String webauthn4jVersion() {
        String v = Webauthn4jCheck.class.getPackage().getImplementationVersion();
        return v == null ? "(version not in the checker's manifest)" : v;
    }

    private static JsonNode read(String file) throws IOException, SetupException {
        JsonNode root = new ObjectMapper().readTree(Path.of(file).toFile());
        if (root == null || !root.path("cases").isArray() || root.path("cases").isEmpty())
            throw new SetupException(file + " holds no cases");
        return root;
    }

    private static Set<TrustAnchor> truststore(JsonNode root, String... pemFields)
            throws CertificateException, SetupException {
        CertificateFactory factory = CertificateFactory.getInstance("X.509");
        Set<TrustAnchor> anchors = new HashSet<>();
        for (String field : pemFields) {
            String pem = root.path(field).asText("");
            if (pem.isEmpty())
                throw new SetupException("the set has no " + field);
            var cert = (X509Certificate) factory.generateCertificate(
                    new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)));
            anchors.add(new TrustAnchor(cert, null));
        }
        return anchors;
    }

    private void report(boolean ok, String name, String detail) {
        if (ok)
            passed++;
        else
            failures++;
        System.out.println((ok ? "ok   " : "FAIL ") + name + (detail.isEmpty() ? "" : ": " + detail));
    }

    private static List<Long> longs(JsonNode array) {
        List<Long> out = new ArrayList<>();
        array.forEach(v -> out.add(v.asLong()));
        return out;
    }

    private static byte[] b64u(JsonNode v) {
        return Base64.getUrlDecoder().decode(v.asText());
    }

    /** Where webauthn4j's registration data and our stored record differ, one entry a field. */
    private List<String> compareRecord(RegistrationData theirs, JsonNode ours) {
        List<String> diffs = new ArrayList<>();
        var ad = theirs.getAttestationObject().getAuthenticatorData();
        AttestedCredentialData attested = ad.getAttestedCredentialData();
        if (!Arrays.equals(attested.getCredentialId(), b64u(ours.path("id"))))
            diffs.add("credential id");
        if (!attested.getAaguid().toString().equalsIgnoreCase(ours.path("aaguid").asText()))
            diffs.add("aaguid: webauthn4j " + attested.getAaguid() + ", ours " + ours.path("aaguid").asText());
        if (ad.getSignCount() != ours.path("signCount").asLong())
            diffs.add("signCount: webauthn4j " + ad.getSignCount() + ", ours " + ours.path("signCount").asLong());
        if (!theirs.getAttestationObject().getFormat().equals(ours.path("fmt").asText()))
            diffs.add("fmt: webauthn4j " + theirs.getAttestationObject().getFormat() + ", ours "
                    + ours.path("fmt").asText());
        // Our stored COSE key, read by webauthn4j, must be the key it took from the attestation.
        COSEKey stored = converter.getCborConverter().readValue(b64u(ours.path("publicKey")), COSEKey.class);
        if (stored == null || !Arrays.equals(stored.getPublicKey().getEncoded(),
                attested.getCOSEKey().getPublicKey().getEncoded()))
            diffs.add("credential public key");
        return diffs;
    }

    /** A copy of an assertion with the last signature bit flipped: "valid" must not be vacuous. */
    private static JsonNode tamperedSignature(JsonNode response) {
        ObjectNode copy = response.deepCopy();
        byte[] sig = b64u(copy.path("response").path("signature"));
        sig[sig.length - 1] ^= 0x01;
        ((ObjectNode) copy.path("response")).put("signature", Base64.getUrlEncoder().withoutPadding().encodeToString(sig));
        return copy;
    }

    /** Case c registered by webauthn4j with the record our core made; null, the failure reported,
     *  when webauthn4j refuses it or records it otherwise. */
    private KeycloakLikeVerifier.Registered registered(KeycloakLikeVerifier kc, JsonNode c, String name,
            List<Long> algs, boolean uv) {
        var reg = kc.register(c.path("registration").path("response"),
                c.path("registration").path("challenge").asText(), algs, uv);
        if (!reg.outcome().valid()) {
            report(false, name, "registration refused by webauthn4j: " + reg.outcome());
            return null;
        }
        List<String> diffs = compareRecord(reg.data(), c.path("credential"));
        if (!diffs.isEmpty()) {
            report(false, name, "registration record differs: " + String.join("; ", diffs));
            return null;
        }
        return reg;
    }

    /** Why an honest assertion ({response, challenge}) fails the cross-check, or null: refused,
     *  another counter than ours, or a copy with a tampered signature accepted. */
    private static String assertionFailure(KeycloakLikeVerifier kc, JsonNode a, CredentialRecord stored,
            boolean uv, long oursAfter) {
        JsonNode assertion = a.path("response");
        String challenge = a.path("challenge").asText();
        var auth = kc.authenticate(assertion, challenge, stored, uv);
        if (!auth.outcome().valid())
            return "authentication refused by webauthn4j: " + auth.outcome();
        if (auth.signCount() != oursAfter)
            return "counter: webauthn4j " + auth.signCount() + ", ours " + oursAfter;
        if (kc.authenticate(tamperedSignature(assertion), challenge, stored, uv).outcome().valid())
            return "control: webauthn4j accepted a tampered signature";
        return null;
    }

    // ---- valid set (tests/support/gen_valid_set.c) ----

    private void validSet(JsonNode root) throws CertificateException, SetupException {
        Set<TrustAnchor> anchors = truststore(root, "caCertificatePem");
        for (JsonNode c : root.path("cases")) {
            String name = c.path("name").asText();
            var kc = new KeycloakLikeVerifier(c.path("origin").asText(), c.path("rpID").asText(), anchors);
            boolean uv = c.path("requireUserVerification").asBoolean();
            var reg = registered(kc, c, name, longs(c.path("supportedAlgorithmIDs")), uv);
            if (reg == null)
                continue;
            CredentialRecord stored = KeycloakLikeVerifier.storedRecord(reg.data(),
                    c.path("credential").path("signCount").asLong());
            long oursAfter = c.path("credentialAfterAuthentication").path("signCount").asLong();
            String failure = assertionFailure(kc, c.path("authentication"), stored, uv, oursAfter);
            if (failure != null)
                report(false, name, failure);
            else
                report(true, name, "fmt " + reg.data().getAttestationObject().getFormat() + ", alg "
                        + c.path("alg").asLong() + ", counter " + c.path("credential").path("signCount").asLong()
                        + " -> " + oursAfter);
        }
    }

    // ---- simulator set (tests/support/gen_simulator_set.c) ----

    private void simulatorSet(JsonNode root) throws CertificateException, SetupException {
        // packed carries (leaf, intermediate): the root anchors it; fido-u2f carries the leaf
        // alone, so only the intermediate can (our core is given both, too).
        var kc = new KeycloakLikeVerifier(root.path("origin").asText(), root.path("rpID").asText(),
                truststore(root, "rootCaPem", "intermediatePem"));
        for (JsonNode c : root.path("cases")) {
            String name = c.path("name").asText();
            boolean uv = c.path("requireUserVerification").asBoolean();
            var reg = registered(kc, c, name, List.of(c.path("alg").asLong()), uv);
            if (reg == null)
                continue;
            long counter = c.path("credential").path("signCount").asLong();
            String trail = counter + "";
            String failure = null;
            for (JsonNode a : c.path("authentications")) {
                CredentialRecord stored = KeycloakLikeVerifier.storedRecord(reg.data(), counter);
                long oursAfter = a.path("credentialAfter").path("signCount").asLong();
                if ((failure = assertionFailure(kc, a, stored, uv, oursAfter)) != null)
                    break;
                // What Keycloak up to 26.6.4 stores after a login: stored + 1 when stored > 0.
                counter = counter > 0 ? counter + 1 : counter;
                trail += " -> " + oursAfter;
            }
            if (failure != null)
                report(false, name, failure);
            else
                report(true, name, "fmt " + reg.data().getAttestationObject().getFormat() + ", counter " + trail);
        }
    }

    // ---- negative set (tests/support/gen_negative_set.c) ----

    private Outcome negativeOutcome(KeycloakLikeVerifier kc, JsonNode c) {
        boolean uv = c.path("requireUserVerification").asBoolean();
        var reg = kc.register(c.path("registration").path("response"),
                c.path("registration").path("challenge").asText(), longs(c.path("supportedAlgorithmIDs")), uv);
        if (c.path("ceremony").asText().equals("registration"))
            return reg.outcome();
        if (!reg.outcome().valid())
            return null; // the baseline registration an assertion case rests on
        JsonNode a = c.path("authentication");
        CredentialRecord stored = KeycloakLikeVerifier.storedRecord(reg.data(), a.path("storedSignCount").asLong());
        return kc.authenticate(a.path("response"), a.path("challenge").asText(), stored, uv).outcome();
    }

    private void negativeSet(JsonNode root, ExplainedDifferences explained)
            throws CertificateException, SetupException {
        var kc = new KeycloakLikeVerifier(root.path("origin").asText(), root.path("rpID").asText(),
                truststore(root, "caCertificatePem"));
        Set<String> names = new HashSet<>();
        int explainedCount = 0;
        for (JsonNode c : root.path("cases")) {
            String name = c.path("name").asText();
            names.add(name);
            String core = c.path("core").path("verdict").asText() + " " + c.path("core").path("error").asText();
            boolean coreValid = c.path("core").path("verdict").asText().equals(Outcome.VALID);
            Outcome theirs = negativeOutcome(kc, c);
            var why = explained.find(name);
            if (theirs == null) {
                report(false, name, "the baseline registration of this assertion case is refused by webauthn4j");
            } else if (theirs.valid() == coreValid) {
                if (why != null)
                    report(false, name, "explained as a difference (" + explained.where(why)
                            + ") but both now agree (core " + core + ", webauthn4j " + theirs + "): drop the line");
                else
                    report(true, name, "core " + core + ", webauthn4j " + theirs);
            } else if (why == null) {
                report(false, name, "unexplained difference: core " + core + ", webauthn4j " + theirs);
            } else if (!why.outcome().equals(theirs.name())) {
                report(false, name, "explained as webauthn4j " + why.outcome() + " (" + explained.where(why)
                        + ") but webauthn4j says " + theirs);
            } else {
                explainedCount++;
                report(true, name, "explained difference: core " + core + ", webauthn4j " + theirs + " — "
                        + why.why());
            }
        }
        for (var e : explained.all())
            if (!names.contains(e.caseName()))
                report(false, e.caseName(), "explained (" + explained.where(e) + ") but not in the set");
        System.out.println("webauthn4j-check: " + explainedCount + " explained difference(s)");
    }
}
