// Ways a user gets a credential into the platform from a real browser. Each takes the device's
// tab, the platform and a user, and resolves { ok, why, credentialId }; the login test runs its
// cases once per way listed in REGISTRATIONS.

// The FIDO conformance API called from a page of the origin, as a relying party's own script would:
// /attestation/options, navigator.credentials.create, then /attestation/result with the
// browser's own RegistrationResponseJSON (PublicKeyCredential.toJSON).
async function viaConformanceApi(page, platform, user) {
	// fetch and WebAuthn need a document on the origin; the Username page is one.
	await page.goto(`${platform.origin}/login`);
	return page.evaluate(async ({ name, displayName }) => {
		const post = async (path, body) => (await fetch(path, {
			method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body),
		})).json();
		const options = await post('/attestation/options', {
			username: name, displayName, attestation: 'none',
			authenticatorSelection: { residentKey: 'required', userVerification: 'required' },
		});
		if (options.status !== 'ok')
			return { ok: false, why: `options: ${options.errorMessage}` };
		delete options.status;
		delete options.errorMessage;
		let credential;
		try {
			credential = await navigator.credentials.create({
				publicKey: PublicKeyCredential.parseCreationOptionsFromJSON(options),
			});
		} catch (err) {
			return { ok: false, why: `create: ${err.name}: ${err.message}` };
		}
		const result = await post('/attestation/result', credential.toJSON());
		return result.status === 'ok' ? { ok: true, credentialId: credential.id }
			: { ok: false, why: `result: ${result.errorMessage}` };
	}, user);
}

export const REGISTRATIONS = [
	{ name: 'conformance API', register: viaConformanceApi },
];
