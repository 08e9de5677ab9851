// Device registration and the device-only FIDO login in a real browser: headless Chromium with CDP
// virtual authenticators on kagura-rp serve's own pages, whose scripts call
// navigator.credentials.create / get and post Keycloak's fields.
//
//   [CA QR]  the phone opens a CA-issued registration QR, confirms its 本人ID, answers the label
//            prompt: 処理が終了しました, the credential stored with that label; then it logs in;
//            manual 2.6 when user verification fails or the authenticator has none; 2.2 in a
//            browser without WebAuthn.
//   [PC]     the PC (a browser context of its own) takes a card-login session and shows the QR
//            page; the phone (another context) registers from the QR, Cancel on the label prompt
//            (the default label); the PC page's own polling script then goes to the result:
//            処理が終了しました.
//   [2.3]    an authenticator without user verification: the page posts NotAllowedError, manual
//            2.3, nothing stored.
//   [conformance API]  the FIDO conformance API with the browser's own toJSON output; the
//            credential logs in on the pages.
// The cases run side by side (each device is a context of its own, each case its own users), so
// the PC's wait for its first poll (3 s) costs nothing; each case's lines are printed together.
//
// usage: node login.mjs KAGURA_RP CHROMIUM
// Exit status: 0 all passed; 1 a check failed; 2 the setup is broken.

import { tally } from './check.mjs';
import { launchChromium } from './chromium.mjs';
import { describe, hasClass, nextPost, shown } from './pages.mjs';
import { startPlatform } from './platform.mjs';
import { registerOnPages, viaConformanceApi } from './register.mjs';
import { setup } from './setup.mjs';

// The v2.16 texts, written out here so a changed bundle or page fails the test.
const DONE = '処理が終了しました';
const FAILED_2_6 = 'セキュリティーキーによる認証に失敗しました。';
const FAILED_2_3 = 'セキュリティーキーの登録結果が無効です。';
const UNSUPPORTED_2_2 = 'WebAuthn is not Supported by this browser.';
// Keycloak 24's label prompt (no manual entry prints it; fixtures/pages/README.md).
const LABEL_PROMPT = "Please input your registered passkey's label";
const LABEL_DEFAULT = 'Passkey (Default Label)';
const NOT_ALLOWED = /^NotAllowedError: ./;
const PC_WAIT_MS = 15000; // the QR page polls every 3 s
const WATCHDOG_MS = 90000; // under ctest's TIMEOUT, so the server is stopped by us, not orphaned

const { chromium, version, args: [rpPath, chromiumPath] } = setup('login', ['KAGURA_RP', 'CHROMIUM']);
const t = tally();
const t0 = performance.now();
const ms = (since) => `${Math.round(performance.now() - since)} ms`;
let platform, browser;

async function cleanup() {
	await browser?.close();
	await platform?.kill();
}

// ---- the CA's side, over test control ----

async function newUser(c, name) {
	const user = { name, displayName: 'Dr. Browser' };
	c.equal(`test control creates user ${name}`, (await platform.control('users', user)).status, 200);
	return user;
}

// The URL a CA-issued registration QR encodes.
async function issueQr(c, user) {
	const { status, body } = await platform.control('registration-qr', { name: user.name });
	c.check('the CA issues a registration QR on the origin',
		status === 200 && body?.url?.startsWith(`${platform.origin}/registration?qr=`), `HTTP ${status}, ${JSON.stringify(body)}`);
	return body?.url ?? `${platform.origin}/registration?qr=none`;
}

// The user's devices as the platform lists them.
async function stored(user) {
	const { status, body } = await platform.control('users/credentials', { name: user.name });
	return status === 200 && Array.isArray(body?.credentials) ? body.credentials : [];
}

// ---- registration ----

// The phone registers from the QR's URL; the time it took is noted.
async function register(c, device, url, options) {
	const t1 = performance.now();
	const reg = await registerOnPages(device.page, url, options);
	c.note(`registration on the pages: ${ms(t1)}, posted error ${JSON.stringify(reg.fields.get('error'))}`);
	return reg;
}

