// What the browser tests share: the run itself (kagura-rp serve and Chromium started, the cases
// side by side, each in its own report group with its devices closed after it, a watchdog under
// ctest's TIMEOUT, the server stopped and its exit checked, the verdict as the exit status) and the
// CA's side over test control.

import { launchChromium } from './chromium.mjs';
import { startPlatform } from './platform.mjs';

const WATCHDOG_MS = 90000; // under ctest's TIMEOUT, so the server is stopped by us, not orphaned

export const ms = (since) => `${Math.round(performance.now() - since)} ms`;

// Runs `cases` ([tag, body(c, devices)] pairs; devices(d) registers a device to close) with the
// tally t. started(platform) runs once the server printed its address, launched(browser) once
// Chromium is up (the scripts keep them for their helpers); finish() runs at the very end, also
// when the watchdog fires.
export async function runBrowserTest(t, { rpPath, chromium, chromiumPath, version, cases,
	started = () => {}, launched = () => {}, finish = () => {} }) {
	const t0 = performance.now();
	let platform, browser;

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
		(async () => {
			await browser?.close();
			await platform?.kill();
			finish();
		})().finally(() => process.exit(1));
	}, WATCHDOG_MS);

	try {
		let t1 = performance.now();
		platform = await startPlatform(rpPath);
		t.note(`kagura-rp started in ${ms(t1)}`);
		started(platform);
		t1 = performance.now();
		browser = await launchChromium(chromium, chromiumPath);
		t.note(`Chromium ${browser.browser.version()}, playwright-core ${version}, launched in ${ms(t1)}`);
		launched(browser);
		await Promise.all(cases.map(([tag, body]) => run(tag, body)));
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
		finish();
		clearTimeout(watchdog);
	}
	console.log(`${t.failures} failure(s), ${ms(t0)}`);
	process.exitCode = t.failures === 0 ? 0 : 1;
}

// ---- the CA's side, over test control ----

export async function newUser(c, platform, name, displayName) {
	const user = { name, displayName };
	c.equal(`test control creates user ${name}`, (await platform.control('users', user)).status, 200);
	return user;
}

// The URL a CA-issued registration QR encodes.
export async function issueQr(c, platform, user) {
	const { status, body } = await platform.control('registration-qr', { name: user.name });
	c.check('the CA issues a registration QR on the origin',
		status === 200 && body?.url?.startsWith(`${platform.origin}/registration?qr=`), `HTTP ${status}, ${JSON.stringify(body)}`);
	return body?.url ?? `${platform.origin}/registration?qr=none`;
}

// The user's devices as the platform lists them.
export async function credentialsOf(platform, user) {
	const { status, body } = await platform.control('users/credentials', { name: user.name });
	return status === 200 && Array.isArray(body?.credentials) ? body.credentials : [];
}
