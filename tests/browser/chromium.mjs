// Headless Debian Chromium, and "devices" in it: each a browser context of its own (its own cookie
// jar, as a separate phone or PC has) with one tab, whose WebAuthn requests go to a CDP virtual
// authenticator (WebAuthn.addVirtualAuthenticator is scoped to the tab it is sent to).

// The launch of the Chromium measurements (docs/browser-errors.md#chromium-measured);
// playwright gives the browser a fresh profile of its own and removes it on close.
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
	'--disable-background-networking', '--disable-component-update', '--disable-sync'];

// A platform authenticator with user verification, as on a phone with biometrics enrolled.
export const PHONE = {
	protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true,
	isUserVerified: true, automaticPresenceSimulation: true,
};

export async function launchChromium(chromium, executablePath, { timeoutMs = 15000 } = {}) {
	const browser = await chromium.launch({ executablePath, headless: true, args: FLAGS, timeout: 30000 });
	return {
		browser,
		// A new device: context + tab with its own virtual authenticator (options over PHONE);
		// null: a browser without an authenticator (a PC, or a browser without WebAuthn).
		async openDevice(options = {}) {
			const context = await browser.newContext();
			context.setDefaultTimeout(timeoutMs);
			context.setDefaultNavigationTimeout(timeoutMs);
			const page = await context.newPage();
			const device = { context, page, authenticator: null, close: () => context.close().catch(() => {}) };
			if (options === null)
				return device;
			const cdp = await context.newCDPSession(page);
			await cdp.send('WebAuthn.enable', {});
			const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator',
				{ options: { ...PHONE, ...options } });
			device.authenticator = {
				credentials: async () => (await cdp.send('WebAuthn.getCredentials', { authenticatorId })).credentials,
				// The ids of the credentials it holds, base64url as the platform writes them.
				credentialIds: async () => (await cdp.send('WebAuthn.getCredentials', { authenticatorId }))
					.credentials.map((c) => Buffer.from(c.credentialId, 'base64').toString('base64url')),
				addCredential: (credential) => cdp.send('WebAuthn.addCredential', { authenticatorId, credential }),
				setUserVerified: (isUserVerified) =>
					cdp.send('WebAuthn.setUserVerified', { authenticatorId, isUserVerified }),
			};
			return device;
		},
		async close() {
			await browser.close().catch(() => {});
		},
	};
}
