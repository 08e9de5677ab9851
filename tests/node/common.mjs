// Shared by the cross-checks against @simplewebauthn/server (crosscheck.mjs,
// crosscheck_simulator.mjs): the setup checks, byte helpers, the verdict tally and the
// comparisons both make.
// Exit status of a script using setup(): 2 when the setup is broken (node, packages, files).

import { readFileSync } from 'node:fs';

export const PINNED = '14.0.3';

// The name setupError() prefixes its messages with; set by setup().
let program = 'crosscheck';

export function setupError(msg) {
	console.error(`${program}: ${msg}`);
	process.exit(2);
}

// Checks node, loads @simplewebauthn/server (and the modules named in `also`, under the same
// error), checks it is the pinned version and that the command line has exactly `args`.
// Returns the loaded modules and the installed version.
export async function setup(name, args, also = []) {
	program = name;

	// The package needs Node 20 (WebCrypto Ed25519); an older node must fail, not half-run.
	if (Number(process.versions.node.split('.')[0]) < 20)
		setupError(`node ${process.version} is older than 20; install Node 20 or newer`);

	// Bare specifiers resolve from this file's folder, i.e. tests/node/node_modules in the source tree.
	let swa;
	const extra = [];
	try {
		swa = await import('@simplewebauthn/server');
		for (const specifier of also)
			extra.push(await import(specifier));
	} catch (err) {
		setupError(`cannot load @simplewebauthn/server from tests/node/node_modules (${err.code ?? err.message}); ` +
			'run `sh tools/install-deps.sh` (npm ci in tests/node)');
	}

	// A stale node_modules would silently test another version than the one pinned.
	const installed = JSON.parse(readFileSync(new URL('./node_modules/@simplewebauthn/server/package.json',
		import.meta.url), 'utf8')).version;
	if (installed !== PINNED)
		setupError(`@simplewebauthn/server ${installed} installed, ${PINNED} pinned; run \`sh tools/install-deps.sh\``);

	if (process.argv.length !== 2 + args.length)
		setupError(`usage: node ${name}.mjs ${args.join(' ')}`);

	return { swa, extra, installed };
}

export function readJson(path) {
	try {
		return JSON.parse(readFileSync(path, 'utf8'));
	} catch (err) {
		setupError(`cannot read ${path}: ${err.message}`);
	}
}

export const b64u = (s) => new Uint8Array(Buffer.from(s, 'base64url'));
export const hex = (u8) => Buffer.from(u8).toString('hex');
export const sameBytes = (a, b) => Buffer.from(a).equals(Buffer.from(b));

// Runs a verify call; a thrown Error counts as a rejection with its message.
export async function attempt(fn) {
	try {
		return { result: await fn() };
	} catch (err) {
		return { error: err.message ?? String(err) };
	}
}

// Verdicts so far; the scripts' exit status is 1 when any failed.
export const tally = { passed: 0, failures: 0 };

export function report(ok, name, detail) {
	if (ok)
		tally.passed++;
	else
		tally.failures++;
	console.log(`${ok ? 'ok  ' : 'FAIL'} ${name}${detail ? `: ${detail}` : ''}`);
}

// want(what, theirs, mine): notes in diffs a field where SimpleWebAuthn and we differ.
export function differ(diffs) {
	return (what, theirs, mine) => {
		if (theirs !== mine)
			diffs.push(`${what}: simplewebauthn ${JSON.stringify(theirs)}, ours ${JSON.stringify(mine)}`);
	};
}

// Our credential record (`ours`, registered for rpID and origin) vs SimpleWebAuthn's
// registrationInfo: each field named where both sides derive it.
export function compareRegistration(ours, info, rpID, origin) {
	const diffs = [];
	const want = differ(diffs);

	want('credential id', info.credential.id, ours.id);
	if (!sameBytes(info.credential.publicKey, b64u(ours.publicKey)))
		diffs.push(`credential public key: simplewebauthn ${hex(info.credential.publicKey)}, ` +
			`ours ${hex(b64u(ours.publicKey))}`);
	want('fmt', info.fmt, ours.fmt);
	want('counter', info.credential.counter, ours.signCount);
	want('aaguid', info.aaguid, ours.aaguid);
	want('userVerified', info.userVerified, ours.uvInitialized);
	want('credentialBackedUp', info.credentialBackedUp, ours.backupState);
	want('credentialDeviceType', info.credentialDeviceType,
		ours.backupEligible ? 'multiDevice' : 'singleDevice');
	want('rpID', info.rpID, rpID);
	want('origin', info.origin, origin);
	return diffs;
}

// A copy of the assertion with one signature bit flipped.
export function tamperSignature(resp) {
	const copy = structuredClone(resp);
	const sig = b64u(copy.response.signature);
	sig[sig.length - 1] ^= 0x01;
	copy.response.signature = Buffer.from(sig).toString('base64url');
	return copy;
}
