// Ways a browser gets a credential into the platform: the registration pages a registration QR
// opens (the platform's own path, user manual 5.2), and the FIDO conformance API.

import { nextPost, press, shown } from './pages.mjs';

// The phone opens the URL a registration QR encodes: the 本人ID form (filled in from the QR) →
// submit → the WebAuthn registration page, whose button (registerWebAuthn) starts
// navigator.credentials.create against the tab's authenticator, which asks the label with window.prompt (answered with `label`; undefined:
// Cancel) and posts form "register" → the result page. Resolves the 本人ID the form showed, the
// dialogs the page opened, what it posted (and when: sentAt, performance.now()) and what the
// result page shows; when the QR's page has no 本人ID form, what that page shows, nothing posted.
export async function registerOnPages(page, url, { label } = {}) {
	const dialogs = [];
	const answer = async (dialog) => {
		dialogs.push({ type: dialog.type(), message: dialog.message(), defaultValue: dialog.defaultValue() });
		await (label === undefined ? dialog.dismiss() : dialog.accept(label));
	};
	page.on('dialog', answer);
	try {
		const opened = await page.goto(url);
		// No 本人ID form (a QR refused or already used): what the page shows, without waiting.
		if (await page.$('#kc-form-login') === null) {
			const seen = await shown(page, new URL(url).pathname);
			return { prefilled: null, dialogs, status: opened?.status(), fields: new URLSearchParams(), ...seen };
		}
		const prefilled = await page.inputValue('#kc-form-login input[name=username]');
		const posted = nextPost(page, '/registration-actions/register');
		const sent = page.waitForRequest((r) => r.method() === 'POST' &&
			new URL(r.url()).pathname === '/registration-actions/register').then(() => performance.now(), () => undefined);
		await page.click('#kc-form-login [type=submit]');
		await press(page, '/registration-actions/username', '#registerWebAuthn');
		const response = await posted;
		const seen = await shown(page, '/registration-actions/register');
		return {
			prefilled, dialogs, sentAt: await sent, status: response.status(),
			fields: new URLSearchParams(response.request().postData() ?? ''), ...seen,
		};
	} finally {
		page.off('dialog', answer);
	}
}

// A ceremony through the FIDO conformance API, called from a page of the origin as a relying
// party's own script would: PREFIX/options, navigator.credentials.create or get, then
// PREFIX/result with the browser's own ...ResponseJSON (PublicKeyCredential.toJSON). kind is
// 'attestation' (registration) or 'assertion' (authentication). Resolves { ok, why, credentialId }.
async function conformanceCeremony(page, origin, kind, request) {
	// fetch and WebAuthn need a document on the origin; the Username page is one.
	await page.goto(`${origin}/login`);
	return page.evaluate(async ({ kind, request }) => {
		const post = async (path, body) => (await fetch(path, {
			method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body),
		})).json();
		const create = kind === 'attestation';
		const options = await post(`/${kind}/options`, request);
		if (options.status !== 'ok')
			return { ok: false, why: `options: ${options.errorMessage}` };
		delete options.status;
		delete options.errorMessage;
		let credential;
		try {
			credential = create
				? await navigator.credentials.create({ publicKey: PublicKeyCredential.parseCreationOptionsFromJSON(options) })
				: await navigator.credentials.get({ publicKey: PublicKeyCredential.parseRequestOptionsFromJSON(options) });
		} catch (err) {
			return { ok: false, why: `${create ? 'create' : 'get'}: ${err.name}: ${err.message}` };
		}
		const result = await post(`/${kind}/result`, credential.toJSON());
		return result.status === 'ok' ? { ok: true, credentialId: credential.id }
			: { ok: false, why: `result: ${result.errorMessage}` };
	}, { kind, request });
}

// A registration through the conformance API for user.
export const viaConformanceApi = (page, origin, { name, displayName }) => conformanceCeremony(page, origin,
	'attestation', {
		username: name, displayName, attestation: 'none',
		authenticatorSelection: { residentKey: 'required', userVerification: 'required' },
	});

// An authentication through the conformance API for user.
export const authenticateViaConformanceApi = (page, origin, { name }) => conformanceCeremony(page, origin,
	'assertion', { username: name, userVerification: 'required' });
