// Passkeys carried between headless Chromium and the simulated phone (kagura-authn device
// import / export), each used to log in on the pages kagura-rp serve itself serves:
//
//   [Chromium → phone]   Chromium registers on the platform's registration page (a CA QR) and
//                        logs in once; WebAuthn.getCredentials' JSON, imported into a new device
//                        file, logs in with kagura-authn login, its counter one past Chromium's;
//                        the same JSON in another device file (its counter behind) is refused.
//   [phone → Chromium]   kagura-authn registers and logs in; device export --format cdp, each
//                        credential WebAuthn.addCredential'ed into a fresh virtual authenticator,
//                        logs in in Chromium; the phone, now behind, is refused.
//   [Playwright]         the same both ways in Playwright's own shape (BrowserContext.credentials,
//                        its in-page authenticator): export --format playwright seeded with
//                        credentials.create, and a passkey Playwright registered, read with
//                        credentials.get, imported with --format playwright.
//
// usage: node passkeys.mjs KAGURA_RP KAGURA_AUTHN CHROMIUM
// Exit status: 0 all passed; 1 a check failed; 2 the setup is broken.

import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';

import { tally } from './check.mjs';
import * as control from './harness.mjs';
import { runBrowserTest } from './harness.mjs';
import { describe, hasClass, loginOnPages } from './pages.mjs';
import { registerOnPages } from './register.mjs';
import { setup } from './setup.mjs';

// The v2.16 texts, written out here so a changed bundle or page fails the test.
const DONE = '処理が終了しました';
const FAILED_2_6 = 'セキュリティーキーによる認証に失敗しました。';
// A phone whose passkeys Chromium's virtual authenticator can hold: per-credential counter, not
// backup eligible (Chromium's default), Chromium's engine.
const PERSONA = 'android-chrome-old';
const AUTHN_TIMEOUT_MS = 20000;

const { chromium, version, args: [rpPath, authnPath, chromiumPath] } =
	setup('passkeys', ['KAGURA_RP', 'KAGURA_AUTHN', 'CHROMIUM']);
const t = tally();
const work = mkdtempSync(join(tmpdir(), 'kagura-passkeys-'));
let platform, browser;

// ---- the simulated phone ----

// Runs kagura-authn in the work folder; resolves { code, stdout, stderr }.
function authn(args, { input } = {}) {
	return new Promise((resolve) => {
		const child = execFile(authnPath, args, { cwd: work, timeout: AUTHN_TIMEOUT_MS, encoding: 'utf8' },
			(err, stdout, stderr) => resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr }));
		// a command that reads no input may exit before it is written: that is no failure
		child.stdin.on('error', () => {});
		child.stdin.end(input ?? '');
	});
}

const explain = (r) => `exit ${r.code}\n${`${r.stdout}${r.stderr}`.replace(/^/gm, '     ')}`;

async function newDevice(c, file) {
	const r = await authn(['device', 'new', '--persona', PERSONA, file]);
	c.equal(`device new ${file}`, r.code, 0);
}

// kagura-authn login on the platform's pages (loopback, the browser on the platform's origin).
function phoneLogin(file, user) {
	return authn(['login', '--device', file, '--url', `${platform.controlBase}/login`, '--username', user.name,
		'--origin', platform.origin]);
}

function expectPhoneLoggedIn(c, name, r) {
	c.check(`${name}: kagura-authn login exits 0 on ${DONE}`, r.code === 0 && r.stdout.includes(DONE), explain(r));
}

function expectPhoneRefused(c, name, r) {
	c.check(`${name}: kagura-authn login exits 1 on "${FAILED_2_6}"`, r.code === 1 && r.stdout.includes(FAILED_2_6),
		explain(r));
}

// ---- the platform, over test control ----

const newUser = (c, name) => control.newUser(c, platform, name, 'Dr. Passkey');
const issueQr = (c, user) => control.issueQr(c, platform, user);

// The one credential the platform holds for the user: { id, signCount, ... } or undefined.
async function stored(user) {
	const creds = await control.credentialsOf(platform, user);
	return creds.length === 1 ? creds[0] : undefined;
}

async function expectStoredCount(c, name, user, want) {
	const cred = await stored(user);
	c.check(`${name}: the platform's stored signCount is ${want}`, cred?.signCount === want, JSON.stringify(cred));
}

// ---- Chromium ----

// The login on the pages in a Chromium tab.
const browserLogin = (page, user) => loginOnPages(page, platform.origin, user.name);

function expectBrowserLoggedIn(c, name, seen, credentialId) {
	c.check(`${name}: #kc-content.logged-in shows ${DONE}`,
		seen.status === 200 && hasClass(seen, 'logged-in') && seen.content.includes(DONE), describe(seen));
	c.equal(`${name}: the page posted the credential`, seen.fields.get('credentialId'), credentialId);
}

// Registration on the pages from a CA QR in a Chromium tab; the new credential's id (base64url).
async function browserRegister(c, name, page, user) {
	const reg = await registerOnPages(page, await issueQr(c, user), { label: 'imported passkey' });
	c.check(`${name}: #kc-content.done shows ${DONE}`,
		reg.status === 200 && hasClass(reg, 'done') && reg.content.includes(DONE), describe(reg));
	return reg.fields.get('publicKeyCredentialId') ?? '';
}

// kagura-authn registers a new device file from a CA QR; the credential's id as the platform has it.
async function phoneRegister(c, file, user) {
	await newDevice(c, file);
	const r = await authn(['register', '--device', file, '--url', await issueQr(c, user), '--base', platform.controlBase,
		'--label', 'exported passkey']);
	c.check(`kagura-authn register exits 0 on ${DONE}`, r.code === 0 && r.stdout.includes(DONE), explain(r));
	return (await stored(user))?.id ?? '';
}

