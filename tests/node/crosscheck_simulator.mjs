// Independent cross-check of the authenticator SIMULATOR with @simplewebauthn/server: every case
// of the simulator set (tests/support/gen_simulator_set.c: a registration and two
// authentications produced through libfido2 -> CTAPHID -> the simulated device, each already
// accepted by our C core) must verify here too, and both verifiers must derive the same
// credential record and counters. Controls keep "verified" from being vacuous: a flipped
// assertion signature must fail, and the x5c chain checked against an impostor anchor (the
// real anchor's name, another key) must be refused.
//
// usage: node crosscheck_simulator.mjs SIMULATOR_SET.json
// Exit status: 0 all agree; 1 any disagreement; 2 the setup is broken (node, packages, files).

import { readFileSync } from 'node:fs';
import { webcrypto } from 'node:crypto';

const PINNED = '14.0.3';

function setupError(msg) {
	console.error(`crosscheck_simulator: ${msg}`);
	process.exit(2);
}

// The package needs Node 20 (WebCrypto Ed25519); an older node must fail, not half-run.
if (Number(process.versions.node.split('.')[0]) < 20)
	setupError(`node ${process.version} is older than 20; install Node 20 or newer`);

// Bare specifiers resolve from this file's folder, i.e. tests/node/node_modules in the source tree.
let swa;
let x509;
try {
	swa = await import('@simplewebauthn/server');
	// SimpleWebAuthn's own certificate library, used only to make the impostor anchors.
	x509 = await import('@peculiar/x509');
} catch (err) {
	setupError(`cannot load @simplewebauthn/server from tests/node/node_modules (${err.code ?? err.message}); ` +
		'run `sh tools/install-deps.sh` (npm ci in tests/node)');
}
const { verifyRegistrationResponse, verifyAuthenticationResponse, SettingsService } = swa;

// A stale node_modules would silently test another version than the one pinned.
const installed = JSON.parse(readFileSync(new URL('./node_modules/@simplewebauthn/server/package.json',
	import.meta.url), 'utf8')).version;
if (installed !== PINNED)
	setupError(`@simplewebauthn/server ${installed} installed, ${PINNED} pinned; run \`sh tools/install-deps.sh\``);

if (process.argv.length !== 3)
	setupError('usage: node crosscheck_simulator.mjs SIMULATOR_SET.json');

let set;
try {
	set = JSON.parse(readFileSync(process.argv[2], 'utf8'));
} catch (err) {
	setupError(`cannot read ${process.argv[2]}: ${err.message}`);
}
const cases = set.cases ?? [];
if (cases.length === 0 || !set.rootCaPem || !set.intermediatePem)
	setupError(`${process.argv[2]} holds no cases or lacks rootCaPem/intermediatePem`);

const b64u = (s) => new Uint8Array(Buffer.from(s, 'base64url'));
const hex = (u8) => Buffer.from(u8).toString('hex');
const sameBytes = (a, b) => Buffer.from(a).equals(Buffer.from(b));

// Runs a verify call; a thrown Error counts as a rejection with its message.
async function attempt(fn) {
	try {
		return { result: await fn() };
	} catch (err) {
		return { error: err.message ?? String(err) };
	}
}

// The anchor each x5c format needs: packed carries (leaf, intermediate), so the root; fido-u2f
// carries the leaf alone (§8.6), so only its issuer, the intermediate, can anchor it (our core
// is given the intermediate as an anchor for the same reason).
const ANCHOR = { packed: set.rootCaPem, 'fido-u2f': set.intermediatePem };

function setRoots(fmt, pem) {
	for (const identifier of ['packed', 'fido-u2f'])
		SettingsService.setRootCertificates({ identifier, certificates: identifier === fmt && pem ? [pem] : [] });
}

// A self-signed CA with the anchor's subject name but a fresh key: the chain builder finds it by
// name, so only the signature check can refuse it.
async function impostorOf(pem) {
	x509.cryptoProvider.set(webcrypto);
	const real = new x509.X509Certificate(pem);
	const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
	const keys = await webcrypto.subtle.generateKey(alg, false, ['sign', 'verify']);
	const cert = await x509.X509CertificateGenerator.createSelfSigned({
		serialNumber: '01',
		name: real.subject,
		notBefore: new Date(Date.now() - 86400e3),
		notAfter: new Date(Date.now() + 30 * 86400e3),
		signingAlgorithm: alg,
		keys,
		extensions: [new x509.BasicConstraintsExtension(true, undefined, true)],
	});
	return cert.toString('pem');
}

const IMPOSTOR = {
	packed: await impostorOf(set.rootCaPem),
	'fido-u2f': await impostorOf(set.intermediatePem),
};

let failures = 0;
let passed = 0;

function report(ok, name, detail) {
	if (ok)
		passed++;
	else
		failures++;
	console.log(`${ok ? 'ok  ' : 'FAIL'} ${name}${detail ? `: ${detail}` : ''}`);
}

