// Headless Chromium with CDP virtual authenticators on a real Keycloak's own pages (the
// distribution tools/keycloak/ runs, with the platform's realms), in each realm of
// fixtures/keycloak/:
//
//   [registration]  the administrator mails a new user the execute-actions link (the platform's
//                   CA QR on Keycloak); the phone opens it, presses "Click here to proceed", then
//                   Keycloak's register button, and answers the label prompt (window.prompt with
//                   webauthn-registration-init-label-prompt): the Admin REST API lists a
//                   webauthn-passwordless credential with that label, the authenticator holds one
//                   discoverable credential for the realm's RP ID, Keycloak's page says the
//                   account was updated and links back to the client's redirect URI.
//   [login]         another browser holding that credential: Username → the WebAuthn page →
//                   its button → the client's redirect URI with a code.
//   [UV failure]    the same browser, the fingerprint not recognised (isUserVerified false): get()
//                   fails with NotAllowedError, Keycloak's webauthn-error page shows
//                   webauthn-error-api-get; its Try again goes back to the WebAuthn page, where
//                   the login then succeeds.
//   [registration UV failure]  create() fails the same way: webauthn-error-register-verification
//                   with the browser's error as {0}, no label prompt, no credential stored.
// Every expected text is read from the realm file or, for keys the realm does not override,
// from the distribution's theme bundle (keycloak_texts.mjs), never written here.
//
// usage: node keycloak.mjs CHROMIUM, with KAGURA_KEYCLOAK_URL (http://localhost:PORT),
//        KAGURA_KEYCLOAK_ADMIN_ENV (start.sh's admin.env), KAGURA_KEYCLOAK_THEMES_JAR (the
//        distribution's keycloak-themes jar) and KAGURA_KEYCLOAK_REALMS (realm files, ':'-separated).
// Exit status: 0 all passed; 1 a check failed; 2 the setup is broken.

import { existsSync } from 'node:fs';
import { tally } from './check.mjs';
import { launchChromium, PHONE } from './chromium.mjs';
import { keycloakAdmin } from './keycloak_admin.mjs';
import { linkIn, startMailbox } from './keycloak_mailbox.mjs';
import { realmTexts } from './keycloak_texts.mjs';
import { setup, setupError } from './setup.mjs';

const WATCHDOG_MS = 200000; // under ctest's TIMEOUT less Keycloak's start, so we stop, not ctest
const STEP_TIMEOUT_MS = 30000; // one page of a JVM sharing 2 busy cores
const ACTION_TOKEN_PATH = '/login-actions/action-token';
const CALLBACK_PATH = '/callback';

const { chromium, version, args: [chromiumPath] } = setup('keycloak', ['CHROMIUM']);
const env = (name) => process.env[name] || setupError('keycloak', `${name} is not set (tests/keycloak/chromium_test.sh sets it)`);
const base = env('KAGURA_KEYCLOAK_URL').replace(/\/$/, '');
const adminEnv = env('KAGURA_KEYCLOAK_ADMIN_ENV');
const themesJar = env('KAGURA_KEYCLOAK_THEMES_JAR');
const realmFiles = env('KAGURA_KEYCLOAK_REALMS').split(':');
for (const path of [adminEnv, themesJar, ...realmFiles])
	if (!existsSync(path))
		setupError('keycloak', `${path} does not exist`);
if (!/^http:\/\/localhost:\d+$/.test(base))
	setupError('keycloak', `${base}: the realms' RP ID is localhost, so the origin must be http://localhost:PORT`);

const t = tally();
const admin = keycloakAdmin(base, adminEnv);
const ms = (since) => `${Math.round(performance.now() - since)} ms`;
// A message as keycloak.v2's template.ftl prints message.summary: HTML-escaped, so markup in a
// text (the realms' <br/>) shows as typed; runs of whitespace read as one space.
const asShown = (text) => text.replace(/\s+/g, ' ').trim();
const runId = `${process.pid}-${Date.now() % 100000}`;
let browser, mailbox;

