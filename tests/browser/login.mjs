// The device-only FIDO login in a real browser: headless Chromium with a CDP virtual
// authenticator on kagura-rp serve's own pages, whose script calls navigator.credentials.get and
// posts Keycloak's fields. For every way of registering (register.mjs): logged in; manual 2.6 when
// user verification fails or the authenticator has none; 2.2 in a browser without WebAuthn.
//
// usage: node login.mjs KAGURA_RP CHROMIUM
// Exit status: 0 all passed; 1 a check failed; 2 the setup is broken.

import { tally } from './check.mjs';
import { launchChromium } from './chromium.mjs';
import { startPlatform } from './platform.mjs';
import { REGISTRATIONS } from './register.mjs';
import { setup } from './setup.mjs';

// The v2.16 texts, written out here so a changed bundle or page fails the test.
const DONE = '処理が終了しました';
const FAILED_2_6 = 'セキュリティーキーによる認証に失敗しました。';
const UNSUPPORTED_2_2 = 'WebAuthn is not Supported by this browser.';
const WATCHDOG_MS = 90000; // under ctest's TIMEOUT, so the server is stopped by us, not orphaned

const { chromium, version, args: [rpPath, chromiumPath] } = setup('login', ['KAGURA_RP', 'CHROMIUM']);
const t = tally();
const t0 = performance.now();
const ms = (since) => `${Math.round(performance.now() - since)} ms`;
const note = (line) => console.log(`#    ${line}`);
let platform, browser;

async function cleanup() {
	await browser?.close();
	await platform?.kill();
}

// Username page → WebAuthn page (its script runs get() against the tab's authenticator) → result.
// Resolves what the page posted and what the result page shows.
async function login(page, username) {
	const t1 = performance.now();
	await page.context().clearCookies(); // each login in a fresh platform session
	await page.goto(`${platform.origin}/login`);
	await page.fill('#kc-form-login input[name=username]', username);
	const answered = page.waitForResponse((r) =>
		r.request().method() === 'POST' && new URL(r.url()).pathname === '/login-actions/webauthn');
	await page.click('#kc-form-login [type=submit]');
	const response = await answered;
	await page.waitForURL((u) => u.pathname === '/login-actions/webauthn', { waitUntil: 'domcontentloaded' });
	const shown = await page.evaluate(() => ({
		kind: document.getElementById('kc-content')?.className ?? null,
		content: document.getElementById('kc-content')?.textContent ?? '',
		feedback: [...document.querySelectorAll('.alert-error #kc-feedback-text')].map((e) => e.textContent),
		text: document.body.innerText,
	}));
	const fields = new URLSearchParams(response.request().postData() ?? '');
	note(`login as ${username}: ${ms(t1)}, posted error ${JSON.stringify(fields.get('error'))}`);
	return { status: response.status(), fields, ...shown };
}

const loggedIn = (seen) => (seen.kind ?? '').split(/\s+/).includes('logged-in');
const describe = (seen) => `HTTP ${seen.status}, #kc-content class ${JSON.stringify(seen.kind)}, page:\n` +
	seen.text.replace(/^/gm, '     ');

function expectLoggedIn(name, seen, credentialId) {
	t.equal(`${name}: HTTP status`, seen.status, 200);
	t.check(`${name}: #kc-content.logged-in shows ${DONE}`, loggedIn(seen) && seen.content.includes(DONE),
		describe(seen));
	t.equal(`${name}: the page posted no error`, seen.fields.get('error'), '');
	t.equal(`${name}: the page posted the registered credential`, seen.fields.get('credentialId'), credentialId);
}

// postedError: the exact `error` field, or a RegExp it must match.
function expectError(name, seen, text, postedError) {
	t.check(`${name}: .alert-error #kc-feedback-text is "${text}"`,
		!loggedIn(seen) && seen.feedback.length === 1 && seen.feedback[0] === text, describe(seen));
	const error = seen.fields.get('error');
	t.check(`${name}: the page posted error ${postedError}`,
		postedError instanceof RegExp ? postedError.test(error ?? '') : error === postedError,
		`posted ${JSON.stringify(error)}`);
	t.equal(`${name}: the page posted no assertion`, seen.fields.get('signature') ?? '', '');
}