// A registration on the pages that ended in 処理が終了しました, with the label prompt answered
// (label) or cancelled (undefined: the default label). Returns the new credential's id.
async function expectRegistered(c, name, reg, device, user, label) {
	c.equal(`${name}: the 本人ID form shows the QR's user`, reg.prefilled, user.name);
	const [prompt, ...more] = reg.dialogs;
	c.check(`${name}: the page asks the label: prompt "${LABEL_PROMPT}", default "${LABEL_DEFAULT}"`,
		prompt?.type === 'prompt' && prompt.message === LABEL_PROMPT && prompt.defaultValue === LABEL_DEFAULT &&
		more.length === 0, JSON.stringify(reg.dialogs));
	c.equal(`${name}: HTTP status`, reg.status, 200);
	c.check(`${name}: #kc-content.done shows ${DONE}`, hasClass(reg, 'done') && reg.content.includes(DONE), describe(reg));
	c.equal(`${name}: the page posted no error`, reg.fields.get('error'), '');
	const id = reg.fields.get('publicKeyCredentialId') ?? '';
	const held = await device.authenticator.credentialIds();
	c.check(`${name}: the page posted the credential the authenticator made`, held.length === 1 && held[0] === id,
		`posted ${JSON.stringify(id)}, the authenticator holds ${JSON.stringify(held)}`);
	const creds = await stored(user);
	const want = label ?? LABEL_DEFAULT;
	c.check(`${name}: test control lists it with label "${want}"`,
		creds.length === 1 && creds[0].id === id && creds[0].label === want, JSON.stringify(creds));
	return id;
}

// ---- login ----

// Username page → WebAuthn page (its script runs get() against the tab's authenticator) → result.
// Resolves what the page posted and what the result page shows.
async function login(c, page, username) {
	const t1 = performance.now();
	await page.context().clearCookies(); // each login in a fresh platform session
	await page.goto(`${platform.origin}/login`);
	await page.fill('#kc-form-login input[name=username]', username);
	const answered = nextPost(page, '/login-actions/webauthn');
	await page.click('#kc-form-login [type=submit]');
	const response = await answered;
	const seen = await shown(page, '/login-actions/webauthn');
	const fields = new URLSearchParams(response.request().postData() ?? '');
	c.note(`login as ${username}: ${ms(t1)}, posted error ${JSON.stringify(fields.get('error'))}`);
	return { status: response.status(), fields, ...seen };
}

function expectLoggedIn(c, name, seen, credentialId) {
	c.equal(`${name}: HTTP status`, seen.status, 200);
	c.check(`${name}: #kc-content.logged-in shows ${DONE}`, hasClass(seen, 'logged-in') && seen.content.includes(DONE),
		describe(seen));
	c.equal(`${name}: the page posted no error`, seen.fields.get('error'), '');
	c.equal(`${name}: the page posted the registered credential`, seen.fields.get('credentialId'), credentialId);
}

// An error page with exactly `text` as its feedback. postedError: the exact `error` field, or a
// RegExp it must match; result: the field that carries the ceremony's result, which must be empty.
function expectError(c, name, seen, text, postedError, result) {
	c.check(`${name}: .alert-error #kc-feedback-text is "${text}"`, !hasClass(seen, 'logged-in') &&
		!hasClass(seen, 'done') && seen.feedback.length === 1 && seen.feedback[0] === text, describe(seen));
	const error = seen.fields.get('error');
	c.check(`${name}: the page posted error ${postedError}`,
		postedError instanceof RegExp ? postedError.test(error ?? '') : error === postedError,
		`posted ${JSON.stringify(error)}`);
	c.equal(`${name}: the page posted no ${result}`, seen.fields.get(result) ?? '', '');
}

// ---- the cases; each opens its own devices and closes them ----