// A phone: a browser context in the realm's language with one tab and a virtual authenticator.
async function openPhone(locale, options = {}) {
	const context = await browser.browser.newContext({ locale });
	context.setDefaultTimeout(STEP_TIMEOUT_MS);
	context.setDefaultNavigationTimeout(STEP_TIMEOUT_MS);
	const page = await context.newPage();
	const cdp = await context.newCDPSession(page);
	await cdp.send('WebAuthn.enable', {});
	const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', { options: { ...PHONE, ...options } });
	const phone = {
		page,
		dialogs: [], // every dialog the pages opened: { type, message, defaultValue }
		answer: null, // what a prompt is answered with (null: Cancel)
		credentials: async () => (await cdp.send('WebAuthn.getCredentials', { authenticatorId })).credentials,
		addCredential: (credential) => cdp.send('WebAuthn.addCredential', { authenticatorId, credential }),
		setUserVerified: (isUserVerified) => cdp.send('WebAuthn.setUserVerified', { authenticatorId, isUserVerified }),
		close: () => context.close().catch(() => {}),
	};
	page.on('dialog', (d) => {
		phone.dialogs.push({ type: d.type(), message: d.message(), defaultValue: d.defaultValue() });
		(d.type() === 'prompt' && phone.answer !== null ? d.accept(phone.answer) : d.dismiss()).catch(() => {});
	});
	return phone;
}

// The page's `selector` there and its scripts run: the register and WebAuthn buttons get their
// click handlers from module scripts, which run only once the document is parsed.
async function ready(page, selector) {
	await page.waitForSelector(selector);
	await page.waitForLoadState('load');
}

// What a Keycloak page shows: its heading (#kc-page-title), the alerts' texts, the whole text.
function shown(page) {
	return page.evaluate(() => ({
		url: location.href,
		title: document.getElementById('kc-page-title')?.textContent.replace(/\s+/g, ' ').trim() ?? null,
		feedback: [...document.querySelectorAll('.kc-feedback-text')].map((e) => e.textContent.replace(/\s+/g, ' ').trim()),
		text: document.body?.innerText ?? '',
	}));
}
const describe = (seen) => `${seen.url}\n${seen.text.replace(/^/gm, '     ')}`;

// The fields of the next form POST whose path ends in `suffix`.
function nextPost(page, suffix) {
	return page.waitForRequest((r) => r.method() === 'POST' && new URL(r.url()).pathname.endsWith(suffix))
		.then((r) => new URLSearchParams(r.postData() ?? ''));
}

// The mailed execute-actions link, opened and proceeded: Keycloak's register page.
async function openSetupLink(c, realm, phone, user) {
	await admin.mailSetupLink(realm.name, user, realm.clientId, `${base}${CALLBACK_PATH}`);
	const link = linkIn(await mailbox.take(user.email), ACTION_TOKEN_PATH);
	if (!c.check(`the mail to ${user.email} has the ${ACTION_TOKEN_PATH} link`, Boolean(link?.startsWith(`${base}/realms/${realm.name}/`)), String(link)))
		return false;
	await phone.page.goto(link);
	const proceed = phone.page.locator('#kc-info-message a');
	c.equal('the link shows Keycloak\'s info page with proceedWithAction', (await proceed.textContent())?.trim(), realm.text('proceedWithAction'));
	await proceed.click();
	await ready(phone.page, '#registerWebAuthn');
	const seen = await shown(phone.page);
	c.equal('the register page\'s heading is webauthn-registration-title', seen.title, realm.text('webauthn-registration-title'));
	c.equal('... its button is doRegisterSecurityKey', (await phone.page.locator('#registerWebAuthn').textContent())?.trim(),
		realm.text('doRegisterSecurityKey'));
	return true;
}

// ---- the cases of one realm ----

