#!/bin/sh
# keycloak.realm: the committed realms (fixtures/keycloak/realm-v*.json) are exactly what
# kagura-realm makes from fixtures/messages today, and hold every bundle key with the
# bundle's text. Then the check is shown to fail on a realm with one text changed, one
# missing, one extra and one lone apostrophe.
#   realm_test.sh KAGURA_REALM SOURCE_DIR WORK_DIR
set -eu
tool=$1 top=$2 work=$3
rm -rf "$work"
mkdir -p "$work"
failures=0

fail()
{
	echo "FAIL: $*" >&2
	failures=$((failures + 1))
}

# The check must refuse the mutated copy of the realm, naming the expected error.
expect_refused()
{
	what=$1 manual=$2 bundle=$3 realm=$4 error=$5
	if "$tool" check --manual "$manual" --messages "$bundle" "$realm" >/dev/null 2>"$work/why"; then
		fail "v$manual: a realm with $what passes the check"
	elif ! grep -q "$error" "$work/why"; then
		fail "v$manual: a realm with $what is refused without $error:"
		cat "$work/why" >&2
	fi
}

for manual in 2.16 1.04; do
	bundle=$top/fixtures/messages/messages_v$manual.properties
	committed=$top/fixtures/keycloak/realm-v$manual.json
	generated=$work/realm-v$manual.json
	if ! "$tool" generate --manual "$manual" --messages "$bundle" --out "$generated"; then
		fail "v$manual: kagura-realm generate failed"
		continue
	fi
	if ! cmp -s "$committed" "$generated"; then
		fail "v$manual: $committed is not what fixtures/messages gives (make keycloak-realms writes it):"
		diff -u "$committed" "$generated" >&2 || true
	fi
	"$tool" check --manual "$manual" --messages "$bundle" "$committed" ||
		fail "v$manual: the committed realm differs from the bundle"

	sed 's/^\(      "doCancel": "\)/\1x/' "$committed" >"$work/changed.json"
	expect_refused "a changed text" "$manual" "$bundle" "$work/changed.json" KC_REALM_ERR_TEXT_DIFFERS
	sed '/^      "doCancel": /d' "$committed" >"$work/missing.json"
	expect_refused "a missing text" "$manual" "$bundle" "$work/missing.json" KC_REALM_ERR_TEXT_MISSING
	sed 's/^\(      "doCancel": .*\)$/\1\n      "kagura-not-in-any-bundle": "x",/' "$committed" >"$work/extra.json"
	expect_refused "an extra text" "$manual" "$bundle" "$work/extra.json" KC_REALM_ERR_TEXT_EXTRA
	sed 's/^\(      "doCancel": "\)[^"]*"/\1it'"'"'s"/' "$committed" >"$work/quote.json"
	expect_refused "a lone apostrophe" "$manual" "$bundle" "$work/quote.json" KC_REALM_ERR_TEXT_QUOTE
done

if "$tool" generate --manual 9.99 --messages "$top/fixtures/messages/messages_v2.16.properties" 2>/dev/null; then
	fail "an unknown manual generation is accepted"
else
	[ $? -eq 2 ] || fail "an unknown manual generation is not a usage error (exit 2)"
fi

[ "$failures" -eq 0 ] || exit 1
echo "keycloak.realm: both realms match fixtures/messages"
