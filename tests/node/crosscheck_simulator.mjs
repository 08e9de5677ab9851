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

import { webcrypto } from 'node:crypto';
import {
	attempt, compareRegistration, differ, readJson, report, setup, setupError, tally, tamperSignature,
} from './common.mjs';

// @peculiar/x509, SimpleWebAuthn's own certificate library, is used only to make the impostor anchors.
const { swa, extra: [x509], installed } = await setup('crosscheck_simulator', ['SIMULATOR_SET.json'],
	['@peculiar/x509']);
const { verifyRegistrationResponse, verifyAuthenticationResponse, SettingsService } = swa;

const set = readJson(process.argv[2]);
const cases = set.cases ?? [];
if (cases.length === 0 || !set.rootCaPem || !set.intermediatePem)
	setupError(`${process.argv[2]} holds no cases or lacks rootCaPem/intermediatePem`);

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
	const regDiffs = compareRegistration(c.credential, info, set.rpID, set.origin);
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
console.log(`crosscheck_simulator: ${tally.passed}/${cases.length} simulator cases agree ` +
	`(registration + ${cases[0].authentications.length} authentications each); ${tally.failures} disagreement(s)`);
process.exit(tally.failures ? 1 : 0);
