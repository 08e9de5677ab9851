#!/usr/bin/python3
"""Seeds for the fuzz targets (fuzz/corpus/<target>/), from what the repository already holds:
the W3C WebAuthn vectors, the scenario files, the manual catalogues, the personas, and what a
build's own tools make (device files, responses, form fields, credential records, the test card
PKI). Run as `make fuzz-corpus` (/usr/bin/python3: it needs python3-fido2's CBOR reader); the
seeds are then minimised with libFuzzer's -merge=1 together with what fuzzing found.

usage: make-corpus.py SOURCE_DIR BUILD_DIR OUT_DIR
"""
import base64
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import urllib.parse

from fido2 import cbor

ORIGIN = "https://mahpki-auth.2nds.medis.or.jp"
RP_ID = "mahpki-auth.2nds.medis.or.jp"
CREATE_CHALLENGE = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8"
GET_CHALLENGE = "ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8"
# authenticatorData: rpIdHash(32) flags(1) signCount(4), then AAGUID(16) and the id's length(2).
AUTHDATA_FIXED = 37
ATTESTED_HEAD = AUTHDATA_FIXED + 16 + 2
FLAG_AT = 0x40
# The JSON reader and writer (json_read, json_write) are seeded with the JSON texts these read.
JSON_READ_FROM = ("clientdata", "response")
# The personas the generated device files and passkeys are made for, one per platform family.
PERSONAS = ("android-chrome", "ios18-safari", "desktop-chrome")
ATTESTATIONS = ("none", "packed", "fido-u2f")


