package jp.kagura.check;

import com.fasterxml.jackson.databind.JsonNode;
import com.webauthn4j.WebAuthnAuthenticationManager;
import com.webauthn4j.WebAuthnRegistrationManager;
import com.webauthn4j.anchor.TrustAnchorRepository;
import com.webauthn4j.converter.util.ObjectConverter;
import com.webauthn4j.credential.CredentialRecord;
import com.webauthn4j.credential.CredentialRecordImpl;
import com.webauthn4j.data.AuthenticationData;
import com.webauthn4j.data.AuthenticationParameters;
import com.webauthn4j.data.AuthenticationRequest;
import com.webauthn4j.data.PublicKeyCredentialParameters;
import com.webauthn4j.data.PublicKeyCredentialType;
import com.webauthn4j.data.RegistrationData;
import com.webauthn4j.data.RegistrationParameters;
import com.webauthn4j.data.RegistrationRequest;
import com.webauthn4j.data.attestation.authenticator.AAGUID;
import com.webauthn4j.data.attestation.statement.COSEAlgorithmIdentifier;
import com.webauthn4j.data.client.Origin;
import com.webauthn4j.data.client.challenge.DefaultChallenge;
import com.webauthn4j.server.ServerProperty;
import com.webauthn4j.verifier.attestation.statement.AttestationStatementVerifier;
import com.webauthn4j.verifier.attestation.statement.androidkey.AndroidKeyAttestationStatementVerifier;
import com.webauthn4j.verifier.attestation.statement.androidsafetynet.AndroidSafetyNetAttestationStatementVerifier;
import com.webauthn4j.verifier.attestation.statement.none.NoneAttestationStatementVerifier;
import com.webauthn4j.verifier.attestation.statement.packed.PackedAttestationStatementVerifier;
import com.webauthn4j.verifier.attestation.statement.tpm.TPMAttestationStatementVerifier;
import com.webauthn4j.verifier.attestation.statement.u2f.FIDOU2FAttestationStatementVerifier;
import com.webauthn4j.verifier.attestation.trustworthiness.certpath.DefaultCertPathTrustworthinessVerifier;
import com.webauthn4j.verifier.attestation.trustworthiness.self.DefaultSelfAttestationTrustworthinessVerifier;
import java.security.cert.TrustAnchor;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * webauthn4j set up the way Keycloak's WebAuthnRegister (required action) and
 * WebAuthnCredentialProvider (authenticator) set it up: the attestation formats Keycloak lists
 * for the policy "not specified"/"none" (none, packed, tpm, android-key, android-safetynet,
 * fido-u2f; no apple), x5c chains checked against a truststore (here the sets' test CAs), self
 * attestation allowed (no acceptable AAGUIDs), UP always required, UV when the policy says
 * "required". Keycloak reads the form fields a page posts (clientDataJSON, attestationObject,
 * transports; credentialId, userHandle, authenticatorData, signature), not the W3C JSON's id,
 * rawId or type, so neither does this; and it stores only the credential id, AAGUID, COSE key,
 * counter and format, so the record used for an assertion has no BE, BS or UV-initialized flag.
 */
final class KeycloakLikeVerifier {

    /** A registration's outcome, with webauthn4j's parsed data when it verified. */
    record Registered(Outcome outcome, RegistrationData data) {}

    /** An authentication's outcome, with the counter the assertion carried when it verified. */
    record Authenticated(Outcome outcome, long signCount) {}

    /** Who refuses an assertion whose credential id names no stored credential. */
    static final String NO_SUCH_CREDENTIAL = "KeycloakCredentialLookup";

    private final WebAuthnRegistrationManager registration;
    private final WebAuthnAuthenticationManager authentication = new WebAuthnAuthenticationManager();
    private final String origin;
    private final String rpId;

    KeycloakLikeVerifier(String origin, String rpId, Set<TrustAnchor> truststore) {
        this.origin = origin;
        this.rpId = rpId;
        List<AttestationStatementVerifier> formats = List.of(
                new NoneAttestationStatementVerifier(),
                new PackedAttestationStatementVerifier(),
                new TPMAttestationStatementVerifier(),
                new AndroidKeyAttestationStatementVerifier(),
                new AndroidSafetyNetAttestationStatementVerifier(),
                new FIDOU2FAttestationStatementVerifier());
        // Keycloak's truststore is not keyed by AAGUID: every anchor for every authenticator.
        TrustAnchorRepository anchors = new TrustAnchorRepository() {
            @Override
            public Set<TrustAnchor> find(AAGUID aaguid) {
                return truststore;
            }

            @Override
            public Set<TrustAnchor> find(byte[] attestationCertificateKeyIdentifier) {
                return truststore;
            }
        };
        DefaultSelfAttestationTrustworthinessVerifier self = new DefaultSelfAttestationTrustworthinessVerifier();
        self.setSelfAttestationAllowed(true);
        this.registration = new WebAuthnRegistrationManager(formats,
                new DefaultCertPathTrustworthinessVerifier(anchors), self, List.of(), new ObjectConverter());
    }

    private ServerProperty server(String challenge) {
        return new ServerProperty(Set.of(new Origin(origin)), rpId, new DefaultChallenge(challenge));
    }

    private static byte[] field(JsonNode response, String name) {
        JsonNode v = response.path("response").path(name);
        return v.isTextual() ? Base64.getUrlDecoder().decode(v.asText()) : null;
    }

    /** WebAuthnRegister.processAction: parse, then verify against the policy's algorithms. */
    Registered register(JsonNode response, String challenge, List<Long> algorithms, boolean requireUv) {
        try {
            Set<String> transports = new HashSet<>();
            response.path("response").path("transports").forEach(t -> transports.add(t.asText()));
            RegistrationRequest request = new RegistrationRequest(field(response, "attestationObject"),
                    field(response, "clientDataJSON"), transports);
            List<PublicKeyCredentialParameters> params = algorithms.stream()
                    .map(alg -> new PublicKeyCredentialParameters(PublicKeyCredentialType.PUBLIC_KEY,
                            COSEAlgorithmIdentifier.create(alg)))
                    .toList();
            RegistrationData data = registration.parse(request);
            registration.verify(data, new RegistrationParameters(server(challenge), params, requireUv));
            return new Registered(Outcome.accepted(), data);
        } catch (RuntimeException e) {
            // Keycloak catches every exception of the ceremony and shows the registration error.
            return new Registered(Outcome.refused(e), null);
        }
    }

    /** What Keycloak stores from a registration, with the counter it holds now. */
    static CredentialRecord storedRecord(RegistrationData data, long counter) {
        var attested = data.getAttestationObject().getAuthenticatorData().getAttestedCredentialData();
        return new CredentialRecordImpl(data.getAttestationObject().getAttestationStatement(), null, null, null,
                counter, attested, null, null, null, null);
    }

    /** WebAuthnAuthenticator.action and WebAuthnCredentialProvider.isValid. */
    Authenticated authenticate(JsonNode response, String challenge, CredentialRecord stored, boolean requireUv) {
        try {
            byte[] credentialId = Base64.getUrlDecoder().decode(response.path("id").asText());
            // isValid looks the credential up by id among the user's; none matches: no login.
            if (!Arrays.equals(credentialId, stored.getAttestedCredentialData().getCredentialId()))
                return new Authenticated(Outcome.refusedBy(NO_SUCH_CREDENTIAL,
                        "no stored credential has the id the assertion names"), 0);
            AuthenticationRequest request = new AuthenticationRequest(credentialId, field(response, "userHandle"),
                    field(response, "authenticatorData"), field(response, "clientDataJSON"),
                    field(response, "signature"));
            AuthenticationData data = authentication.parse(request);
            authentication.verify(data, new AuthenticationParameters(server(challenge), stored, null, requireUv));
            return new Authenticated(Outcome.accepted(), data.getAuthenticatorData().getSignCount());
        } catch (RuntimeException e) {
            return new Authenticated(Outcome.refused(e), 0);
        }
    }
}
