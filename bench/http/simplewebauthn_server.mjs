// A reference server for bench-http: the FIDO conformance API (the four POST endpoints kagura-rp
// serve speaks, README "FIDO conformance API") on node:http with @simplewebauthn/server, everything
// in memory. Written for the benchmark only; it verifies what kagura verifies on this path:
// challenge (single-use, kept per browser in a cookie), origin, RP ID, the packed attestation
// signature, the assertion signature, a counter that must increase, a credential id not yet taken.
//
// usage: node simplewebauthn_server.mjs --origin ORIGIN --rp-id ID [--listen 127.0.0.1:PORT]
//                                       [--modules DIR]
//   --modules  the folder whose node_modules holds @simplewebauthn/server (default tests/node)
// Prints "serving http://ADDR:PORT" once listening; stops on SIGTERM or SIGINT.

import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

const COOKIE = 'bench_session';
const PENDING_MS = 300 * 1000;
const MAX_BODY = 64 * 1024;

function usage(msg) {
	console.error(`simplewebauthn_server: ${msg}\nusage: node simplewebauthn_server.mjs ` +
		'--origin ORIGIN --rp-id ID [--listen 127.0.0.1:PORT] [--modules DIR]');
	process.exit(2);
}

const opts = { listen: '127.0.0.1:0', modules: new URL('../../tests/node/', import.meta.url).pathname };
for (let i = 2; i < process.argv.length; i += 2) {
	const key = process.argv[i].replace(/^--/, '').replace('rp-id', 'rpId');
	if (!['origin', 'rpId', 'listen', 'modules'].includes(key) || i + 1 >= process.argv.length)
		usage(`bad argument ${process.argv[i]}`);
	opts[key] = process.argv[i + 1];
}
if (!opts.origin || !opts.rpId)
	usage('--origin and --rp-id are required');

// Resolved from the project's pinned install (tests/node/package-lock.json), not from here.
let swa, version;
try {
	const entry = createRequire(`${opts.modules.replace(/\/?$/, '/')}package.json`)
		.resolve('@simplewebauthn/server');
	const top = dirname(dirname(entry)); // .../@simplewebauthn/server
	swa = await import(pathToFileURL(join(top, 'esm', 'index.js')).href);
	version = JSON.parse(readFileSync(join(top, 'package.json'), 'utf8')).version;
} catch (err) {
	console.error(`simplewebauthn_server: cannot load @simplewebauthn/server from ${opts.modules} ` +
		`(${err.code ?? err.message}); run \`make deps\``);
	process.exit(2);
}

// ---- in-memory store ----
const users = new Map();   // username -> { id, displayName, creds: [WebAuthnCredential] }
const credOwner = new Map(); // credential id (base64url) -> user
const pending = new Map(); // cookie token -> { ceremony, challenge, username, uv, expires }

function putPending(req, res, state) {
	const old = cookieOf(req);
	if (old)
		pending.delete(old);
	const token = randomBytes(32).toString('base64url');
	pending.set(token, { ...state, expires: Date.now() + PENDING_MS });
	res.setHeader('Set-Cookie', `${COOKIE}=${token}; Path=/; Max-Age=${PENDING_MS / 1000}; HttpOnly; SameSite=Strict`);
}

// Takes the pending ceremony the cookie names: single-use whatever the outcome.
function takePending(req, ceremony) {
	const token = cookieOf(req);
	const state = token ? pending.get(token) : undefined;
	if (token)
		pending.delete(token);
	if (!state || state.expires < Date.now() || state.ceremony !== ceremony)
		throw new Error(`no pending ${ceremony}: call the options endpoint first`);
	return state;
}

function cookieOf(req) {
	for (const part of (req.headers.cookie ?? '').split(';')) {
		const [k, v] = part.trim().split('=');
		if (k === COOKIE)
			return v;
	}
	return undefined;
}