def b64url(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def b64url_text(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class Corpus:
    def __init__(self, out):
        self.out = out

    def add(self, target, name, data):
        if isinstance(data, str):
            data = data.encode()
        for t in (target, "json_read", "json_write") if target in JSON_READ_FROM else (target,):
            folder = os.path.join(self.out, t)
            os.makedirs(folder, exist_ok=True)
            with open(os.path.join(folder, name), "wb") as f:
                f.write(data)


def cose_key_of(auth_data):
    """The credentialPublicKey's CBOR bytes inside attested authenticatorData."""
    if len(auth_data) < ATTESTED_HEAD or not auth_data[32] & FLAG_AT:
        return None
    id_len = int.from_bytes(auth_data[AUTHDATA_FIXED + 16:ATTESTED_HEAD], "big")
    rest = auth_data[ATTESTED_HEAD + id_len:]
    _, after = cbor.decode_from(rest)
    return rest[:len(rest) - len(after)]


def w3c_vectors(src, corpus):
    with open(os.path.join(src, "fixtures/vectors/w3c-webauthn-l3-test-vectors.json")) as f:
        vectors = json.load(f)
    corpus.add("x509", "w3c-attestation-ca.der", bytes.fromhex(vectors["_attestation_ca_cert_der_hex"]))
    for name, v in vectors.items():
        if name.startswith("_"):
            continue
        short = name.replace("sctn-test-vectors-", "w3c-")
        reg, auth = v["registration"], v["authentication"]
        cdj, att = b64url(reg["clientDataJSON"]), b64url(reg["attestationObject"])
        obj = cbor.decode(att)
        corpus.add("attobj", short, att)
        corpus.add("attest", short, hashlib.sha256(cdj).digest() + att)
        corpus.add("authdata", short + "-registration", obj["authData"])
        corpus.add("authdata", short + "-authentication", b64url(auth["authenticatorData"]))
        key = cose_key_of(obj["authData"])
        if key is not None:
            corpus.add("cose", short, key)
        corpus.add("clientdata", short + "-registration", cdj)
        corpus.add("clientdata", short + "-authentication", b64url(auth["clientDataJSON"]))
        for i, der in enumerate(obj["attStmt"].get("x5c", [])):
            corpus.add("x509", "%s-x5c%d.der" % (short, i), der)
        cred_id = reg["credential_id"]
        corpus.add("response", short + "-registration", json.dumps({
            "id": cred_id, "rawId": cred_id, "type": "public-key",
            "response": {"clientDataJSON": reg["clientDataJSON"],
                         "attestationObject": reg["attestationObject"],
                         "transports": ["internal", "hybrid"]},
            "clientExtensionResults": {}, "authenticatorAttachment": "platform"}))
        corpus.add("response", short + "-authentication", json.dumps({
            "id": cred_id, "rawId": cred_id, "type": "public-key",
            "response": {"clientDataJSON": auth["clientDataJSON"],
                         "authenticatorData": auth["authenticatorData"],
                         "signature": auth["signature"], "userHandle": "MTIzNDU"},
            "clientExtensionResults": {}}))
        corpus.add("form", short, urllib.parse.urlencode({
            "clientDataJSON": auth["clientDataJSON"], "authenticatorData": auth["authenticatorData"],
            "signature": auth["signature"], "credentialId": cred_id, "userHandle": "MTIzNDU",
            "error": ""}))


def files(src, corpus, target, folder, suffix):
    for name in sorted(os.listdir(os.path.join(src, folder))):
        if name.endswith(suffix):
            with open(os.path.join(src, folder, name), "rb") as f:
                corpus.add(target, name, f.read())


def catalogues(src, corpus):
    """Each manual catalogue whole, and each of its entries as a catalogue of its own: small
    seeds keep the mutations (and the merged corpus) small."""
    folder = os.path.join(src, "fixtures/manual")
    for name in sorted(os.listdir(folder)):
        if not name.endswith(".json"):
            continue
        with open(os.path.join(folder, name), "rb") as f:
            text = f.read()
        corpus.add("catalogue", name, text)
        whole = json.loads(text)
        for entry in whole["entries"]:
            one = dict(whole, entries=[entry])
            corpus.add("catalogue", "%s-%s" % (name[:-len(".json")], entry["id"]),
                       json.dumps(one, ensure_ascii=False, indent=1))


def personas(src, corpus):
    """The personas, each named "fuzz": the loader wants the name inside to be the file's, and
    fuzz_persona writes every input as fuzz.json."""
    folder = os.path.join(src, "fixtures/personas")
    for name in sorted(os.listdir(folder)):
        if name.endswith(".json"):
            with open(os.path.join(folder, name)) as f:
                persona = json.load(f)
            persona["name"] = "fuzz"
            corpus.add("persona", name, json.dumps(persona, indent=2, ensure_ascii=False) + "\n")


def run(cmd, cwd):
    return subprocess.run(cmd, cwd=cwd, check=True, stdout=subprocess.PIPE).stdout


def made_by_tools(build, corpus):
    """Device files, passkey exports, responses, form fields and credential records."""
    authn = os.path.join(build, "authenticator/kagura-authn")
    rp = os.path.join(build, "rp/kagura-rp")
    create = json.dumps({
        "challenge": CREATE_CHALLENGE, "rp": {"id": RP_ID, "name": "HPKI"},
        "user": {"id": "MTIzNDU", "name": "12345", "displayName": "Dr. 12345"},
        "pubKeyCredParams": [{"type": "public-key", "alg": -7}, {"type": "public-key", "alg": -257}],
        "authenticatorSelection": {"residentKey": "required", "userVerification": "required"},
        "attestation": "direct"})
    get = json.dumps({"challenge": GET_CHALLENGE, "rpId": RP_ID, "userVerification": "required"})
    with tempfile.TemporaryDirectory() as tmp:
        for name, text in (("create.json", create), ("get.json", get)):
            with open(os.path.join(tmp, name), "w") as f:
                f.write(text)
        for persona in PERSONAS:
            for fmt in ATTESTATIONS:
                dev, tag = "dev.json", "%s-%s" % (persona, fmt)
                if os.path.exists(os.path.join(tmp, dev)):
                    os.remove(os.path.join(tmp, dev))
                run([authn, "device", "new", "--persona", persona, dev], tmp)
                run([authn, "device", "set", dev, "attestation=" + fmt], tmp)
                reg = run([authn, "create", "--device", dev, "--options", "create.json",
                           "--origin", ORIGIN], tmp)
                with open(os.path.join(tmp, "reg.json"), "wb") as f:
                    f.write(reg)
                cred = run([rp, "verify", "registration", "--challenge", CREATE_CHALLENGE,
                            "--origin", ORIGIN, "--rp-id", RP_ID, "--json", "reg.json"], tmp)
                corpus.add("response", tag + "-registration", reg)
                corpus.add("response", tag + "-record", cred)
                corpus.add("response", tag + "-authentication",
                           run([authn, "get", "--device", dev, "--options", "get.json",
                                "--origin", ORIGIN], tmp))
                fields = json.loads(run([authn, "get", "--device", dev, "--options", "get.json",
                                         "--origin", ORIGIN, "--form"], tmp))
                corpus.add("form", tag, urllib.parse.urlencode(fields))
                with open(os.path.join(tmp, dev), "rb") as f:
                    corpus.add("device_file", tag, f.read())
                # device_import: the first byte is the shape (bit 0: Playwright) and bit 1 --replace.
                for bit, shape in ((0, "cdp"), (1, "playwright")):
                    exported = run([authn, "device", "export", "--format", shape, dev], tmp)
                    corpus.add("device_import", "%s-%s" % (tag, shape), bytes([bit]) + exported)


def card_pki(build, corpus, trust_out):
    """Card chains as a TLS client sends them (DER) and as files hold them (PEM), and the
    trust they are checked against, certificates and CRLs only."""
    pki = os.path.join(build, "fixtures/pki")
    with open(os.path.join(pki, "index.json")) as f:
        index = json.load(f)
    for card in index["cards"]:
        with open(os.path.join(pki, card["chain"]), "rb") as f:
            pem = f.read()
        corpus.add("cardcert", card["name"] + ".pem", pem)
        der = b"".join(base64.b64decode(b"".join(block.split(b"-----")[2].split()))
                       for block in pem.split(b"-----BEGIN CERTIFICATE-----")[1:])
        corpus.add("cardcert", card["name"] + ".der", der)
        corpus.add("x509", card["name"] + "-chain.pem", pem)
    os.makedirs(trust_out, exist_ok=True)
    for key, name in (("hpki_anchors", "anchors-hpki.pem"), ("jpki_anchors", "anchors-jpki.pem"),
                      ("intermediates", "intermediates.pem"), ("crls", "crls.pem")):
        shutil.copyfile(os.path.join(pki, index["trust"][key]), os.path.join(trust_out, name))
    shutil.copyfile(os.path.join(pki, index["pc"]["installed_current"]),
                    os.path.join(trust_out, "pc-installed.pem"))


def cookie_jars(corpus):
    """Netscape cookie files as au_web_save writes them (the platform's cookies)."""
    host = "127.0.0.1"
    lines = [
        "%s\tFALSE\t/\tFALSE\t0\tAUTH_SESSION_ID\tb5c3a0e1f2d44c7d9a8e" % host,
        "#HttpOnly_%s\tFALSE\t/\tTRUE\t1893456000\tKC_RESTART\teyJhbGciOiJIUzI1NiJ9" % host,
        ".%s\tTRUE\t/realms\tFALSE\t0\tKEYCLOAK_IDENTITY\tx" % RP_ID,
    ]
    head = "# Netscape HTTP Cookie File\n# kagura-harness simulated browser\n\n"
    corpus.add("cookie_jar", "session", head + lines[0] + "\n")
    corpus.add("cookie_jar", "three", head + "\n".join(lines) + "\n")
    corpus.add("cookie_jar", "set-cookie-lines",
               "Set-Cookie: AUTH_SESSION_ID=abc; Path=/; Secure; HttpOnly; SameSite=None\n")


def origins(corpus):
    """Origins with and without an RP ID after a newline: the shapes the parser takes and refuses."""
    for name, text in [
            ("platform", "https://mahpki-auth.2nds.medis.or.jp\nmahpki-auth.2nds.medis.or.jp"),
            ("suffix", "https://login.example.co.jp\nexample.co.jp"),
            ("public-suffix", "https://a.example.co.jp\nco.jp"),
            ("loopback-port", "http://localhost:8080\nlocalhost"),
            ("ipv6", "http://[::1]:443"),
            ("ipv4", "https://127.0.0.1:8443\n127.0.0.1"),
            ("path", "https://host.example/path?q#f"),
            ("no-port", "https://host.example:"),
            ("scheme-only", "ftp://")]:
        corpus.add("origin", name, text)


def http_requests(src, corpus):
    """Whole requests to the platform's endpoints: pages, forms, test control and the FIDO
    conformance API with JSON bodies, cookies, and the framings a client may choose."""
    with open(os.path.join(src, "fixtures/vectors/w3c-webauthn-l3-test-vectors.json")) as f:
        v = json.load(f)["sctn-test-vectors-packed-es256"]

    def request(method, path, body=b"", headers=()):
        if isinstance(body, str):
            body = body.encode()
        head = ["%s %s HTTP/1.1" % (method, path), "Host: " + RP_ID] + list(headers)
        if body or method == "POST":
            head.append("Content-Length: %d" % len(body))
        return ("\r\n".join(head) + "\r\n\r\n").encode() + body

    cookie = "Cookie: AUTH_SESSION_ID=0123456789abcdef; KC_RESTART=x"
    form = "Content-Type: application/x-www-form-urlencoded"
    js = "Content-Type: application/json"
    auth, reg = v["authentication"], v["registration"]
    for path in ("/login", "/registration", "/device-registration", "/device-auth",
                 "/device-auth/status", "/device-auth/result", "/device-auth/qr",
                 "/device-registration/status", "/jpki-registration", "/card/hpki", "/nowhere"):
        corpus.add("http", "get" + path.replace("/", "-"), request("GET", path, headers=[cookie]))
    corpus.add("http", "login-username", request("POST", "/login-actions/authenticate",
                                                 "username=1000000001", [form, cookie]))
    corpus.add("http", "login-webauthn", request("POST", "/login-actions/webauthn", urllib.parse.urlencode({
        "clientDataJSON": auth["clientDataJSON"], "authenticatorData": auth["authenticatorData"],
        "signature": auth["signature"], "credentialId": reg["credential_id"],
        "userHandle": "MTIzNDU"}), [form, cookie]))
    corpus.add("http", "register", request("POST", "/registration-actions/register", urllib.parse.urlencode({
        "clientDataJSON": reg["clientDataJSON"], "attestationObject": reg["attestationObject"],
        "publicKeyCredentialId": reg["credential_id"], "transports": "internal",
        "authenticatorLabel": "phone"}), [form, cookie]))
    corpus.add("http", "device-auth-cancel", request("POST", "/device-auth-actions/cancel", "", [form, cookie]))
    corpus.add("http", "method-not-allowed", request("DELETE", "/login"))
    for name, body in (
            ("info", {}), ("users", {"name": "1000000001", "displayName": "Dr. Kagura"}),
            ("users/enabled", {"name": "1000000001", "enabled": False}),
            ("users/credentials", {"name": "1000000001"}),
            ("credentials", {"id": reg["credential_id"], "enabled": True}),
            ("clock", {"advance_seconds": 60}),
            ("forbidden-networks", {"networks": ["192.0.2.0/24"]}),
            ("registration-qr", {"name": "1000000001", "ttl_seconds": 300}),
            ("card-session", {"name": "1000000001"}),
            ("jpki-links", {"fingerprint": "00" * 32, "name": "1000000001"})):
        corpus.add("http", "test-control-" + name.replace("/", "-"),
                   request("POST", "/test-control/" + name, json.dumps(body), [js]))
    corpus.add("http", "conformance-attestation-options", request("POST", "/attestation/options", json.dumps({
        "username": "alice", "displayName": "Alice", "attestation": "direct",
        "authenticatorSelection": {"residentKey": "required", "requireResidentKey": True,
                                   "userVerification": "preferred"},
        "extensions": {"credProps": True}}), [js]))
    corpus.add("http", "conformance-attestation-result", request("POST", "/attestation/result", json.dumps({
        "id": reg["credential_id"], "rawId": reg["credential_id"], "type": "public-key",
        "response": {"clientDataJSON": reg["clientDataJSON"],
                     "attestationObject": reg["attestationObject"]}}),
        [js, "Cookie: kagura_conformance=" + "A" * 43]))
    corpus.add("http", "conformance-assertion-options", request("POST", "/assertion/options", json.dumps({
        "username": "alice", "userVerification": "required"}), [js]))
    corpus.add("http", "conformance-assertion-result", request("POST", "/assertion/result", json.dumps({
        "id": reg["credential_id"], "rawId": reg["credential_id"], "type": "public-key",
        "response": {"clientDataJSON": auth["clientDataJSON"],
                     "authenticatorData": auth["authenticatorData"],
                     "signature": auth["signature"], "userHandle": "MTIzNDU"}}), [js]))
    corpus.add("http", "chunked", b"POST /login-actions/authenticate HTTP/1.1\r\nHost: " + RP_ID.encode() +
               b"\r\nTransfer-Encoding: chunked\r\n" + form.encode() + b"\r\n\r\n"
               b"13\r\nusername=1000000001\r\n0\r\n\r\n")
    corpus.add("http", "keep-alive-two", request("GET", "/login") + request("GET", "/device-auth"))
    corpus.add("http", "http10", b"GET /login HTTP/1.0\r\n\r\n")


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    src, build, out = (os.path.abspath(a) for a in sys.argv[1:])
    corpus = Corpus(out)
    w3c_vectors(src, corpus)
    files(src, corpus, "scenario", "scenarios/cases", ".scn")
    catalogues(src, corpus)
    personas(src, corpus)
    made_by_tools(build, corpus)
    card_pki(build, corpus, os.path.join(src, "fuzz/trust"))
    cookie_jars(corpus)
    origins(corpus)
    http_requests(src, corpus)


if __name__ == "__main__":
    main()
