// The desktop-chrome persona kept honest: real Chromium (headless Debian chromium over CDP, the
// launch of tests/browser/chromium.mjs, WebAuthn virtual authenticators) is driven into every
// failure class the persona defines that CDP can provoke, on a local page, and the exact
// "Name: message" the page's call rejected with is compared with the persona's text (its {op}
// filled in). A Chromium update that changes a text fails here with both texts, instead of the
// persona drifting. Classes no CDP switch can provoke are named with why, never passed.
//
// Pages: Playwright answers every request itself (context.route), so the page's URL decides the
// context as for a real site: http://localhost (a secure context), http://127.0.0.2 (secure, an
// IP address: no valid domain), http://insecure.test (not a secure context).
//
// usage: node persona.mjs CHROMIUM   (the persona: fixtures/personas/desktop-chrome.json)
// Exit status: 0 every text matched; 1 a text differs or a case did not run; 2 the setup is broken.

import { readFileSync } from 'node:fs';

import { tally } from './check.mjs';
import { launchChromium, PHONE } from './chromium.mjs';
import { setup, setupError } from './setup.mjs';

const WATCHDOG_MS = 240000; // under ctest's TIMEOUT (300 s): 25 contexts at once on a loaded machine
const SHORT_TIMEOUT_MS = 1000; // a ceremony nobody answers: over after this, whatever the text
const SECURE = 'http://localhost/';
const IP_ORIGIN = 'http://127.0.0.2/';
const INSECURE = 'http://insecure.test/';
const FOREIGN_RP_ID = 'example.com'; // not localhost nor a suffix of it
const ES256 = -7;
const ES512 = -36;

const { chromium, version, args: [chromiumPath] } = setup('persona', ['CHROMIUM']);
const personaPath = new URL('../../fixtures/personas/desktop-chrome.json', import.meta.url).pathname;
let persona;
try {
	persona = JSON.parse(readFileSync(personaPath, 'utf8'));
} catch (err) {
	setupError('persona', `${personaPath}: ${err.message}`);
}
if (persona.browser?.engine !== 'chromium' || typeof persona.errors !== 'object')
	setupError('persona', `${personaPath}: not a Chromium persona with errors`);

// What the persona says the page sees: "Name: message", {op} filled in.
function personaText(cls, op) {
	const e = persona.errors[cls];
	return e ? `${e.name}: ${e.message.replaceAll('{op}', op)}` : undefined;
}

// The page's side: the call with the given options; the rejection as the page stringifies it.
// Binary members travel as arrays of bytes (evaluate passes JSON).
// how: "abort" aborts the call's signal (no reason) once it is made; "pending" makes the same
// call twice and reports the second.
async function call(page, op, publicKey, how = '') {
	return page.evaluate(async ({ op, publicKey, how }) => {
		const bytes = (a) => new Uint8Array(a);
		const pk = { ...publicKey, challenge: bytes(publicKey.challenge) };
		if (pk.user)
			pk.user = { ...pk.user, id: bytes(pk.user.id) };
		for (const list of ['excludeCredentials', 'allowCredentials'])
			if (pk[list])
				pk[list] = pk[list].map((c) => ({ ...c, id: bytes(c.id) }));
		const controller = new AbortController();
		try {
			const first = how === 'pending' ? navigator.credentials[op]({ publicKey: pk }).catch(() => {}) : null;
			const made = navigator.credentials[op]({ publicKey: pk, signal: controller.signal });
			if (how === 'abort')
				controller.abort();
			const cred = await made;
			await first;
			return { ok: true, id: Array.from(new Uint8Array(cred.rawId)) };
		} catch (e) {
			return { ok: false, text: `${e.name}: ${e.message}` };
		}
	}, { op, publicKey, how });
}

const challenge = Array.from({ length: 32 }, (_, i) => i);
const createOptions = (extra = {}) => ({
	challenge, rp: { name: 'persona check' }, user: { id: [1, 2, 3, 4], name: 'u', displayName: 'u' },
	pubKeyCredParams: [{ type: 'public-key', alg: ES256 }], timeout: SHORT_TIMEOUT_MS * 10,
	authenticatorSelection: { userVerification: 'required', residentKey: 'discouraged' }, ...extra,
});
const getOptions = (extra = {}) => ({ challenge, timeout: SHORT_TIMEOUT_MS * 10, userVerification: 'required', ...extra });
const allow = (id) => ({ allowCredentials: [{ type: 'public-key', id }] });

// A credential on the device's authenticator to get, exclude or miss; its raw id.
async function register(c, device, authenticatorSelection = { userVerification: 'required' }) {
	const r = await call(device.page, 'create', createOptions({ authenticatorSelection }));
	if (!r.ok)
		throw new Error(`registering the credential the case needs: ${r.text}`);
	return r.id;
}