async function registration(c, realm) {
	const label = `Chromium ${realm.locale} ${runId}`;
	const user = await admin.newUser(realm.name, `kc-chromium-reg-${runId}`);
	const phone = await openPhone(realm.locale);
	try {
		phone.answer = label;
		if (!await openSetupLink(c, realm, phone, user))
			return null;
		const posted = nextPost(phone.page, '/login-actions/required-action');
		await phone.page.click('#registerWebAuthn');
		const fields = await posted;
		await ready(phone.page, '#kc-info-message');
		const [prompt, ...more] = phone.dialogs;
		c.check(`the page asks the label: prompt webauthn-registration-init-label-prompt ` +
			`"${realm.text('webauthn-registration-init-label-prompt')}", default webauthn-registration-init-label ` +
			`"${realm.text('webauthn-registration-init-label')}" (${realm.text.source('webauthn-registration-init-label-prompt')})`,
		prompt?.type === 'prompt' && prompt.message === realm.text('webauthn-registration-init-label-prompt') &&
			prompt.defaultValue === realm.text('webauthn-registration-init-label') && more.length === 0,
		JSON.stringify(phone.dialogs));
		c.equal('the page posted the label typed', fields.get('authenticatorLabel'), label);
		c.equal('the page posted no error', fields.get('error'), '');
		const seen = await shown(phone.page);
		c.check(`Keycloak's page says accountUpdatedMessage "${realm.text('accountUpdatedMessage')}"`,
			seen.text.includes(realm.text('accountUpdatedMessage')), describe(seen));
		const back = phone.page.locator('#kc-info-message a');
		c.check(`... and links backToApplication to ${base}${CALLBACK_PATH}`,
			(await back.textContent())?.trim() === realm.text('backToApplication') &&
			await back.getAttribute('href') === `${base}${CALLBACK_PATH}`,
			`${await back.textContent()} → ${await back.getAttribute('href')}`);

		const passkeys = await admin.passkeys(realm.name, user);
		c.check(`the Admin REST API lists one webauthn-passwordless credential labelled "${label}"`,
			passkeys.length === 1 && passkeys[0].userLabel === label, JSON.stringify(passkeys));
		c.equal('... and the user has no required action left', JSON.stringify(await admin.requiredActions(realm.name, user)), '[]');
		const held = await phone.credentials();
		c.check(`the authenticator holds one discoverable credential for RP ID ${realm.rpId}`,
			held.length === 1 && held[0].isResidentCredential === true && held[0].rpId === realm.rpId,
			JSON.stringify(held.map(({ credentialId, isResidentCredential, rpId }) => ({ credentialId, isResidentCredential, rpId }))));
		return held.length === 1 ? { user, credential: held[0] } : null;
	} finally {
		await phone.close();
	}
}

const authUrl = (realm) => `${base}/realms/${realm.name}/protocol/openid-connect/auth?` +
	new URLSearchParams({ client_id: realm.clientId, response_type: 'code', scope: 'openid', redirect_uri: `${base}${CALLBACK_PATH}` });

// Username, then Keycloak's WebAuthn page with its button shown.
async function toWebAuthnPage(c, realm, phone, user, name) {
	await phone.page.context().clearCookies();
	await phone.page.goto(authUrl(realm));
	const login = await shown(phone.page);
	c.equal(`${name}: the login page's heading is loginAccountTitle`, login.title, realm.text('loginAccountTitle'));
	await phone.page.fill('#kc-form-login input[name=username]', user.name);
	await phone.page.click('#kc-form-login [type=submit]');
	await ready(phone.page, '#authenticateWebAuthnButton');
	const seen = await shown(phone.page);
	c.equal(`${name}: the WebAuthn page's heading is webauthn-login-title`, seen.title, realm.text('webauthn-login-title'));
	c.equal(`${name}: ... its button is webauthn-doAuthenticate`,
		(await phone.page.locator('#authenticateWebAuthnButton').textContent())?.trim(), realm.text('webauthn-doAuthenticate'));
}

// Presses the WebAuthn page's button; true when the tab lands on the redirect URI with a code.
async function pressToRedirect(c, phone, name) {
	const page = phone.page;
	// The button's script posts the form; Keycloak's answer (a redirect, or a page) is the next document.
	const navigated = page.waitForEvent('framenavigated', { predicate: (f) => f === page.mainFrame() });
	await page.click('#authenticateWebAuthnButton');
	await navigated;
	await page.waitForLoadState('domcontentloaded');
	const url = new URL(phone.page.url());
	return c.check(`${name}: the tab lands on ${base}${CALLBACK_PATH} with a code`,
		url.origin + url.pathname === `${base}${CALLBACK_PATH}` && (url.searchParams.get('code') ?? '') !== '',
		describe(await shown(phone.page)));
}

async function loginAndUvFailure(c, realm, registered) {
	const phone = await openPhone(realm.locale);
	try {
		await phone.addCredential(registered.credential);
		await toWebAuthnPage(c, realm, phone, registered.user, 'login');
		await pressToRedirect(c, phone, 'login');

		// The fingerprint is not recognised: get() refuses, the page posts the error.
		await phone.setUserVerified(false);
		await toWebAuthnPage(c, realm, phone, registered.user, 'UV failure');
		const posted = nextPost(phone.page, '/login-actions/authenticate');
		await phone.page.click('#authenticateWebAuthnButton');
		const error = (await posted).get('error') ?? '';
		c.check('UV failure: the page posted Chromium\'s NotAllowedError', /^NotAllowedError: ./.test(error), JSON.stringify(error));
		await ready(phone.page, '#kc-try-again');
		const seen = await shown(phone.page);
		c.equal('UV failure: the error page\'s heading is webauthn-error-title', seen.title, realm.text('webauthn-error-title'));
		// Keycloak gives webauthn-error-api-get "" as {0} (WebAuthnAuthenticator.createErrorResponse).
		const want = asShown(realm.text('webauthn-error-api-get', ['']));
		c.check(`UV failure: the alert is webauthn-error-api-get "${want}" (${realm.text.source('webauthn-error-api-get')})`,
			seen.feedback.length === 1 && seen.feedback[0] === want, describe(seen));
		c.equal('UV failure: the kc-try-again button is doTryAgain',
			(await phone.page.locator('#kc-try-again').textContent())?.trim(), realm.text('doTryAgain'));

		await phone.page.click('#kc-try-again');
		await ready(phone.page, '#authenticateWebAuthnButton');
		const again = await shown(phone.page);
		c.equal('Try again: back on the WebAuthn page (webauthn-login-title)', again.title, realm.text('webauthn-login-title'));
		await phone.setUserVerified(true);
		await pressToRedirect(c, phone, 'Try again, the fingerprint recognised');
		c.equal('no dialog was opened while logging in', JSON.stringify(phone.dialogs), '[]');
	} finally {
		await phone.close();
	}
}