async function exportDevice(c, file, format) {
	const r = await authn(['device', 'export', '--format', format, file]);
	c.equal(`device export --format ${format} ${file}`, r.code, 0);
	try {
		return JSON.parse(r.stdout);
	} catch {
		c.check(`device export prints JSON`, false, explain(r));
		return [];
	}
}

async function importDevice(c, file, format, credentials) {
	const json = join(work, `${file}.${format}.json`);
	writeFileSync(json, JSON.stringify(credentials));
	await newDevice(c, file);
	const r = await authn(['device', 'import', '--format', format, '--from', json, file]);
	c.check(`device import --format ${format} into ${file}`, r.code === 0 &&
		r.stdout.includes(`imported ${credentials.length} credential`), explain(r));
}

// ---- the cases ----

const STD_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

async function chromiumToPhone(c, devices) {
	const user = await newUser(c, '900000021');
	const tab = devices(await browser.openDevice());
	const id = await browserRegister(c, 'Chromium registers', tab.page, user);
	expectBrowserLoggedIn(c, 'Chromium logs in', await browserLogin(tab.page, user), id);
	await expectStoredCount(c, 'after Chromium\'s registration and login', user, 2);

	const creds = await tab.authenticator.credentials();
	const [cred] = creds;
	c.check('WebAuthn.getCredentials: one credential, standard base64 ids, signCount 2',
		creds.length === 1 && STD_BASE64.test(cred.credentialId) && STD_BASE64.test(cred.privateKey) &&
		Buffer.from(cred.credentialId, 'base64').toString('base64url') === id && cred.signCount === 2,
		JSON.stringify(creds.map((x) => ({ ...x, privateKey: `${x.privateKey.length} chars` }))));

	await importDevice(c, 'from-chromium.json', 'cdp', creds);
	const back = await exportDevice(c, 'from-chromium.json', 'cdp');
	c.check('device export --format cdp gives back what Chromium gave, member for member',
		isDeepStrictEqual(back, creds), JSON.stringify(back));
	expectPhoneLoggedIn(c, 'the imported passkey', await phoneLogin('from-chromium.json', user));
	await expectStoredCount(c, 'the counter continues from Chromium\'s', user, 3);

	// The same JSON again, in another device file: its next counter (3) is not past the platform's.
	await importDevice(c, 'stale.json', 'cdp', creds);
	expectPhoneRefused(c, 'a copy whose counter went back', await phoneLogin('stale.json', user));
	await expectStoredCount(c, 'the refused copy', user, 3);
}

async function phoneToChromium(c, devices) {
	const user = await newUser(c, '900000022');
	const id = await phoneRegister(c, 'to-chromium.json', user);
	expectPhoneLoggedIn(c, 'the phone logs in', await phoneLogin('to-chromium.json', user));
	await expectStoredCount(c, 'after the phone\'s registration and login', user, 2);

	const creds = await exportDevice(c, 'to-chromium.json', 'cdp');
	const tab = devices(await browser.openDevice());
	for (const cred of creds)
		await tab.authenticator.addCredential(cred);
	const held = await tab.authenticator.credentials();
	c.check('WebAuthn.addCredential takes each; getCredentials answers them member for member',
		isDeepStrictEqual(held, creds), JSON.stringify(held.map((x) => ({ ...x, privateKey: `${x.privateKey.length} chars` }))));
	expectBrowserLoggedIn(c, 'Chromium logs in with the phone\'s passkey', await browserLogin(tab.page, user), id);
	await expectStoredCount(c, 'the counter continues from the phone\'s', user, 3);
	expectPhoneRefused(c, 'the phone, its counter now behind', await phoneLogin('to-chromium.json', user));
}

// Playwright's BrowserContext.credentials: its own authenticator inside the page, in Chromium.
async function playwrightShape(c, devices) {
	// The phone's passkey seeded into Playwright.
	const user = await newUser(c, '900000023');
	const id = await phoneRegister(c, 'to-playwright.json', user);
	const creds = await exportDevice(c, 'to-playwright.json', 'playwright');
	const seeded = devices(await browser.openDevice(null));
	for (const cred of creds)
		await seeded.context.credentials.create(cred.rpId, cred);
	await seeded.context.credentials.install();
	expectBrowserLoggedIn(c, 'Playwright logs in with the phone\'s passkey', await browserLogin(seeded.page, user), id);
	await expectStoredCount(c, 'the counter continues from the phone\'s (Playwright)', user, 2);

	// A passkey Playwright registered, into a device file.
	const other = await newUser(c, '900000024');
	const tab = devices(await browser.openDevice(null));
	await tab.context.credentials.install();
	const made = await browserRegister(c, 'Playwright registers', tab.page, other);
	const got = await tab.context.credentials.get();
	c.check('credentials.get(): the registered passkey', got.length === 1 && got[0].id === made, JSON.stringify(got.map(
		(x) => ({ ...x, privateKey: `${x.privateKey.length} chars` }))));
	await importDevice(c, 'from-playwright.json', 'playwright', got);
	expectPhoneLoggedIn(c, 'the passkey Playwright made', await phoneLogin('from-playwright.json', other));
	await expectStoredCount(c, 'the counter after Playwright\'s 0', other, 1);
}

await runBrowserTest(t, {
	rpPath, chromium, chromiumPath, version,
	started(p) {
		platform = p;
	},
	launched(b) {
		browser = b;
	},
	finish() {
		rmSync(work, { recursive: true, force: true });
	},
	cases: [
		['[Chromium → phone]', chromiumToPhone],
		['[phone → Chromium]', phoneToChromium],
		['[Playwright]', playwrightShape],
	],
});