// Each case: the class it provokes, the operation, the authenticator (null: none), the page's
// URL, and what happens first on the device (prepare) and then the call's options (options).
const cases = [
	{ cls: 'insecure-context', op: 'create', url: INSECURE, authenticator: null, options: () => createOptions() },
	{ cls: 'insecure-context', op: 'get', url: INSECURE, authenticator: null, options: () => getOptions() },
	// A browser without navigator.credentials: in Chromium only where the context is not secure.
	{ cls: 'no-webauthn', op: 'create', url: INSECURE, authenticator: null, options: () => createOptions() },
	{ cls: 'no-webauthn', op: 'get', url: INSECURE, authenticator: null, options: () => getOptions() },
	{ cls: 'invalid-domain', op: 'create', url: IP_ORIGIN, authenticator: {}, options: () => createOptions() },
	{ cls: 'invalid-domain', op: 'get', url: IP_ORIGIN, authenticator: {}, options: () => getOptions() },
	{ cls: 'bad-rp-id', op: 'create', url: SECURE, authenticator: {},
		options: () => createOptions({ rp: { id: FOREIGN_RP_ID, name: 'persona check' } }) },
	{ cls: 'bad-rp-id', op: 'get', url: SECURE, authenticator: {}, options: () => getOptions({ rpId: FOREIGN_RP_ID }) },
	{ cls: 'timeout', op: 'create', url: SECURE, authenticator: { automaticPresenceSimulation: false },
		options: () => createOptions({ timeout: SHORT_TIMEOUT_MS }) },
	{ cls: 'timeout', op: 'get', url: SECURE, authenticator: {},
		prepare: async (c, d) => { const id = await register(c, d); await d.cdp('WebAuthn.setAutomaticPresenceSimulation', { enabled: false }); return id; },
		options: (id) => getOptions({ ...allow(id), timeout: SHORT_TIMEOUT_MS }) },
	{ cls: 'uv-failed', op: 'create', url: SECURE, authenticator: { isUserVerified: false }, options: () => createOptions() },
	{ cls: 'uv-failed', op: 'get', url: SECURE, authenticator: {},
		prepare: async (c, d) => { const id = await register(c, d); await d.cdp('WebAuthn.setUserVerified', { isUserVerified: false }); return id; },
		options: (id) => getOptions(allow(id)) },
	{ cls: 'uv-unavailable', op: 'create', url: SECURE, authenticator: { hasUserVerification: false }, options: () => createOptions() },
	{ cls: 'uv-unavailable', op: 'get', url: SECURE, authenticator: { hasUserVerification: false },
		prepare: (c, d) => register(c, d, { userVerification: 'discouraged' }),
		options: (id) => getOptions(allow(id)) },
	{ cls: 'excluded', op: 'create', url: SECURE, authenticator: {}, prepare: (c, d) => register(c, d),
		options: (id) => createOptions({ excludeCredentials: [{ type: 'public-key', id }] }) },
	{ cls: 'no-credentials', op: 'get', url: SECURE, authenticator: {}, options: () => getOptions(allow([9, 9, 9, 9])) },
	{ cls: 'no-credentials', op: 'get', url: SECURE, authenticator: {}, what: 'discoverable, none held',
		options: () => getOptions() },
	{ cls: 'no-resident-keys', op: 'create', url: SECURE, authenticator: { hasResidentKey: false },
		options: () => createOptions({ authenticatorSelection: { userVerification: 'required', residentKey: 'required', requireResidentKey: true } }) },
	// ES512: an algorithm Chromium knows and its virtual authenticator does not sign with.
	{ cls: 'no-algorithm', op: 'create', url: SECURE, authenticator: {},
		options: () => createOptions({ pubKeyCredParams: [{ type: 'public-key', alg: ES512 }] }) },
	// A large blob the authenticator cannot store (MissingLargeBlob, filtered like the two above).
	{ cls: 'not-supported', op: 'create', url: SECURE, authenticator: { hasLargeBlob: false },
		options: () => createOptions({ authenticatorSelection: { userVerification: 'required', residentKey: 'required' },
			extensions: { largeBlob: { support: 'required' } }, timeout: SHORT_TIMEOUT_MS }) },
	{ cls: 'bad-params', op: 'create', url: SECURE, authenticator: {},
		options: () => createOptions({ pubKeyCredParams: [{ type: 'no-such-type', alg: ES256 }] }) },
	{ cls: 'pending', op: 'create', url: SECURE, authenticator: { automaticPresenceSimulation: false }, how: 'pending',
		options: () => createOptions({ timeout: SHORT_TIMEOUT_MS }) },
	{ cls: 'pending', op: 'get', url: SECURE, authenticator: {},
		prepare: async (c, d) => { const id = await register(c, d); await d.cdp('WebAuthn.setAutomaticPresenceSimulation', { enabled: false }); return id; },
		how: 'pending', options: (id) => getOptions({ ...allow(id), timeout: SHORT_TIMEOUT_MS }) },
	{ cls: 'aborted', op: 'create', url: SECURE, authenticator: { automaticPresenceSimulation: false }, how: 'abort',
		options: () => createOptions() },
	{ cls: 'aborted', op: 'get', url: SECURE, authenticator: { automaticPresenceSimulation: false }, how: 'abort',
		options: () => getOptions() },
];

