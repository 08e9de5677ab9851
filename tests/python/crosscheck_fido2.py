#!/usr/bin/python3
"""Independent cross-check of the authenticator SIMULATOR with python-fido2's Fido2Server.

Every case in the simulator set (tests/support/gen_simulator_set.c: a registration and two
authentications produced through libfido2 -> CTAPHID -> the simulated device, each already
accepted by our webauthn/ core) must also be accepted by Debian's python3-fido2 0.9.1:

  * register_complete(state, ClientData, AttestationObject) with attestation="direct" and a
    verify_attestation that runs 0.9.1's own format verifier (none, packed, fido-u2f) and then
    its verify_x509_chain up to OUR test root;
  * authenticate_complete(state, [the AttestedCredentialData it parsed], ...) for both
    assertions, i.e. with python-fido2's own copy of the key, not ours;
  * the key, credential id, AAGUID, fmt, counters and UV flag it parsed must equal ours;
  * controls, so "accepted" is not vacuous: a flipped assertion signature must raise, and an
    x5c chain checked against an impostor root (our root's name, another key) must raise.

What 0.9.1 does NOT check (so neither does this script on its behalf): signCount (we compare
the counter it parsed with ours instead), userHandle, certificate validity periods, CA flags
and path lengths (its verify_x509_chain checks signatures only; our core and SimpleWebAuthn
check those).

usage: /usr/bin/python3 crosscheck_fido2.py SIMULATOR_SET.json
Exit status: 0 all agree; 1 any disagreement; 2 the setup is broken (python-fido2, files).
"""
import datetime
import json
import sys


def setup_error(msg):
    print(f"crosscheck_fido2: {msg}", file=sys.stderr)
    sys.exit(2)


# The Debian package, not a pip one: a missing module is a broken setup, never a skip.
try:
    import fido2
    from fido2 import cbor
    from fido2.attestation import (
        Attestation,
        AttestationType,
        InvalidSignature,
        UntrustedAttestation,
        verify_x509_chain,
    )
    from fido2.client import ClientData
    from fido2.ctap2 import AttestationObject, AuthenticatorData
    from fido2.server import Fido2Server
    from fido2.utils import websafe_decode
    from fido2.webauthn import PublicKeyCredentialRpEntity, UserVerificationRequirement
except ImportError as err:
    setup_error(
        f"python-fido2 is not importable by {sys.executable} ({err}); install the Debian "
        "package python3-fido2 (sh tools/install-deps.sh) and run this with /usr/bin/python3 "
        "(a pyenv/venv python3 on PATH does not see Debian's dist-packages)"
    )

try:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID
except ImportError as err:
    setup_error(f"python3-cryptography is not importable ({err}); it comes with python3-fido2")

# register_complete/authenticate_complete take parsed objects in 0.9; 1.x takes JSON-shaped
# responses. A different major API must fail loudly rather than half-run.
if not fido2.__version__.startswith("0.9."):
    setup_error(f"python-fido2 {fido2.__version__} found; this check is written for the 0.9 API "
                "(Debian 12's python3-fido2 0.9.1)")

# What each device attestation setting must yield in 0.9.1's terms.
EXPECTED_TYPE = {
    "none": AttestationType.NONE,
    "packed-self": AttestationType.SELF,
    "packed": AttestationType.BASIC,
    "fido-u2f": AttestationType.BASIC,
}


def load_pem(pem):
    return x509.load_pem_x509_certificate(pem.encode())


def der(cert):
    return cert.public_bytes(serialization.Encoding.DER)


