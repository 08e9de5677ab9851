// Headless Debian Chromium with a fresh profile, and "devices": a tab whose WebAuthn requests go to
// a CDP virtual authenticator (WebAuthn.addVirtualAuthenticator is scoped to the tab it is sent to).

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// The launch the probe measured (/work/shared/reference/chromium-virtual-authenticator-probe.md).
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
	'--disable-background-networking', '--disable-component-update', '--disable-sync'];

// A platform authenticator with user verification, as on a phone with biometrics enrolled.
export const PHONE = {
	protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true,
	isUserVerified: true, automaticPresenceSimulation: true,
};

export async function launchChromium(chromium, executablePath, { timeoutMs = 15000 } = {}) {
	const profile = await mkdtemp(join(tmpdir(), 'kagura-chromium-'));
	let context;
	try {
		context = await chromium.launchPersistentContext(profile, {
			executablePath, headless: true, args: FLAGS, timeout: 30000,
		});
	} catch (err) {
		await rm(profile, { recursive: true, force: true });
		throw err;
	}
	context.setDefaultTimeout(timeoutMs);
	context.setDefaultNavigationTimeout(timeoutMs);
	return {
		context,
		// A new tab with its own virtual authenticator (options over PHONE); null: no authenticator.
		async openDevice(options = {}) {
			const page = await context.newPage();
			if (options === null)
				return { page, authenticator: null };
			const cdp = await context.newCDPSession(page);
			await cdp.send('WebAuthn.enable', {});
			const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator',
				{ options: { ...PHONE, ...options } });
			return {
				page,
				authenticator: {
					credentials: async () => (await cdp.send('WebAuthn.getCredentials', { authenticatorId })).credentials,
					addCredential: (credential) => cdp.send('WebAuthn.addCredential', { authenticatorId, credential }),
					setUserVerified: (isUserVerified) =>
						cdp.send('WebAuthn.setUserVerified', { authenticatorId, isUserVerified }),
				},
			};
		},
		async close() {
			await context.close().catch(() => {});
			await rm(profile, { recursive: true, force: true });
		},
	};
}
