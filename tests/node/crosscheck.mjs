// Independent cross-check: every ceremony our C core accepts in the valid set (written by
// tests/support/gen_valid_set.c) and the W3C L3 test vectors must also verify with
// @simplewebauthn/server, and both verifiers must derive the same credential record.
//
// usage: node crosscheck.mjs VALID_SET.json W3C_VECTORS.json
// Exit status: 0 all agree; 1 any disagreement; 2 the setup is broken (node, packages, files).

import {
	attempt, b64u, compareRegistration, differ, hex, readJson, report, setup, setupError, tally, tamperSignature,
} from './common.mjs';

const { swa, installed } = await setup('crosscheck', ['VALID_SET.json', 'W3C_VECTORS.json']);
const { verifyRegistrationResponse, verifyAuthenticationResponse, SettingsService } = swa;

const validSet = readJson(process.argv[2]);
const vectors = readJson(process.argv[3]);

function derToPem(der) {
	const b64 = Buffer.from(der).toString('base64').replace(/.{1,64}/g, '$&\n');
	return `-----BEGIN CERTIFICATE-----\n${b64}-----END CERTIFICATE-----\n`;
}

// The same anchor for every format that carries x5c, so a rejection is never a missing root.
function setRoots(pem) {
	for (const identifier of ['packed', 'fido-u2f', 'apple', 'tpm', 'android-key'])
		SettingsService.setRootCertificates({ identifier, certificates: [pem] });
}

// ---- valid set: generated with real keys and accepted by our core ----

function compareAuthentication(c, info) {
	const after = c.credentialAfterAuthentication;
	const diffs = [];
	const want = differ(diffs);

	want('newCounter', info.newCounter, after.signCount);
	want('credentialBackedUp', info.credentialBackedUp, after.backupState);
	want('credentialDeviceType', info.credentialDeviceType,
		after.backupEligible ? 'multiDevice' : 'singleDevice');
	want('credentialID', info.credentialID, after.id);
	return diffs;
}

// Offsets of CBOR heads whose argument has a shorter encoding (CTAP2 canonical form forbids
// them); a diagnosis for rejections, since our decoder accepts what tiny-cbor refuses.
function nonShortestHeads(bytes) {
	const found = [];
	const walk = (i) => {
		const major = bytes[i] >> 5;
		const info = bytes[i] & 0x1f;
		const width = { 24: 1, 25: 2, 26: 4, 27: 8 }[info] ?? 0;
		if (info > 27)
			throw new Error('indefinite length or reserved');
		let arg = BigInt(info);
		if (width) {
			arg = 0n;
			for (let k = 1; k <= width; k++)
				arg = (arg << 8n) | BigInt(bytes[i + k]);
			const limit = { 1: 24n, 2: 256n, 4: 65536n, 8: 4294967296n }[width];
			// Major 7 with 2/4/8 bytes is a float, where width is not about size.
			if (arg < limit && !(major === 7 && width > 1))
				found.push(`${i}:${hex(bytes.subarray(i, i + 1 + width))}`);
		}
		let next = i + 1 + width;
		if (major === 2 || major === 3)
			return next + Number(arg);
		const items = major === 4 ? Number(arg) : major === 5 ? 2 * Number(arg) : major === 6 ? 1 : 0;
		for (let k = 0; k < items; k++)
			next = walk(next);
		return next;
	};
	try {
		walk(0);
	} catch {
		// A diagnosis only: malformed input is left to the verifiers.
	}
	return found;
}

function encodingHint(c) {
	const parts = [];
	const key = nonShortestHeads(b64u(c.credential.publicKey));
	const obj = nonShortestHeads(b64u(c.registration.response.response.attestationObject));
	if (key.length)
		parts.push(`credential public key (COSE) ${key.join(' ')}`);
	if (obj.length)
		parts.push(`attestationObject ${obj.join(' ')}`);
	return parts.length ? ` [non-shortest CBOR heads (offset:bytes), accepted by our core: ${parts.join('; ')}]` : '';
}

