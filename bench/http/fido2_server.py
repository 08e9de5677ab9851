#!/usr/bin/python3
"""A reference server for bench-http: the FIDO conformance API with python-fido2's Fido2Server.

The four POST endpoints kagura-rp serve speaks (README "FIDO conformance API"), on the standard
library's http.server.ThreadingHTTPServer (HTTP/1.1, keep-alive), everything in memory. Written
for the benchmark only. It verifies what kagura verifies on this path: Fido2Server checks type,
origin, challenge, RP ID hash, UP/UV and the assertion signature; this file adds what 0.9.1 leaves
to the application: the attestation statement's signature (0.9.1's own packed verifier; it skips
attestation otherwise), a challenge that is single-use and kept per browser in a cookie, a
counter that must increase and a credential id not yet taken.

usage: /usr/bin/python3 fido2_server.py --origin ORIGIN --rp-id ID [--listen 127.0.0.1:PORT]
Prints "serving http://ADDR:PORT" once listening; stops on SIGTERM or SIGINT.
"""
import argparse
import json
import os
import signal
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

try:
    import fido2
    from fido2.attestation import Attestation
    from fido2.client import ClientData
    from fido2.ctap2 import AttestationObject, AuthenticatorData
    from fido2.server import Fido2Server
    from fido2.utils import websafe_decode, websafe_encode
    from fido2.webauthn import PublicKeyCredentialRpEntity
except ImportError as err:
    print(f"fido2_server: python-fido2 is not importable by {sys.executable} ({err}); "
          "run `make deps` and use /usr/bin/python3", file=sys.stderr)
    sys.exit(2)

# The 0.9 API (parsed objects in, not JSON): Debian 12's python3-fido2 0.9.1.
if not fido2.__version__.startswith("0.9."):
    print(f"fido2_server: python-fido2 {fido2.__version__} found; written for 0.9",
          file=sys.stderr)
    sys.exit(2)

COOKIE = "bench_session"
PENDING_SECONDS = 300
MAX_BODY = 64 * 1024


class Failed(Exception):
    pass


def verify_attestation(attestation_object, client_data_hash):
    """0.9.1's own verifier for the statement's format (packed self: the signature by the new key).

    No trust path is checked: kagura's conformance API takes attestations from roots it does not
    hold (require_trusted_attestation off), so neither does this.
    """
    Attestation.for_type(attestation_object.fmt)().verify(
        attestation_object.att_statement, attestation_object.auth_data, client_data_hash)


class Store:
    """Users, credentials and pending ceremonies, in memory, behind one lock."""

    def __init__(self):
        self.lock = threading.Lock()
        self.users = {}     # username -> {"id": bytes, "creds": {cred_id: [AttestedCredentialData, counter]}}
        self.owner = {}     # cred_id -> username
        self.pending = {}   # cookie token -> state

    def put_pending(self, old, state):
        token = websafe_encode(os.urandom(32))
        with self.lock:
            if old:
                self.pending.pop(old, None)
            self.pending[token] = dict(state, expires=time.monotonic() + PENDING_SECONDS)
        return token

    def take_pending(self, token, ceremony):
        """Deletes and returns the pending ceremony: single-use whatever the outcome."""
        with self.lock:
            state = self.pending.pop(token, None) if token else None
        if state is None or state["expires"] < time.monotonic() or state["ceremony"] != ceremony:
            raise Failed(f"no pending {ceremony}: call the options endpoint first")
        return state


