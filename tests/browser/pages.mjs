// Reading kagura-rp serve's pages as a user sees them, and the forms their scripts post.

// The response to the next POST the page makes to `path` (a form its script submits).
export function nextPost(page, path) {
	return page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === path);
}

// A result page (message.html): #kc-content's class and text, the .alert-error banner's
// .kc-feedback-text, and the
// whole text for failure reports. Waits for the document at `path` (the one a POST led to), or
// with no path for the current one to load.
export async function shown(page, path) {
	if (path === undefined)
		await page.waitForLoadState('domcontentloaded');
	else
		await page.waitForURL((u) => u.pathname === path, { waitUntil: 'domcontentloaded' });
	return page.evaluate(() => ({
		path: location.pathname,
		kind: document.getElementById('kc-content')?.className ?? null,
		content: document.getElementById('kc-content')?.textContent ?? '',
		feedback: [...document.querySelectorAll('.alert-error .kc-feedback-text')].map((e) => e.textContent),
		text: document.body.innerText,
	}));
}

// Whether #kc-content carries the class (done, logged-in, alert-error).
export const hasClass = (seen, name) => (seen.kind ?? '').split(/\s+/).includes(name);

export const describe = (seen) => `${seen.path}: HTTP ${seen.status}, #kc-content class ${JSON.stringify(seen.kind)}, page:\n` +
	seen.text.replace(/^/gm, '     ');

// Presses a Keycloak page's button as a user does, once the page at `path` (where a POST led)
// has loaded and its script shows the button.
export async function press(page, path, button) {
	await page.waitForURL((u) => u.pathname === path, { waitUntil: 'domcontentloaded' });
	await page.click(button);
}

// The device-only login on the pages, in a fresh platform session: the Username page → the
// WebAuthn page, whose button starts get() against the tab's authenticator → the result. Resolves
// the answer's HTTP status, the fields the page posted and what the result page shows.
export async function loginOnPages(page, origin, username) {
	await page.context().clearCookies();
	await page.goto(`${origin}/login`);
	await page.fill('#kc-form-login input[name=username]', username);
	const answered = nextPost(page, '/login-actions/webauthn');
	await page.click('#kc-form-login [type=submit]');
	await press(page, '/login-actions/authenticate', '#authenticateWebAuthnButton');
	const response = await answered;
	const seen = await shown(page, '/login-actions/webauthn');
	return { status: response.status(), fields: new URLSearchParams(response.request().postData() ?? ''), ...seen };
}