// Every login case on a credential that Chromium registered with `registration`.
async function loginCases(registration, n) {
	const user = { name: `90000000${n}`, displayName: 'Dr. Browser' };
	const tag = `[${registration.name}]`;
	const t1 = performance.now();

	t.equal(`${tag} test control creates the user`, (await platform.control('users', user)).status, 200);
	const phone = await browser.openDevice();
	const reg = await registration.register(phone.page, platform, user);
	note(`registration (${registration.name}): ${ms(t1)}`);
	if (!t.check(`${tag} Chromium registers a credential`, reg.ok, reg.why))
		return;

	let seen = await login(phone.page, user.name);
	expectLoggedIn(`${tag} login`, seen, reg.credentialId);

	// 2.6: the fingerprint is not recognised (isUserVerified false): Chromium's NotAllowedError.
	await phone.authenticator.setUserVerified(false);
	seen = await login(phone.page, user.name);
	expectError(`${tag} user verification fails`, seen, FAILED_2_6, /^NotAllowedError: ./);
	await phone.authenticator.setUserVerified(true);
	seen = await login(phone.page, user.name);
	expectLoggedIn(`${tag} login once verification succeeds again`, seen, reg.credentialId);

	// 2.6: a security key without user verification holding the same credential, so the
	// refusal comes from the missing UV, not from an unknown credential.
	const key = await browser.openDevice({ transport: 'usb', hasUserVerification: false, isUserVerified: false });
	for (const c of await phone.authenticator.credentials())
		await key.authenticator.addCredential(c);
	const held = (await key.authenticator.credentials())
		.map((c) => Buffer.from(c.credentialId, 'base64').toString('base64url'));
	t.check(`${tag} the key without UV holds the registered credential`, held.includes(reg.credentialId),
		held.join(', '));
	seen = await login(key.page, user.name);
	expectError(`${tag} authenticator without user verification`, seen, FAILED_2_6,
		/^NotAllowedError: ./);

	// 2.2: no WebAuthn in this browser; the page posts the unsupported-browser text.
	const old = await browser.openDevice(null);
	await old.page.addInitScript(() => { delete window.PublicKeyCredential; });
	seen = await login(old.page, user.name);
	expectError(`${tag} browser without WebAuthn`, seen, UNSUPPORTED_2_2, UNSUPPORTED_2_2);

	for (const d of [phone, key, old])
		await d.page.close();
}

const watchdog = setTimeout(() => {
	t.check(`the browser test finishes within ${WATCHDOG_MS} ms`, false);
	cleanup().finally(() => process.exit(1));
}, WATCHDOG_MS);

try {
	let t1 = performance.now();
	platform = await startPlatform(rpPath);
	note(`kagura-rp started in ${ms(t1)}`);
	t.check(`kagura-rp serves origin ${platform.origin}, RP ID ${platform.rpId}`,
		/^http:\/\/localhost:\d+$/.test(platform.origin) && platform.rpId === 'localhost');
	t1 = performance.now();
	browser = await launchChromium(chromium, chromiumPath);
	note(`Chromium ${browser.context.browser()?.version() ?? '?'}, playwright-core ${version}, launched in ${ms(t1)}`);
	for (const [n, registration] of REGISTRATIONS.entries())
		await loginCases(registration, n);
} catch (err) {
	t.check('the browser test ran to the end', false, err.stack ?? String(err));
} finally {
	await browser?.close();
	browser = undefined;
	if (platform) {
		const { code, signal } = await platform.stop();
		t.check('kagura-rp stops cleanly on SIGTERM', code === 0, `exit ${signal ?? code}`);
		if (t.failures > 0)
			note(`kagura-rp log:\n${platform.log().replace(/^/gm, '     ')}`);
		platform = undefined;
	}
	clearTimeout(watchdog);
}
console.log(`${t.failures} failure(s), ${ms(t0)}`);
process.exitCode = t.failures === 0 ? 0 : 1;