// Classes the persona defines that no CDP switch provokes, and why.
const NOT_PROVOKED = {
	'no-entitlement': 'Chromium has no entitlement check (the persona notes it cannot happen)',
	cancelled: 'the user declining: headless Chromium shows no dialog to cancel and a virtual authenticator has no consent switch',
	'invalid-response': 'a malformed authenticator answer: a virtual authenticator always answers well-formed CTAP',
	unknown: 'CTAP2_ERR_OTHER and the like: a virtual authenticator has no way to answer them',
};

// A tab in a context of its own (its own authenticators and site data) with, unless options is
// null, a virtual authenticator (PHONE's options, then these); cdp(method, params) sends to it
// with its authenticatorId.
async function openDevice(options) {
	const context = await browser.browser.newContext();
	context.setDefaultTimeout(SHORT_TIMEOUT_MS * 20);
	const page = await context.newPage();
	const session = await context.newCDPSession(page);
	const device = { context, page, close: () => context.close().catch(() => {}) };
	if (options !== null) {
		await session.send('WebAuthn.enable', {});
		const { authenticatorId } = await session.send('WebAuthn.addVirtualAuthenticator',
			{ options: { ...PHONE, ...options } });
		device.cdp = (method, params = {}) => session.send(method, { authenticatorId, ...params });
	}
	return device;
}

const t = tally();
const t0 = performance.now();
let browser;
const watchdog = setTimeout(() => {
	t.flush();
	t.check(`the persona check finishes within ${WATCHDOG_MS} ms`, false);
	browser?.close().finally(() => process.exit(1));
}, WATCHDOG_MS);

async function runCase(k) {
	const tag = `${k.cls} (${k.op}${k.what ? `, ${k.what}` : ''})`;
	const c = t.group(tag);
	const want = personaText(k.cls, k.op);
	if (want === undefined) {
		c.check('the persona defines the class', false, `${personaPath} has no errors.${k.cls}`);
		return;
	}
	const device = await openDevice(k.authenticator);
	try {
		await device.context.route('**/*', (route) => route.fulfill({
			status: 200, contentType: 'text/html', body: '<!DOCTYPE html><title>persona check</title>' }));
		await device.page.goto(k.url);
		const prepared = k.prepare ? await k.prepare(c, device) : undefined;
		const r = await call(device.page, k.op, k.options(prepared), k.how);
		if (r.ok)
			c.check('the call fails', false, 'it succeeded');
		else
			c.check(`"${r.text}"`, r.text === want, `Chromium threw ${JSON.stringify(r.text)}, ${persona.name} says ${JSON.stringify(want)}`);
	} catch (err) {
		c.check('ran to the end', false, err.stack ?? String(err));
	} finally {
		await device.close();
	}
}

try {
	browser = await launchChromium(chromium, chromiumPath, { timeoutMs: SHORT_TIMEOUT_MS * 20 });
	const real = browser.browser.version();
	t.note(`Chromium ${real}, playwright-core ${version}; persona ${persona.name} names Chromium ${persona.browser.version}`);
	await Promise.all(cases.map(runCase));
	t.flush();
	const checked = new Set(cases.map((k) => k.cls));
	for (const cls of Object.keys(persona.errors)) {
		if (checked.has(cls))
			continue;
		if (NOT_PROVOKED[cls])
			t.note(`${cls}: not checked: ${NOT_PROVOKED[cls]}`);
		else
			t.check(`${cls}: a case provokes it`, false, 'a class the persona defines that no case covers');
	}
} catch (err) {
	t.flush();
	t.check('the persona check ran to the end', false, err.stack ?? String(err));
} finally {
	await browser?.close();
	clearTimeout(watchdog);
}
console.log(`${t.failures} failure(s), ${Math.round(performance.now() - t0)} ms`);
process.exitCode = t.failures === 0 ? 0 : 1;