function differ(diffs) {
	return (what, theirs, mine) => {
		if (theirs !== mine)
			diffs.push(`${what}: simplewebauthn ${JSON.stringify(theirs)}, ours ${JSON.stringify(mine)}`);
	};
}

// Our record vs SimpleWebAuthn's: each field named where both sides derive it.
function compareRegistration(c, info) {
	const ours = c.credential;
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
	want('rpID', info.rpID, set.rpID);
	want('origin', info.origin, set.origin);
	return diffs;
}

function compareAuthentication(after, info) {
	const diffs = [];
	const want = differ(diffs);

	want('newCounter', info.newCounter, after.signCount);
	want('credentialID', info.credentialID, after.id);
	want('credentialBackedUp', info.credentialBackedUp, after.backupState);
	want('credentialDeviceType', info.credentialDeviceType,
		after.backupEligible ? 'multiDevice' : 'singleDevice');
	return diffs;
}

// A copy of the assertion with one signature bit flipped.
function tamperSignature(resp) {
	const copy = structuredClone(resp);
	const sig = b64u(copy.response.signature);
	sig[sig.length - 1] ^= 0x01;
	copy.response.signature = Buffer.from(sig).toString('base64url');
	return copy;
}

function registrationOptions(c) {
	return {
		response: c.registration.response,
		expectedChallenge: c.registration.challenge,
		expectedOrigin: set.origin,
		expectedRPID: set.rpID,
		requireUserVerification: c.requireUserVerification,
		// EdDSA and RS256 are outside the default list; the one algorithm the options asked for.
		supportedAlgorithmIDs: [c.alg],
	};
}

async function checkCase(c) {
	const x5c = ANCHOR[c.fmt] !== undefined && c.attestation !== 'packed-self';
	setRoots(c.fmt, x5c ? ANCHOR[c.fmt] : undefined);
	const reg = await attempt(() => verifyRegistrationResponse(registrationOptions(c)));
	if (reg.error || reg.result.verified !== true)
		return report(false, c.name, `registration rejected by simplewebauthn: ${reg.error ?? 'verified false'}`);
	const info = reg.result.registrationInfo;
	const regDiffs = compareRegistration(c, info);
	if (regDiffs.length)
		return report(false, c.name, `registration record differs: ${regDiffs.join('; ')}`);

	// Control: the chain really reaches the anchor, so an impostor with its name is refused.
	if (x5c) {
		setRoots(c.fmt, IMPOSTOR[c.fmt]);
		const bad = await attempt(() => verifyRegistrationResponse(registrationOptions(c)));
		setRoots(c.fmt, ANCHOR[c.fmt]);
		if (!bad.error && bad.result.verified !== false)
			return report(false, c.name, 'control: x5c accepted against an impostor anchor');
		// Refused for the chain, not for something unrelated the swap might have disturbed.
		if (!/could not be chained to any specified trust anchor/.test(bad.error ?? ''))
			return report(false, c.name, `control: impostor anchor refused otherwise than for the chain: ${bad.error}`);
	}

	// SimpleWebAuthn's own stored key; the counter stored before each assertion is ours.
	let stored = c.credential;
	const counters = [stored.signCount];
	for (const [k, a] of c.authentications.entries()) {
		const authOpts = {
			expectedChallenge: a.challenge,
			expectedOrigin: set.origin,
			expectedRPID: set.rpID,
			requireUserVerification: c.requireUserVerification,
			credential: {
				id: info.credential.id,
				publicKey: new Uint8Array(info.credential.publicKey),
				counter: stored.signCount,
			},
		};
		const auth = await attempt(() => verifyAuthenticationResponse({ ...authOpts, response: a.response }));
		if (auth.error || auth.result.verified !== true)
			return report(false, c.name, `assertion ${k + 1} rejected by simplewebauthn: ` +
				`${auth.error ?? 'verified false'}`);
		const authDiffs = compareAuthentication(a.credentialAfter, auth.result.authenticationInfo);
		if (authDiffs.length)
			return report(false, c.name, `assertion ${k + 1} result differs: ${authDiffs.join('; ')}`);

		// Control: the signature really is checked.
		const bad = await attempt(() => verifyAuthenticationResponse({ ...authOpts,
			response: tamperSignature(a.response) }));
		if (!bad.error && bad.result.verified !== false)
			return report(false, c.name, `control: assertion ${k + 1} with a flipped signature accepted`);
		stored = a.credentialAfter;
		counters.push(auth.result.authenticationInfo.newCounter);
	}
	report(true, c.name, `fmt ${info.fmt}, alg ${c.alg}, counter ${counters.join(' -> ')}` +
		(x5c ? ', x5c chained to the test CA' : '') + ', controls refused');
}

console.log(`crosscheck_simulator: @simplewebauthn/server ${installed}, node ${process.version}, ` +
	`origin ${set.origin}`);
for (const c of cases)
	await checkCase(c);
console.log(`crosscheck_simulator: ${passed}/${cases.length} simulator cases agree ` +
	`(registration + ${cases[0].authentications.length} authentications each); ${failures} disagreement(s)`);
process.exit(failures ? 1 : 0);