// [CA QR] registration on the pages, then every login case on that credential.
async function caQr(c, devices) {
	const label = 'Chromium の仮想認証器';
	const user = await newUser(c, '900000001');
	const url = await issueQr(c, user);
	// The phone; a security key without user verification; a browser without WebAuthn.
	const [phone, key, old] = (await Promise.all([browser.openDevice(),
		browser.openDevice({ transport: 'usb', hasUserVerification: false, isUserVerified: false }),
		browser.openDevice(null)])).map(devices);
	await old.page.addInitScript(() => { delete window.PublicKeyCredential; });
	const id = await expectRegistered(c, 'registration', await register(c, phone, url, { label }), phone, user, label);

	let seen = await login(c, phone.page, user.name);
	expectLoggedIn(c, 'login', seen, id);

	// 2.6: the fingerprint is not recognised (isUserVerified false): Chromium's NotAllowedError.
	await phone.authenticator.setUserVerified(false);
	seen = await login(c, phone.page, user.name);
	expectError(c, 'user verification fails', seen, FAILED_2_6, NOT_ALLOWED, 'signature');
	await phone.authenticator.setUserVerified(true);
	seen = await login(c, phone.page, user.name);
	expectLoggedIn(c, 'login once verification succeeds again', seen, id);

	// 2.6: the security key without user verification holding the same credential, so the
	// refusal comes from the missing UV, not from an unknown credential.
	for (const cred of await phone.authenticator.credentials())
		await key.authenticator.addCredential(cred);
	const held = await key.authenticator.credentialIds();
	c.check('the key without UV holds the registered credential', held.includes(id), held.join(', '));
	seen = await login(c, key.page, user.name);
	expectError(c, 'authenticator without user verification', seen, FAILED_2_6, NOT_ALLOWED, 'signature');

	// 2.2: no WebAuthn in this browser; the page posts the unsupported-browser text.
	seen = await login(c, old.page, user.name);
	expectError(c, 'browser without WebAuthn', seen, UNSUPPORTED_2_2, UNSUPPORTED_2_2, 'signature');
}

// [2.3] create() refused by an authenticator that cannot verify the user.
async function registrationRefused(c, devices) {
	const user = await newUser(c, '900000002');
	const url = await issueQr(c, user);
	const key = devices(await browser.openDevice({ transport: 'usb', hasUserVerification: false, isUserVerified: false }));
	const reg = await register(c, key, url, { label: 'never asked' });
	const name = 'authenticator without user verification';
	c.equal(`${name}: HTTP status`, reg.status, 400);
	expectError(c, name, reg, FAILED_2_3, NOT_ALLOWED, 'attestationObject');
	c.equal(`${name}: no label prompt`, reg.dialogs.length, 0);
	c.equal(`${name}: test control lists no credential`, (await stored(user)).length, 0);
}

// [conformance API] registration through /attestation/*, then a login on the pages.
async function conformanceApi(c, devices) {
	const user = await newUser(c, '900000003');
	const phone = devices(await browser.openDevice());
	const t1 = performance.now();
	const reg = await viaConformanceApi(phone.page, platform.origin, user);
	c.note(`registration through the conformance API: ${ms(t1)}`);
	if (c.check('Chromium registers a credential', reg.ok, reg.why))
		expectLoggedIn(c, 'login', await login(c, phone.page, user.name), reg.credentialId);
}