async function checkValidCase(c) {
	const reg = await attempt(() => verifyRegistrationResponse({
		response: c.registration.response,
		expectedChallenge: c.registration.challenge,
		expectedOrigin: c.origin,
		expectedRPID: c.rpID,
		requireUserVerification: c.requireUserVerification,
		supportedAlgorithmIDs: c.supportedAlgorithmIDs,
	}));
	if (reg.error || reg.result.verified !== true)
		return report(false, c.name, `registration rejected by simplewebauthn: ${reg.error ?? 'verified false'}` +
			encodingHint(c));
	const info = reg.result.registrationInfo;
	const regDiffs = compareRegistration(c.credential, info, c.rpID, c.origin);
	if (regDiffs.length)
		return report(false, c.name, `registration record differs: ${regDiffs.join('; ')}`);

	// SimpleWebAuthn's own stored key and our stored counter: its record, our state.
	const authOpts = {
		expectedChallenge: c.authentication.challenge,
		expectedOrigin: c.origin,
		expectedRPID: c.rpID,
		requireUserVerification: c.requireUserVerification,
		credential: {
			id: info.credential.id,
			publicKey: new Uint8Array(info.credential.publicKey),
			counter: c.credential.signCount,
		},
	};
	const auth = await attempt(() => verifyAuthenticationResponse({ ...authOpts,
		response: c.authentication.response }));
	if (auth.error || auth.result.verified !== true)
		return report(false, c.name, `authentication rejected by simplewebauthn: ${auth.error ?? 'verified false'}`);
	const authDiffs = compareAuthentication(c, auth.result.authenticationInfo);
	if (authDiffs.length)
		return report(false, c.name, `authentication result differs: ${authDiffs.join('; ')}`);

	// Control: the signature really is checked, so "verified" above is not vacuous.
	const bad = await attempt(() => verifyAuthenticationResponse({ ...authOpts,
		response: tamperSignature(c.authentication.response) }));
	if (!bad.error && bad.result.verified !== false)
		return report(false, c.name, 'control: simplewebauthn accepted a tampered signature');

	report(true, c.name, `reg fmt ${info.fmt}, alg ${c.alg}, counter ${info.credential.counter} -> ` +
		`${auth.result.authenticationInfo.newCounter}`);
}

// ---- W3C WebAuthn L3 test vectors ----

const W3C_ORIGIN = 'https://example.org';
const W3C_RP_ID = 'example.org';
// Every algorithm in the vectors (and -19/RS384/RS512), so pubKeyCredParams decides no outcome.
const W3C_ALGS = [-7, -8, -35, -36, -37, -257, -258, -259, -19, -53];

// Vectors SimpleWebAuthn 14.0.3 verifies; opts are the extra options each one needs.
const W3C_SUPPORTED = {
	'sctn-test-vectors-none-es256': {},
	'sctn-test-vectors-packed-self-es256': {},
	// crossOrigin:true without topOrigin: SimpleWebAuthn has no crossOrigin option and does not
	// check it (ours refuses it unless allow_cross_origin is set).
	'sctn-test-vectors-none-es256-crossOrigin': {},
	// Registration has no expectedTopOrigin option and ignores topOrigin; authentication refuses
	// a topOrigin unless expectedTopOrigin names it (checked below both ways).
	'sctn-test-vectors-none-es256-topOrigin': { expectedTopOrigin: 'https://example.com' },
	'sctn-test-vectors-none-es256-long-credential-id': {},
	'sctn-test-vectors-packed-es256': {},
	'sctn-test-vectors-packed-es384': {},
	'sctn-test-vectors-packed-es512': {},
	'sctn-test-vectors-packed-rs256': {},
	'sctn-test-vectors-packed-eddsa': {},
	// Chains to the W3C CA, given as the 'apple' root in place of Apple's.
	'sctn-test-vectors-apple-es256': {},
};

// Vectors our core accepts but SimpleWebAuthn 14.0.3 rejects, at the stage given: each must
// still be rejected there, for this reason, or the list is stale and the vector should move.
const W3C_KNOWN_REJECTED = {
	// The TPM vendor id in the AIK certificate's SAN is the generator's, not one it knows.
	'sctn-test-vectors-tpm-es256': { stage: 'registration', reason: /Could not match TPM manufacturer/ },
	// SimpleWebAuthn takes the last x5c certificate as the root (a full path is required); the
	// vector's x5c holds only the leaf, so its path validation throws.
	'sctn-test-vectors-android-key-es256': {
		stage: 'registration',
		reason: /Unexpected error while validating certificate path \(Android Key\)/,
	},
	// The vector carries a non-zero AAGUID, which SimpleWebAuthn requires to be zero for U2F.
	'sctn-test-vectors-fido-u2f-es256': { stage: 'registration', reason: /AAGUID .* was not expected value/ },
	// Ed448 (alg -53, crv 7) is not implemented: with -53 in supportedAlgorithmIDs the packed x5c
	// registration verifies (the credential key is not used), the assertion cannot.
	'sctn-test-vectors-packed-ed448': { stage: 'authentication', reason: /Public key had invalid alg -53 \(OKP\)/ },
};

function w3cRegistrationResponse(r) {
	return {
		id: r.credential_id,
		rawId: r.credential_id,
		type: 'public-key',
		response: { clientDataJSON: r.clientDataJSON, attestationObject: r.attestationObject },
		clientExtensionResults: {},
	};
}

function w3cAuthenticationResponse(id, a) {
	return {
		id,
		rawId: id,
		type: 'public-key',
		response: {
			clientDataJSON: a.clientDataJSON,
			authenticatorData: a.authenticatorData,
			signature: a.signature,
		},
		clientExtensionResults: {},
	};
}

