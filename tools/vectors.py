#!/usr/bin/env python3
"""Turns the W3C WebAuthn L3 test vectors into W3C response JSON files and verify arguments.

For each vector NAME it writes, under OUTDIR:
  NAME.reg.json   RegistrationResponseJSON
  NAME.auth.json  AuthenticationResponseJSON
  NAME.args       one line: reg-challenge auth-challenge flags for both ceremonies...
  NAME.regflags   flags for the registration only
and OUTDIR/ca.pem, the vectors' attestation CA (the trust anchor).
"""
import base64
import json
import sys
import textwrap


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: vectors.py VECTORS.json OUTDIR")
    vectors = json.load(open(sys.argv[1]))
    out = sys.argv[2]
    der = bytes.fromhex(vectors["_attestation_ca_cert_der_hex"])
    pem = "\n".join(textwrap.wrap(base64.b64encode(der).decode(), 64))
    with open(f"{out}/ca.pem", "w") as f:
        f.write(f"-----BEGIN CERTIFICATE-----\n{pem}\n-----END CERTIFICATE-----\n")
    names = []
    for name, v in vectors.items():
        if name.startswith("_"):
            continue
        reg, auth = v["registration"], v["authentication"]
        cid = reg["credential_id"]
        shell = {"id": cid, "rawId": cid, "type": "public-key", "clientExtensionResults": {}}
        with open(f"{out}/{name}.reg.json", "w") as f:
            json.dump(dict(shell, response={"clientDataJSON": reg["clientDataJSON"],
                                            "attestationObject": reg["attestationObject"]}), f)
        with open(f"{out}/{name}.auth.json", "w") as f:
            json.dump(dict(shell, response={"clientDataJSON": auth["clientDataJSON"],
                                            "authenticatorData": auth["authenticatorData"],
                                            "signature": auth["signature"]}), f)
        # The two embedding vectors need the RP to expect a cross-origin iframe.
        flags, reg_flags = [], []
        if name.endswith("-crossOrigin"):
            flags = ["--allow-cross-origin"]
        elif name.endswith("-topOrigin"):
            flags = ["--top-origin", "https://example.com"]
        elif "android-key" in name:
            # The generator leaves both KeyDescription authorization lists empty.
            reg_flags = ["--android-key-allow-empty-authz"]
        with open(f"{out}/{name}.args", "w") as f:
            f.write(" ".join([reg["challenge"], auth["challenge"]] + flags) + "\n")
        with open(f"{out}/{name}.regflags", "w") as f:
            f.write(" ".join(reg_flags) + "\n")
        names.append(name)
    with open(f"{out}/names", "w") as f:
        f.write("\n".join(names) + "\n")


if __name__ == "__main__":
    main()
