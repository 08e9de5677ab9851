// The administrator's side of a real Keycloak, through its Admin REST API with an admin-cli token
// of the master realm (the bootstrap admin tools/keycloak/start.sh writes to admin.env): the
// calls scenarios/keycloak_control.c makes for the platform's CA.

import { readFileSync } from 'node:fs';

const REGISTER_ACTION = 'webauthn-register-passwordless';
const PASSKEY_TYPE = 'webauthn-passwordless';
const MAIL_DOMAIN = 'kagura-harness.test';
const LINK_LIFESPAN_S = 600; // the mailed link is used within the test

// KC_ADMIN_USERNAME=… lines of admin.env.
function readAdminEnv(path) {
	const env = Object.fromEntries(readFileSync(path, 'utf8').split('\n')
		.map((line) => /^([A-Z_]+)=(.*)$/.exec(line)).filter(Boolean).map((m) => [m[1], m[2]]));
	if (!env.KC_ADMIN_USERNAME || !env.KC_ADMIN_PASSWORD)
		throw new Error(`${path} has no KC_ADMIN_USERNAME and KC_ADMIN_PASSWORD`);
	return env;
}

export function keycloakAdmin(base, adminEnvPath) {
	const { KC_ADMIN_USERNAME: username, KC_ADMIN_PASSWORD: password } = readAdminEnv(adminEnvPath);
	let token = null;

	async function fetchToken() {
		const r = await fetch(`${base}/realms/master/protocol/openid-connect/token`, {
			method: 'POST',
			body: new URLSearchParams({ grant_type: 'password', client_id: 'admin-cli', username, password }),
		});
		const body = await r.json().catch(() => ({}));
		if (r.status !== 200 || typeof body.access_token !== 'string')
			throw new Error(`no admin-cli token from the master realm: HTTP ${r.status} ${JSON.stringify(body)}`);
		token = body.access_token;
	}

	// One call; the master realm's tokens live 60 s, so a 401 fetches a new one and retries once.
	async function call(method, path, body) {
		for (let attempt = 0; ; attempt++) {
			if (token === null)
				await fetchToken();
			const r = await fetch(`${base}/admin/realms/${path}`, {
				method,
				headers: { Authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
				body: body === undefined ? undefined : JSON.stringify(body),
			});
			if (r.status === 401 && attempt === 0) {
				token = null;
				continue;
			}
			const text = await r.text();
			let json = null;
			try {
				json = text === '' ? null : JSON.parse(text);
			} catch {
				json = text;
			}
			return { status: r.status, body: json };
		}
	}

	async function expect(what, want, method, path, body) {
		const r = await call(method, path, body);
		if (r.status !== want)
			throw new Error(`${what}: ${method} /admin/realms/${path} answered ${r.status}, not ${want}: ${JSON.stringify(r.body)}`);
		return r.body;
	}

	return {
		// The realm's mails go to the mailbox on 127.0.0.1:port.
		setMailbox: (realm, port) => expect('SMTP settings', 204, 'PUT', realm,
			{ smtpServer: { host: '127.0.0.1', port: String(port), from: `ca@${MAIL_DOMAIN}`, fromDisplayName: 'kagura-harness CA' } }),
		// A user as the CA makes one: enabled, an address, the passkey registration to do.
		async newUser(realm, name) {
			const email = `${name}@${MAIL_DOMAIN}`;
			await expect(`creating user ${name}`, 201, 'POST', `${realm}/users`,
				{ username: name, email, emailVerified: true, enabled: true, requiredActions: [REGISTER_ACTION] });
			const found = await expect(`finding user ${name}`, 200, 'GET', `${realm}/users?exact=true&username=${encodeURIComponent(name)}`);
			if (found?.length !== 1)
				throw new Error(`user ${name}: ${JSON.stringify(found)}`);
			return { name, email, id: found[0].id };
		},
		// The administrator mails the user the registration link, to end at the client's redirect URI.
		mailSetupLink: (realm, user, clientId, redirectUri) => expect('execute-actions-email', 204, 'PUT',
			`${realm}/users/${user.id}/execute-actions-email?${new URLSearchParams({ lifespan: String(LINK_LIFESPAN_S), client_id: clientId, redirect_uri: redirectUri })}`,
			[REGISTER_ACTION]),
		// The user's passkeys (credentials of type webauthn-passwordless).
		passkeys: async (realm, user) => (await expect('credentials', 200, 'GET', `${realm}/users/${user.id}/credentials`))
			.filter((c) => c.type === PASSKEY_TYPE),
		requiredActions: async (realm, user) => (await expect('user', 200, 'GET', `${realm}/users/${user.id}`)).requiredActions,
	};
}
