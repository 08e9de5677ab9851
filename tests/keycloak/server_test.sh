#!/bin/sh
# keycloak.server: the real Keycloak (the distribution `make keycloak-dist` fetched and
# prepared) with both realms, driven with curl as a browser would be:
#   - the login page in the realm's locale: the Username form, with the bundle's words;
#   - a user made through the Admin REST API with no passkey posts the Username: the
#     credential-setup error page (manual 2.24 on a real Keycloak);
#   - a user given a passkey through the Admin REST API (partial import) posts the
#     Username: the WebAuthn authentication page with the realm's policy and the passkey.
#   server_test.sh SOURCE_DIR WORK_DIR
set -eu
top=$1 work=$2
tools=$top/tools/keycloak
kc_top=$top
. "$tools/env.sh"
test_started=$(kc_now_ms)
failures=0

fail()
{
	echo "FAIL: $*" >&2
	failures=$((failures + 1))
}

# The raw text of a bundle key ("" when the bundle does not have it).
bundle_text()
{
	sed -n "s/^$2=//p" "$1"
}

# A string field of the realm file (one per line, as kagura-realm writes it).
realm_field()
{
	sed -n "s/^  \"$2\": \"\(.*\)\",\$/\1/p" "$1"
}

expect_in()
{
	what=$1 page=$2 text=$3
	if [ -z "$text" ]; then
		fail "$what: nothing to look for"
	elif ! grep -qF -- "$text" "$page"; then
		fail "$what: '$text' is not in $page"
	fi
}

b64url()
{
	base64 -w0 | tr '+/' '-_' | tr -d '='
}