def jsonable(value):
    if isinstance(value, bytes):
        return websafe_encode(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def make_handler(server, store):
    def attestation_options(body):
        username, display = body.get("username"), body.get("displayName")
        if not isinstance(username, str) or not username or not isinstance(display, str):
            raise Failed("'username' and 'displayName' are required strings")
        uv = (body.get("authenticatorSelection") or {}).get("userVerification", "preferred")
        with store.lock:
            user = store.users.setdefault(username, {"id": os.urandom(32), "creds": {}})
            exclude = [c for c, _ in user["creds"].values()]
        options, state = server.register_begin(
            {"id": user["id"], "name": username, "displayName": display},
            credentials=exclude, user_verification=uv)
        out = dict(options["publicKey"])
        return out, dict(state, ceremony="registration", username=username)

    def attestation_result(body, state):
        resp = body["response"]
        client_data = ClientData(websafe_decode(resp["clientDataJSON"]))
        att_obj = AttestationObject(websafe_decode(resp["attestationObject"]))
        auth_data = server.register_complete(state, client_data, att_obj)
        cred = auth_data.credential_data
        with store.lock:
            if cred.credential_id in store.owner:
                raise Failed("credential id already registered")
            store.owner[cred.credential_id] = state["username"]
            store.users[state["username"]]["creds"][cred.credential_id] = [cred, auth_data.counter]

    def assertion_options(body):
        username = body.get("username")
        with store.lock:
            user = store.users.get(username)
            creds = [c for c, _ in user["creds"].values()] if user else None
        if user is None:
            raise Failed(f'no user "{username}"')
        options, state = server.authenticate_begin(
            creds, user_verification=body.get("userVerification", "preferred"))
        return dict(options["publicKey"]), dict(state, ceremony="authentication", username=username)

    def assertion_result(body, state):
        resp = body["response"]
        cred_id = websafe_decode(body["rawId"])
        with store.lock:
            entry = store.users[state["username"]]["creds"].get(cred_id)
        if entry is None:
            raise Failed("unknown credential")
        auth_data = AuthenticatorData(websafe_decode(resp["authenticatorData"]))
        server.authenticate_complete(
            state, [entry[0]], cred_id, ClientData(websafe_decode(resp["clientDataJSON"])),
            auth_data, websafe_decode(resp["signature"]))
        with store.lock:
            # Counter check and update in one step, as the two may race between connections.
            if (auth_data.counter or entry[1]) and auth_data.counter <= entry[1]:
                raise Failed(f"signature counter did not increase ({auth_data.counter} <= {entry[1]})")
            entry[1] = auth_data.counter

    options_routes = {"/attestation/options": attestation_options,
                      "/assertion/options": assertion_options}
    result_routes = {"/attestation/result": ("registration", attestation_result),
                     "/assertion/result": ("authentication", assertion_result)}

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as the other servers
        # Headers and body go out in two writes: without this, Nagle holds the body until the
        # client's delayed ACK (40 ms a request), which would measure TCP, not python-fido2.
        disable_nagle_algorithm = True

        def log_message(self, *args):
            pass

        def reply(self, code, obj, cookie=None):
            data = json.dumps(obj, default=jsonable).encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            if cookie:
                self.send_header("Set-Cookie", f"{COOKIE}={cookie}; Path=/; "
                                 f"Max-Age={PENDING_SECONDS}; HttpOnly; SameSite=Strict")
            self.end_headers()
            self.wfile.write(data)

        def cookie(self):
            for part in (self.headers.get("Cookie") or "").split(";"):
                key, _, value = part.strip().partition("=")
                if key == COOKIE:
                    return value
            return None

        def do_POST(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if 0 <= length <= MAX_BODY else None
            if self.path not in options_routes and self.path not in result_routes:
                return self.reply(404, {"status": "failed", "errorMessage": "not found"})
            try:
                if body is None:
                    raise Failed("request body too large")
                body = json.loads(body)
                if not isinstance(body, dict):
                    raise Failed("request body is not a JSON object")
                if self.path in options_routes:
                    out, state = options_routes[self.path](body)
                    token = store.put_pending(self.cookie(), state)
                    return self.reply(200, dict(out, status="ok", errorMessage=""), token)
                ceremony, handler = result_routes[self.path]
                handler(body, store.take_pending(self.cookie(), ceremony))
                return self.reply(200, {"status": "ok", "errorMessage": ""})
            except Exception as err:  # every failure is the client's answer, as in kagura
                return self.reply(400, {"status": "failed",
                                        "errorMessage": f"{type(err).__name__}: {err}"})

    return Handler


def main():
    ap = argparse.ArgumentParser(prog="fido2_server.py")
    ap.add_argument("--origin", required=True)
    ap.add_argument("--rp-id", required=True)
    ap.add_argument("--listen", default="127.0.0.1:0")
    args = ap.parse_args()
    host, _, port = args.listen.rpartition(":")

    rp = PublicKeyCredentialRpEntity(args.rp_id, "HPKI-KAGURA")
    # attestation "direct" so register_complete calls verify_attestation at all.
    server = Fido2Server(rp, attestation="direct", verify_attestation=verify_attestation,
                         verify_origin=lambda o: o == args.origin)
    # 64 users connect at once; the default backlog of 5 would make some wait for SYN retries.
    ThreadingHTTPServer.request_queue_size = 128
    httpd = ThreadingHTTPServer((host, int(port)), make_handler(server, Store()))
    httpd.daemon_threads = True
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    addr, bound = httpd.server_address[:2]
    print(f"fido2_server: serving http://{addr}:{bound} (origin {args.origin}, RP ID "
          f"{args.rp_id}, python-fido2 {fido2.__version__}, python {sys.version.split()[0]})",
          flush=True)
    try:
        httpd.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