async function registrationUvFailure(c, realm) {
	const user = await admin.newUser(realm.name, `kc-chromium-noreg-${runId}`);
	const phone = await openPhone(realm.locale, { isUserVerified: false });
	try {
		phone.answer = 'never asked';
		if (!await openSetupLink(c, realm, phone, user))
			return;
		const posted = nextPost(phone.page, '/login-actions/required-action');
		await phone.page.click('#registerWebAuthn');
		const error = (await posted).get('error') ?? '';
		c.check('the page posted Chromium\'s NotAllowedError', /^NotAllowedError: ./.test(error), JSON.stringify(error));
		await ready(phone.page, '#kc-try-again');
		const seen = await shown(phone.page);
		c.equal('the error page\'s heading is webauthn-error-title', seen.title, realm.text('webauthn-error-title'));
		// {0} is the error the page posted (WebAuthnRegister.setErrorResponse).
		const want = asShown(realm.text('webauthn-error-register-verification', [error]));
		c.check(`the alert is webauthn-error-register-verification with the browser's error as {0}: "${want}" ` +
			`(${realm.text.source('webauthn-error-register-verification')})`,
		seen.feedback.length === 1 && seen.feedback[0] === want, describe(seen));
		c.equal('no label prompt', JSON.stringify(phone.dialogs), '[]');
		c.equal('the Admin REST API lists no credential', (await admin.passkeys(realm.name, user)).length, 0);
		c.equal('the authenticator holds no credential', (await phone.credentials()).length, 0);
	} finally {
		await phone.close();
	}
}

// ---- the run ----

async function runCase(c, name, body) {
	const t1 = performance.now();
	try {
		return await body();
	} catch (err) {
		c.check(`${name} ran to the end`, false, err.stack ?? String(err));
		return null;
	} finally {
		c.note(`${name} took ${ms(t1)}`);
	}
}

const watchdog = setTimeout(() => {
	t.check(`the test finishes within ${WATCHDOG_MS} ms`, false);
	(async () => {
		await browser?.close();
		await mailbox?.close();
	})().finally(() => process.exit(1));
}, WATCHDOG_MS);

const t0 = performance.now();
try {
	mailbox = await startMailbox();
	let t1 = performance.now();
	browser = await launchChromium(chromium, chromiumPath);
	t.note(`Chromium ${browser.browser.version()}, playwright-core ${version}, launched in ${ms(t1)}`);
	for (const file of realmFiles) {
		const realm = realmTexts(file, themesJar);
		const c = t.group(`[${realm.name}]`);
		c.equal(`the realm's client is kagura-harness, its RP ID localhost, user verification required`,
			`${realm.clientId} ${realm.rpId} ${realm.userVerification}`, 'kagura-harness localhost required');
		await admin.setMailbox(realm.name, mailbox.port);
		const registered = await runCase(c, 'registration', () => registration(c, realm));
		if (registered)
			await runCase(c, 'login and UV failure', () => loginAndUvFailure(c, realm, registered));
		else
			c.check('login and UV failure: a registered credential to log in with', false, 'the registration failed');
		await runCase(c, 'registration UV failure', () => registrationUvFailure(c, realm));
		t.flush();
	}
} catch (err) {
	t.check('the browser test ran to the end', false, err.stack ?? String(err));
} finally {
	t.flush();
	await browser?.close();
	await mailbox?.close();
	clearTimeout(watchdog);
}
console.log(`${t.failures} failure(s), ${ms(t0)}`);
process.exitCode = t.failures === 0 ? 0 : 1;