def impostor_root(root):
    """A self-signed CA with our root's subject name but another key: the control anchor.

    Same name, so the path is built exactly as for our root and only verify_x509_chain's
    signature check can tell them apart.
    """
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.datetime.now(datetime.timezone.utc)
    return (
        x509.CertificateBuilder()
        .subject_name(root.subject)
        .issuer_name(root.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )


class TrustOurRoot:
    """verify_attestation for Fido2Server: 0.9.1's format verifier, then its chain check.

    0.9.1's AttestationVerifier cannot take self/none attestation through ca_lookup (an empty
    trust path makes verify_x509_chain index an empty list), so this callable does the same
    two steps itself: the format's verify() (signature, certificate requirements, AAGUID
    extension), then for a trust path verify_x509_chain(trust_path + anchors), where the
    anchors complete the path to `root`: [root] after packed's (leaf, intermediate), and
    [intermediate, root] after fido-u2f's leaf alone.
    """

    def __init__(self, root, intermediate):
        self.root = root
        self.intermediate = intermediate
        self.result = None

    def anchors_for(self, trust_path):
        last = x509.load_der_x509_certificate(trust_path[-1])
        if last.issuer == self.root.subject:
            return [der(self.root)]
        if last.issuer == self.intermediate.subject:
            return [der(self.intermediate), der(self.root)]
        return None

    def __call__(self, attestation_object, client_data_hash):
        verifier = Attestation.for_type(attestation_object.fmt)()
        self.result = verifier.verify(
            attestation_object.att_statement, attestation_object.auth_data, client_data_hash
        )
        if not self.result.trust_path:
            return  # none / self: nothing to chain (the signature was checked above)
        anchors = self.anchors_for(self.result.trust_path)
        if anchors is None:
            raise UntrustedAttestation("x5c does not name the kagura test CA as issuer")
        # As 0.9.1's AttestationVerifier does: a broken chain is an untrusted attestation.
        try:
            verify_x509_chain(self.result.trust_path + anchors)
        except InvalidSignature as err:
            raise UntrustedAttestation(err)


def b64(s):
    return websafe_decode(s)


def state(challenge, uv):
    # What Fido2Server.register_begin/authenticate_begin would have returned for these options.
    return {"challenge": challenge, "user_verification": UserVerificationRequirement(uv)}


def flip_last_byte(data):
    return data[:-1] + bytes([data[-1] ^ 0x01])


class Case:
    def __init__(self, doc, c, trust, impostor):
        self.doc = doc
        self.c = c
        self.trust = trust
        self.impostor = impostor
        self.diffs = []

    def want(self, what, theirs, ours):
        if theirs != ours:
            self.diffs.append(f"{what}: python-fido2 {theirs!r}, ours {ours!r}")

    def server(self, trust=None):
        rp = PublicKeyCredentialRpEntity(self.doc["rpID"], self.doc["rpName"])
        origin = self.doc["origin"]
        # https origin, compared exactly (0.9.1's default rule would also accept subdomains).
        return Fido2Server(rp, attestation="direct", verify_origin=lambda o: o == origin,
                           verify_attestation=trust or self.trust)

    def register(self):
        c = self.c
        resp = c["registration"]["response"]
        ours = c["credential"]
        cd = ClientData(b64(resp["response"]["clientDataJSON"]))
        ao = AttestationObject(b64(resp["response"]["attestationObject"]))
        try:
            auth_data = self.server().register_complete(
                state(c["registration"]["challenge"], c["userVerification"]), cd, ao)
        except Exception as err:  # any raise is a rejection; report its class and text
            self.diffs.append(f"registration rejected by python-fido2: "
                              f"{type(err).__name__}: {err}")
            return None
        acd = auth_data.credential_data
        self.want("attestation type", self.trust.result.attestation_type,
                  EXPECTED_TYPE[c["attestation"]])
        self.want("fmt", ao.fmt, ours["fmt"])
        self.want("credential id", acd.credential_id, b64(ours["id"]))
        self.want("rawId", acd.credential_id, b64(resp["rawId"]))
        # The key as python-fido2 parsed it, re-encoded canonically, against our stored bytes;
        # and as a map, so an encoding-only difference is told apart from a different key.
        our_key = b64(ours["publicKey"])
        if cbor.encode(dict(acd.public_key)) != our_key:
            self.diffs.append(f"credential public key: python-fido2 "
                              f"{cbor.encode(dict(acd.public_key)).hex()}, ours {our_key.hex()}")
            if cbor.decode(our_key) == dict(acd.public_key):
                self.diffs.append("(same COSE map: encodings differ)")
        self.want("alg", acd.public_key.ALGORITHM, c["alg"])
        self.want("aaguid", acd.aaguid.hex(), ours["aaguid"].replace("-", ""))
        self.want("counter", auth_data.counter, ours["signCount"])
        self.want("UV flag", auth_data.is_user_verified(), ours["uvInitialized"])
        return acd

    def attestation_control(self):
        """The x5c chain checked against an impostor root must raise: the check is real."""
        c = self.c
        if EXPECTED_TYPE[c["attestation"]] is not AttestationType.BASIC:
            return
        resp = c["registration"]["response"]
        ao = AttestationObject(b64(resp["response"]["attestationObject"]))
        cd = ClientData(b64(resp["response"]["clientDataJSON"]))
        trust = TrustOurRoot(self.impostor, self.trust.intermediate)
        try:
            self.server(trust).register_complete(
                state(c["registration"]["challenge"], c["userVerification"]), cd, ao)
        except UntrustedAttestation:
            return
        except Exception as err:
            self.diffs.append(f"control: impostor root raised {type(err).__name__}: {err}, "
                              "not UntrustedAttestation")
            return
        self.diffs.append("control: x5c accepted against an impostor root")

    def authenticate(self, acd):
        c = self.c
        ours_before = c["credential"]
        for k, a in enumerate(c["authentications"]):
            resp = a["response"]
            if resp["id"] != resp["rawId"]:
                self.diffs.append(f"assertion {k + 1}: id {resp['id']} != rawId {resp['rawId']}")
            cred_id = b64(resp["rawId"])
            cd = ClientData(b64(resp["response"]["clientDataJSON"]))
            ad = AuthenticatorData(b64(resp["response"]["authenticatorData"]))
            sig = b64(resp["response"]["signature"])
            st = state(a["challenge"], c["userVerification"])
            try:
                got = self.server().authenticate_complete(st, [acd], cred_id, cd, ad, sig)
            except Exception as err:
                self.diffs.append(f"assertion {k + 1} rejected by python-fido2: "
                                  f"{type(err).__name__}: {err}")
                return False
            if got is not acd:
                self.diffs.append(f"assertion {k + 1}: matched another credential")
            after = a["credentialAfter"]
            # 0.9.1 has no signCount rule: the counter it parsed must be ours, and increase.
            self.want(f"assertion {k + 1} counter", ad.counter, after["signCount"])
            if ad.counter <= ours_before["signCount"]:
                self.diffs.append(f"assertion {k + 1} counter {ad.counter} did not increase "
                                  f"from {ours_before['signCount']}")
            ours_before = after
            # Control: one flipped signature bit must be refused as a bad signature.
            try:
                self.server().authenticate_complete(st, [acd], cred_id, cd, ad,
                                                    flip_last_byte(sig))
                self.diffs.append(f"control: assertion {k + 1} with a flipped signature "
                                  "accepted")
            except ValueError as err:
                if str(err) != "Invalid signature.":
                    self.diffs.append(f"control: flipped signature refused as {err!r}, "
                                      "not 'Invalid signature.'")
        return True

    def run(self):
        acd = self.register()
        if acd is not None:
            self.attestation_control()
            self.authenticate(acd)
        return not self.diffs


def main():
    if len(sys.argv) != 2:
        setup_error("usage: /usr/bin/python3 crosscheck_fido2.py SIMULATOR_SET.json")
    try:
        with open(sys.argv[1]) as f:
            doc = json.load(f)
        root = load_pem(doc["rootCaPem"])
        intermediate = load_pem(doc["intermediatePem"])
        cases = doc["cases"]
    except (OSError, ValueError, KeyError) as err:
        setup_error(f"cannot read {sys.argv[1]}: {err}")
    if not cases:
        setup_error(f"{sys.argv[1]} holds no cases")
    impostor = impostor_root(root)

    print(f"crosscheck_fido2: python-fido2 {fido2.__version__} ({fido2.__file__}), "
          f"origin {doc['origin']}, attestation verified: format checks + signature-only "
          "chain to the test root (0.9.1 checks no validity periods or CA flags)")
    failed = 0
    for c in cases:
        case = Case(doc, c, TrustOurRoot(root, intermediate), impostor)
        try:
            ok = case.run()
        except Exception as err:  # a parse failure in python-fido2 is a disagreement too
            case.diffs.append(f"python-fido2 could not process the case: "
                              f"{type(err).__name__}: {err}")
            ok = False
        if ok:
            counters = " -> ".join(str(a["credentialAfter"]["signCount"])
                                   for a in c["authentications"])
            print(f"ok   {c['name']}: fmt {c['fmt']}, alg {c['alg']}, "
                  f"{case.trust.result.attestation_type.name} attestation, counter "
                  f"{c['credential']['signCount']} -> {counters}, controls refused")
        else:
            failed += 1
            print(f"FAIL {c['name']}: {'; '.join(case.diffs)}")
    print(f"crosscheck_fido2: {len(cases) - failed}/{len(cases)} simulator cases agree "
          f"(registration + 2 authentications each); {failed} disagreement(s)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