// ---- the four endpoints ----
const routes = {
	async '/attestation/options'(body, req, res) {
		const { username, displayName } = body;
		if (typeof username !== 'string' || username === '' || typeof displayName !== 'string')
			throw new Error("'username' and 'displayName' are required strings");
		let user = users.get(username);
		if (!user) {
			user = { id: randomBytes(32), displayName, creds: [] };
			users.set(username, user);
		}
		const uv = body.authenticatorSelection?.userVerification ?? 'preferred';
		const options = await swa.generateRegistrationOptions({
			rpName: 'HPKI-KAGURA', rpID: opts.rpId, userName: username, userID: user.id,
			userDisplayName: displayName, timeout: PENDING_MS,
			attestationType: body.attestation === 'direct' ? 'direct' : 'none',
			excludeCredentials: user.creds.map((c) => ({ id: c.id, transports: c.transports })),
			authenticatorSelection: { residentKey: 'discouraged', userVerification: uv },
			supportedAlgorithmIDs: [-7, -257, -8],
		});
		putPending(req, res, { ceremony: 'registration', challenge: options.challenge, username, uv });
		return options;
	},

	async '/attestation/result'(body, req) {
		const p = takePending(req, 'registration');
		const v = await swa.verifyRegistrationResponse({
			response: body, expectedChallenge: p.challenge, expectedOrigin: opts.origin,
			expectedRPID: opts.rpId, requireUserVerification: p.uv === 'required',
		});
		if (!v.verified)
			throw new Error('registration not verified');
		const cred = v.registrationInfo.credential;
		if (credOwner.has(cred.id))
			throw new Error('credential id already registered');
		const user = users.get(p.username);
		user.creds.push(cred);
		credOwner.set(cred.id, user);
		return {};
	},

	async '/assertion/options'(body, req, res) {
		const user = users.get(body.username);
		if (!user)
			throw new Error(`no user "${body.username}"`);
		const uv = body.userVerification ?? 'preferred';
		const options = await swa.generateAuthenticationOptions({
			rpID: opts.rpId, timeout: PENDING_MS, userVerification: uv,
			allowCredentials: user.creds.map((c) => ({ id: c.id, transports: c.transports })),
		});
		putPending(req, res, { ceremony: 'authentication', challenge: options.challenge, username: body.username, uv });
		return options;
	},

	async '/assertion/result'(body, req) {
		const p = takePending(req, 'authentication');
		const user = users.get(p.username);
		const cred = credOwner.get(body.id) === user ? user.creds.find((c) => c.id === body.id) : undefined;
		if (!cred)
			throw new Error('unknown credential');
		const v = await swa.verifyAuthenticationResponse({
			response: body, expectedChallenge: p.challenge, expectedOrigin: opts.origin,
			expectedRPID: opts.rpId, credential: cred, requireUserVerification: p.uv === 'required',
		});
		if (!v.verified)
			throw new Error('assertion not verified');
		cred.counter = v.authenticationInfo.newCounter;
		return {};
	},
};

function reply(res, code, obj) {
	const text = JSON.stringify(obj);
	res.writeHead(code, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
	res.end(text);
}

const server = createServer((req, res) => {
	const route = req.method === 'POST' ? routes[req.url] : undefined;
	const chunks = [];
	let size = 0;
	req.on('data', (c) => {
		size += c.length;
		if (size <= MAX_BODY)
			chunks.push(c);
	});
	req.on('end', async () => {
		if (!route)
			return reply(res, 404, { status: 'failed', errorMessage: 'not found' });
		try {
			if (size > MAX_BODY)
				throw new Error('request body too large');
			const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
			if (body === null || typeof body !== 'object' || Array.isArray(body))
				throw new Error('request body is not a JSON object');
			reply(res, 200, { status: 'ok', errorMessage: '', ...(await route(body, req, res)) });
		} catch (err) {
			reply(res, 400, { status: 'failed', errorMessage: err.message || 'failed' });
		}
	});
});
// The load generator keeps connections open for a whole round.
server.keepAliveTimeout = 60 * 1000;

const [host, port] = [opts.listen.slice(0, opts.listen.lastIndexOf(':')),
	Number(opts.listen.slice(opts.listen.lastIndexOf(':') + 1))];
server.listen(port, host, () => {
	const a = server.address();
	console.log(`simplewebauthn_server: serving http://${a.address}:${a.port} ` +
		`(origin ${opts.origin}, RP ID ${opts.rpId}, @simplewebauthn/server ${version}, node ${process.version})`);
});
for (const sig of ['SIGTERM', 'SIGINT'])
	process.on(sig, () => process.exit(0));
