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
//   [conformance API]  the FIDO conformance API (kagura-rp serve --conformance-api) with the
//            browser's own toJSON output: a user of the API's own registers and authenticates
//            there; a user the CA made is refused (the API never registers for the platform's
//            users).
// The cases run side by side (each device is a context of its own, each case its own users), so
// the PC's wait for its first poll (3 s) costs nothing; each case's lines are printed together.
//
// usage: node login.mjs KAGURA_RP CHROMIUM
// Exit status: 0 all passed; 1 a check failed; 2 the setup is broken.

import { tally } from './check.mjs';
import * as control from './harness.mjs';
import { ms, runBrowserTest } from './harness.mjs';
import { describe, hasClass, loginOnPages, shown } from './pages.mjs';
import { authenticateViaConformanceApi, registerOnPages, viaConformanceApi } from './register.mjs';
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

const { chromium, version, args: [rpPath, chromiumPath] } = setup('login', ['KAGURA_RP', 'CHROMIUM']);
const t = tally();
let platform, browser;

// ---- the CA's side, over test control ----

const newUser = (c, name) => control.newUser(c, platform, name, 'Dr. Browser');
const issueQr = (c, user) => control.issueQr(c, platform, user);
const stored = (user) => control.credentialsOf(platform, user);

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

// The login on the pages; the time it took is noted.
async function login(c, page, username) {
	const t1 = performance.now();
	const seen = await loginOnPages(page, platform.origin, username);
	c.note(`login as ${username}: ${ms(t1)}, posted error ${JSON.stringify(seen.fields.get('error'))}`);
	return seen;
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
	c.check(`${name}: .alert-error .kc-feedback-text is "${text}"`, !hasClass(seen, 'logged-in') &&
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
	// 2.3's line, then the browser's error the page posted (<br/> {0}): where the user reads it.
	expectError(c, name, reg, `${FAILED_2_3} ${reg.fields.get('error')}`, NOT_ALLOWED, 'attestationObject');
	c.equal(`${name}: no label prompt`, reg.dialogs.length, 0);
	c.equal(`${name}: test control lists no credential`, (await stored(user)).length, 0);
}

// [conformance API] a user of the API's own: registration through /attestation/*, then an
// authentication through /assertion/*; the CA's user: refused.
async function conformanceApi(c, devices) {
	const own = { name: 'conformance-900000003', displayName: 'Dr. Browser' };
	const phone = devices(await browser.openDevice());
	const t1 = performance.now();
	const reg = await viaConformanceApi(phone.page, platform.origin, own);
	c.note(`registration through the conformance API: ${ms(t1)}`);
	if (c.check('Chromium registers a credential', reg.ok, reg.why)) {
		const auth = await authenticateViaConformanceApi(phone.page, platform.origin, own);
		c.check('... and authenticates with it', auth.ok && auth.credentialId === reg.credentialId,
			auth.why ?? `${auth.credentialId} vs ${reg.credentialId}`);
	}
	const ca = await newUser(c, '900000005');
	const refused = await viaConformanceApi(phone.page, platform.origin, ca);
	c.check('a user the CA made is refused', !refused.ok && /platform user/.test(refused.why ?? ''),
		JSON.stringify(refused));
	c.equal('... and has no device', (await stored(ca)).length, 0);
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

await runBrowserTest(t, {
	rpPath, chromium, chromiumPath, version,
	started(p) {
		platform = p;
		t.check(`kagura-rp serves origin ${platform.origin}, RP ID ${platform.rpId}`,
			/^http:\/\/localhost:\d+$/.test(platform.origin) && platform.rpId === 'localhost');
	},
	launched(b) {
		browser = b;
	},
	cases: [
		['[CA QR]', caQr],
		['[PC]', pcRegistration],
		['[2.3]', registrationRefused],
		['[conformance API]', conformanceApi],
	],
});