function w3cRegister(v) {
	return attempt(() => verifyRegistrationResponse({
		response: w3cRegistrationResponse(v.registration),
		expectedChallenge: v.registration.challenge,
		expectedOrigin: W3C_ORIGIN,
		expectedRPID: W3C_RP_ID,
		// Several vectors have UV clear; our unit test does not require it either.
		requireUserVerification: false,
		supportedAlgorithmIDs: W3C_ALGS,
	}));
}

// Registration then authentication against SimpleWebAuthn's own record; the stage that failed.
async function runVector(v, opts) {
	const reg = await w3cRegister(v);
	if (reg.error || reg.result.verified !== true)
		return { stage: 'registration', error: reg.error ?? 'verified false' };
	const info = reg.result.registrationInfo;
	if (info.credential.id !== v.registration.credential_id)
		return { stage: 'registration', error: `credential id ${info.credential.id}, vector ${v.registration.credential_id}` };

	const authOpts = {
		response: w3cAuthenticationResponse(info.credential.id, v.authentication),
		expectedChallenge: v.authentication.challenge,
		expectedOrigin: W3C_ORIGIN,
		expectedRPID: W3C_RP_ID,
		requireUserVerification: false,
		credential: {
			id: info.credential.id,
			publicKey: new Uint8Array(info.credential.publicKey),
			counter: info.credential.counter,
		},
	};
	const auth = await attempt(() => verifyAuthenticationResponse({ ...authOpts, ...opts }));
	if (auth.error || auth.result.verified !== true)
		return { stage: 'authentication', error: auth.error ?? 'verified false' };

	// expectedTopOrigin is really needed: without it the topOrigin assertion is refused.
	if (opts.expectedTopOrigin) {
		const bare = await attempt(() => verifyAuthenticationResponse(authOpts));
		if (!bare.error)
			return { stage: 'authentication', error: 'accepted topOrigin without expectedTopOrigin' };
	}
	return { info };
}

async function checkVector(name, v, opts) {
	const r = await runVector(v, opts);
	if (r.error)
		return report(false, `w3c ${name}`, `${r.stage} rejected by simplewebauthn: ${r.error}`);
	report(true, `w3c ${name}`, `reg fmt ${r.info.fmt} + auth verified` +
		(opts.expectedTopOrigin ? ` (expectedTopOrigin ${opts.expectedTopOrigin})` : ''));
}

async function checkKnownRejected(name, v, known) {
	const r = await runVector(v, {});
	if (!r.error)
		return report(false, `w3c ${name}`, 'listed as rejected by simplewebauthn but now verifies: ' +
			'move it to W3C_SUPPORTED');
	if (r.stage !== known.stage || !known.reason.test(r.error))
		return report(false, `w3c ${name}`, `rejected otherwise than listed (${known.stage}, ${known.reason}): ` +
			`${r.stage}: ${r.error}`);
	report(true, `w3c ${name}`, `known ${r.stage} rejection confirmed: ${r.error.split('\n')[0]}`);
}

// ---- run ----

console.log(`crosscheck: @simplewebauthn/server ${installed}, node ${process.version}`);

setRoots(validSet.caCertificatePem);
const cases = validSet.cases ?? [];
if (cases.length === 0)
	setupError(`${process.argv[2]} holds no cases`);
for (const c of cases)
	await checkValidCase(c);
const validPassed = tally.passed;

setRoots(derToPem(Buffer.from(vectors._attestation_ca_cert_der_hex, 'hex')));
const listed = new Set([...Object.keys(W3C_SUPPORTED), ...Object.keys(W3C_KNOWN_REJECTED)]);
for (const name of Object.keys(vectors).filter((k) => !k.startsWith('_'))) {
	// A new vector must be classified here, not skipped without anyone noticing.
	if (!listed.has(name))
		report(false, `w3c ${name}`, 'not classified in crosscheck.mjs (W3C_SUPPORTED or W3C_KNOWN_REJECTED)');
}
for (const [name, opts] of Object.entries(W3C_SUPPORTED)) {
	if (!vectors[name])
		report(false, `w3c ${name}`, 'missing from the vectors file');
	else
		await checkVector(name, vectors[name], opts);
}
for (const [name, known] of Object.entries(W3C_KNOWN_REJECTED)) {
	if (!vectors[name])
		report(false, `w3c ${name}`, 'missing from the vectors file');
	else
		await checkKnownRejected(name, vectors[name], known);
}

console.log(`crosscheck: valid set ${validPassed}/${cases.length} agree; W3C vectors ` +
	`${tally.passed - validPassed} checks passed (${Object.keys(W3C_SUPPORTED).length} verified, ` +
	`${Object.keys(W3C_KNOWN_REJECTED).length} known rejections); ${tally.failures} disagreement(s)`);
process.exit(tally.failures ? 1 : 0);