rm -rf "$work"
mkdir -p "$work"
ports=$(kc_free_ports)
port=${ports% *} management_port=${ports#* }

sh "$tools/start.sh" --run-dir "$work/run" --port "$port" --management-port "$management_port" \
	"$top/fixtures/keycloak/realm-v2.16.json" "$top/fixtures/keycloak/realm-v1.04.json" |
	tee "$work/start.out"
grep -q '^keycloak-start-ms=' "$work/start.out" || exit 1
trap 'sh "$tools/stop.sh" --run-dir "$work/run" >/dev/null' EXIT
# The ceremony's origin is the base URL's: the RP ID is localhost, so is the host here.
base=http://localhost:$port
. "$work/run/admin.env"

token=$(curl -4 -sf -d grant_type=password -d client_id=admin-cli -d username="$KC_ADMIN_USERNAME" \
	--data-urlencode password="$KC_ADMIN_PASSWORD" "$base/realms/master/protocol/openid-connect/token" |
	sed -n 's/^{"access_token":"\([^"]*\)".*/\1/p')
[ -n "$token" ] || { echo "FAIL: no admin-cli token from the master realm" >&2; exit 1; }

# GET of the kagura-harness client's login: the Username page, its form's action saved.
open_login()
{
	realm=$1 locale=$2 page=$3
	rm -f "$work/cookies"
	code=$(curl -4 -s -c "$work/cookies" -b "$work/cookies" -H "Accept-Language: $locale" -o "$page" \
		-w '%{http_code}' "$base/realms/$realm/protocol/openid-connect/auth?client_id=kagura-harness&response_type=code&scope=openid&redirect_uri=http%3A%2F%2Flocalhost%3A$port%2Fcallback")
	[ "$code" = 200 ] || fail "$realm: login page answered $code"
	sed -n 's/.*<form id="kc-form-login"[^>]* action="\([^"]*\)".*/\1/p' "$page" | sed 's/&amp;/\&/g' >"$work/action"
}

post_username()
{
	locale=$1 user=$2 page=$3
	curl -4 -s -c "$work/cookies" -b "$work/cookies" -H "Accept-Language: $locale" -o "$page" \
		-w '%{http_code}' --data-urlencode username="$user" "$(cat "$work/action")"
}

admin_post()
{
	curl -4 -s -o "$work/admin.out" -w '%{http_code}' -H "Authorization: Bearer $token" \
		-H 'Content-Type: application/json' -d "$2" "$base/admin/realms/$1"
}

# A P-256 COSE_Key (kty EC2, alg ES256, crv P-256, x, y) of a fresh key, base64url.
cose_key()
{
	xy=$(openssl ecparam -name prime256v1 -genkey -noout | openssl ec -pubout -outform DER 2>/dev/null |
		tail -c 64 | od -An -v -tx1 | tr -d ' \n')
	x=$(echo "$xy" | cut -c1-64) y=$(echo "$xy" | cut -c65-128)
	printf "$(echo "a501020326200121 5820${x}225820${y}" | tr -d ' ' | sed 's/../\\x&/g')" | b64url
}

for manual in 2.16 1.04; do
	realm_file=$top/fixtures/keycloak/realm-v$manual.json
	bundle=$top/fixtures/messages/messages_v$manual.properties
	realm=$(realm_field "$realm_file" realm)
	locale=$(realm_field "$realm_file" defaultLocale)
	pages=$work/v$manual
	mkdir -p "$pages"

	open_login "$realm" "$locale" "$pages/login.html"
	expect_in "$realm login" "$pages/login.html" "lang=\"$locale\""
	expect_in "$realm login" "$pages/login.html" '<form id="kc-form-login"'
	expect_in "$realm login" "$pages/login.html" 'name="username"'
	expect_in "$realm login" "$pages/login.html" "$(bundle_text "$bundle" kagura-platform-name)"
	expect_in "$realm login" "$pages/login.html" "$(bundle_text "$bundle" loginAccountTitle)"
	expect_in "$realm login" "$pages/login.html" "$(bundle_text "$bundle" username)"
	[ -s "$work/action" ] || { fail "$realm: no kc-form-login action"; continue; }

	# No passkey: the passwordless authenticator allows no setup during login.
	code=$(admin_post "$realm/users" '{"username":"testc30383","enabled":true}')
	[ "$code" = 201 ] || fail "$realm: creating a user answered $code: $(cat "$work/admin.out")"
	code=$(post_username "$locale" testc30383 "$pages/no-passkey.html")
	[ "$code" = 400 ] || fail "$realm: Username of a user without a passkey answered $code, not 400"
	setup_text=$(bundle_text "$bundle" credentialSetupRequired)
	if [ -n "$setup_text" ]; then
		expect_in "$realm no passkey" "$pages/no-passkey.html" "$setup_text"
	fi

	# A passkey stored as Keycloak stores one (WebAuthnCredentialData, "none" attestation).
	credential_id=$(head -c 32 /dev/urandom | b64url)
	credential_data=$(printf '{\\"aaguid\\":\\"00000000-0000-0000-0000-000000000000\\",\\"credentialId\\":\\"%s\\",\\"counter\\":0,\\"attestationStatement\\":null,\\"credentialPublicKey\\":\\"%s\\",\\"attestationStatementFormat\\":\\"none\\",\\"transports\\":[\\"internal\\"]}' \
		"$credential_id" "$(cose_key)")
	code=$(admin_post "$realm/partialImport" "{\"ifResourceExists\":\"FAIL\",\"users\":[{\"username\":\"testc30382\",\"enabled\":true,\"credentials\":[{\"type\":\"webauthn-passwordless\",\"userLabel\":\"phone\",\"credentialData\":\"$credential_data\",\"secretData\":\"{}\"}]}]}")
	[ "$code" = 200 ] || fail "$realm: importing a user with a passkey answered $code: $(cat "$work/admin.out")"

	open_login "$realm" "$locale" "$pages/login2.html"
	code=$(post_username "$locale" testc30382 "$pages/webauthn.html")
	[ "$code" = 200 ] || fail "$realm: Username of a user with a passkey answered $code"
	expect_in "$realm webauthn" "$pages/webauthn.html" 'webauthn-authenticate.ftl'
	expect_in "$realm webauthn" "$pages/webauthn.html" '<form id="webauth"'
	expect_in "$realm webauthn" "$pages/webauthn.html" 'id="authenticateWebAuthnButton"'
	expect_in "$realm webauthn" "$pages/webauthn.html" "$(bundle_text "$bundle" webauthn-login-title)"
	expect_in "$realm webauthn" "$pages/webauthn.html" \
		"rpId : \"$(realm_field "$realm_file" webAuthnPolicyPasswordlessRpId)\""
	expect_in "$realm webauthn" "$pages/webauthn.html" \
		"userVerification : \"$(realm_field "$realm_file" webAuthnPolicyPasswordlessUserVerificationRequirement)\""
	expect_in "$realm webauthn" "$pages/webauthn.html" "$credential_id"
done

sh "$tools/stop.sh" --run-dir "$work/run"
trap - EXIT
start_ms=$(sed -n 's/^keycloak-start-ms=//p' "$work/start.out")
echo "keycloak.server: Keycloak $kc_version started in $(kc_seconds "$start_ms"), test wall time $(kc_seconds $(($(kc_now_ms) - test_started)))"
[ "$failures" -eq 0 ] || exit 1