// [PC] the card-login PC shows the QR, the phone registers from it (Cancel on the label prompt:
// the default label), the PC's page follows.
async function pcRegistration(c, devices) {
	const user = await newUser(c, '900000004');
	const pc = devices(await browser.openDevice(null));

	// The card login's session, taken from inside a page of the origin so its cookies land in
	// the PC's browser.
	await pc.page.goto(`${platform.origin}/login`);
	const card = await pc.page.evaluate(async (name) => {
		const r = await fetch('/test-control/card-session', {
			method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ name }),
		});
		return { status: r.status, body: await r.json().catch(() => null) };
	}, user.name);
	c.check('card session from the PC\'s page', card.status === 200 && card.body?.next === '/device-registration',
		JSON.stringify(card));

	// The page's script polls; the bodies are gone once it navigates, so only when and the status.
	// navigation: the response of the document the tab shows last (after any redirect).
	const polls = [];
	let navigation;
	pc.page.on('response', (r) => {
		if (new URL(r.url()).pathname === '/device-registration/status')
			polls.push({ at: performance.now(), status: r.status() });
		if (r.request().isNavigationRequest() && r.frame() === pc.page.mainFrame())
			navigation = r;
	});
	const qrPage = await pc.page.goto(`${platform.origin}/device-registration`);
	const loadedAt = performance.now();
	const qr = await pc.page.evaluate(() => {
		const e = document.getElementById('kagura-qr');
		return e && { qrUrl: e.dataset.qrUrl, pollUrl: e.dataset.pollUrl, nextUrl: e.dataset.nextUrl,
			svg: e.querySelector('svg') !== null };
	}) ?? {};
	if (!c.check(`the QR page (HTTP 200) shows #kagura-qr, an SVG QR of ${platform.origin}/registration?qr=…`,
		qrPage?.status() === 200 && qr.svg && qr.qrUrl?.startsWith(`${platform.origin}/registration?qr=`) &&
		Boolean(qr.pollUrl) && Boolean(qr.nextUrl), `HTTP ${qrPage?.status()}, ${JSON.stringify(qr)}`))
		return;
	// The next document the tab commits to; set before the phone starts, so a fast poll cannot
	// be missed (the time limit runs from the phone's registration, below).
	const left = pc.page.waitForEvent('framenavigated', { predicate: (f) => f === pc.page.mainFrame(), timeout: 0 })
		.then(() => ({ at: performance.now() }), (err) => ({ err }));

	const phone = devices(await browser.openDevice());
	const reg = await register(c, phone, qr.qrUrl);
	await expectRegistered(c, 'phone', reg, phone, user, undefined);

	const since = reg.sentAt ?? loadedAt;
	let timer;
	const { at, err } = await Promise.race([left, new Promise((resolve) => {
		timer = setTimeout(() => resolve({ err: new Error('still on the QR page') }),
			PC_WAIT_MS - (performance.now() - since));
	})]);
	clearTimeout(timer);
	if (!c.check(`the PC's page moves on by itself within ${PC_WAIT_MS} ms of the phone's registration`,
		at !== undefined && at - since <= PC_WAIT_MS, err?.message ?? `after ${Math.round(at - since)} ms`))
		return;
	c.note(`the PC's page left ${Math.round(at - loadedAt)} ms after it loaded, ` +
		`${Math.round(at - reg.sentAt)} ms after the phone posted its registration`);
	c.check('... only after the phone posted its registration', reg.sentAt !== undefined && at > reg.sentAt);
	c.check(`the page's script polled ${qr.pollUrl} (HTTP 200) before it left`,
		polls.length > 0 && polls.every((p) => p.status === 200 && p.at < at),
		JSON.stringify(polls.map((p) => ({ ms: Math.round(p.at - loadedAt), status: p.status }))));
	const seen = { ...await shown(pc.page), status: navigation?.status() };
	c.check(`PC result: ${qr.nextUrl}, HTTP 200`, seen.status === 200 && seen.path === qr.nextUrl,
		`${seen.path}, HTTP ${seen.status}`);
	c.check(`PC result: #kc-content.done shows ${DONE}`, hasClass(seen, 'done') && seen.content.includes(DONE),
		describe(seen));
}

// Runs a case in its own report group; its devices are closed whatever happens.
async function run(tag, body) {
	const c = t.group(tag);
	const opened = [];
	const t1 = performance.now();
	try {
		await body(c, (device) => { opened.push(device); return device; });
	} catch (err) {
		c.check('ran to the end', false, err.stack ?? String(err));
	} finally {
		await Promise.all(opened.map((d) => d.close()));
		c.note(`the case took ${ms(t1)}`);
	}
}

const watchdog = setTimeout(() => {
	t.flush();
	t.check(`the browser test finishes within ${WATCHDOG_MS} ms`, false);
	cleanup().finally(() => process.exit(1));
}, WATCHDOG_MS);

try {
	let t1 = performance.now();
	platform = await startPlatform(rpPath);
	t.note(`kagura-rp started in ${ms(t1)}`);
	t.check(`kagura-rp serves origin ${platform.origin}, RP ID ${platform.rpId}`,
		/^http:\/\/localhost:\d+$/.test(platform.origin) && platform.rpId === 'localhost');
	t1 = performance.now();
	browser = await launchChromium(chromium, chromiumPath);
	t.note(`Chromium ${browser.browser.version()}, playwright-core ${version}, launched in ${ms(t1)}`);
	await Promise.all([
		run('[CA QR]', caQr),
		run('[PC]', pcRegistration),
		run('[2.3]', registrationRefused),
		run('[conformance API]', conformanceApi),
	]);
} catch (err) {
	t.check('the browser test ran to the end', false, err.stack ?? String(err));
} finally {
	t.flush();
	await browser?.close();
	browser = undefined;
	if (platform) {
		const { code, signal } = await platform.stop();
		t.check('kagura-rp stops cleanly on SIGTERM', code === 0, `exit ${signal ?? code}`);
		if (t.failures > 0)
			t.note(`kagura-rp log:\n${platform.log().replace(/^/gm, '     ')}`);
		platform = undefined;
	}
	clearTimeout(watchdog);
}
console.log(`${t.failures} failure(s), ${ms(t0)}`);
process.exitCode = t.failures === 0 ? 0 : 1;
