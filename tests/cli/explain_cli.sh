#!/bin/sh
# kagura-scenarios explain: HTTP statuses by code or phrase, a weak report told apart from a
# match, the manual's sample values never outweighing its message, and which browsers show a
# browser's exception text.
set -u
sc=$1
src=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT INT TERM
cd "$work" || exit 1
failures=0
check() { if [ "$2" != "$3" ]; then echo "FAIL $1: got $3, expected $2"; failures=$((failures + 1)); else echo "ok   $1"; fi; }
contains() { if grep -qF -- "$3" "$2"; then echo "ok   $1"; else echo "FAIL $1: '$3' not in:"; sed 's/^/     /' "$2"; failures=$((failures + 1)); fi; }
lacks() { if grep -qF -- "$3" "$2"; then echo "FAIL $1: '$3' in:"; sed 's/^/     /' "$2"; failures=$((failures + 1)); else echo "ok   $1"; fi; }
# The first match explain presents ("MANUAL ENTRY"), and what it says of the personas.
first() { sed -n 's/^manual \([0-9.]*\) entry \([0-9.]*\) .*/\1 \2/p' out | head -n 1; }
personas() { grep -e '^shown by:' -e '^no persona' out | sort -u; }

# HTTP statuses: a code alone or with words, or the reason phrase, finds the status's pages.
for report in "403" "HTTP 403" "HTTP/1.1 403"; do
	"$sc" explain "$report" >out 2>err
	check "$report: a match" 0 $?
	contains "$report: 403 Forbidden (2.16)" out "manual 2.16 entry 2.10 "
	contains "$report: the front server's Forbidden page" out "manual 2.16 entry 3.17 "
	contains "$report: 403 Forbidden (1.04)" out "manual 1.04 entry 2.11 "
	lacks "$report: not 405" out "entry 2.20 "
done
"$sc" explain "error 405" >out 2>err
check "error 405: a match" 0 $?
contains "error 405: 405 Method Not Allowed (2.16)" out "manual 2.16 entry 2.20 "
contains "error 405: HTTP ステータス 405 (1.04)" out "manual 1.04 entry 2.10 "
lacks "error 405: not 403" out "403 Forbidden"
"$sc" explain "401" >out 2>err
check "401: a match" 0 $?
contains "401: the proxy's Unauthorized (2.16)" out "manual 2.16 entry 3.10 "
contains "401: the proxy's Unauthorized (1.04)" out "manual 1.04 entry 3.9 "
"$sc" explain "405 Method Not Allowed" >out 2>err
check "405 Method Not Allowed: its page first" "2.16 2.20" "$(first)"
contains "405 Method Not Allowed: the 1.04 page" out "manual 1.04 entry 2.10 "
"$sc" explain "Forbidden" >out 2>err
check "Forbidden: its page first" "2.16 3.17" "$(first)"
contains "Forbidden: 403 Forbidden too" out "manual 2.16 entry 2.10 "
# A status code's digits inside an ID or a longer number are not the status.
for report in "TESTC40312" "ID 4031"; do
	"$sc" explain "$report" >out 2>err
	check "$report: no match" 1 $?
	lacks "$report: no 403 page" out "entry 2.10 "
done

# A weak report: the closest entries, not presented as matches; nothing at all: said so.
"$sc" explain --manual 2.16 "エラーが発生しました" >out 2>err
check "weak report: exit 1" 1 $?
contains "weak report: said so" out "no confident match; closest:"
contains "weak report: closest named" out "manual 2.16 entry 3.9: デバイス認証でエラーが発生しました。"
contains "weak report: all of them" out "manual 2.16 entry 3.19: HPKI(JPKI)認証でエラーが発生しました。"
contains "weak report: how to reproduce it" out "run --manual 2.16 3.9"
lacks "weak report: no match presented" out "— match"
"$sc" explain "NotAllowedError" >out 2>err
check "an exception's name alone: weak" 1 $?
contains "an exception's name alone: said so" out "no confident match; closest:"
"$sc" explain "デバイス認証でエラーが発生しました" >out 2>err
check "the whole message: a match" 0 $?
check "the whole message: its entry" "2.16 3.9" "$(first)"
"$sc" explain "zzzz qqqq" >out 2>err
check "nothing alike: exit 1" 1 $?
contains "nothing alike: said so" out "no entry of the manual matches that text"

# The manual's sample values: another user's ID or host still quotes the message ...
"$sc" explain "すでにこのセッションで異なるユーザーTESTC12345として認証されています。" >out 2>err
check "another user's ID: a match" 0 $?
check "another user's ID: its entry first" "2.16 2.18" "$(first)"
contains "another user's ID: a full match" out "— match 1.00"
"$sc" explain "すでにこのセッションで異なるユーザー testc12345 として認証されてます" >out 2>err
check "another ID, misremembered: its entry first" "2.16 2.18" "$(first)"
"$sc" explain "kagura.example.jp でセキュリティキーを使用する" >out 2>err
check "another host: its entry first" "2.16 2.11" "$(first)"
# ... and a sample alone names nothing.
for report in "TESTC30383" "testc30382" "xxxxxxx" "mahpki-auth.2nds.medis.or.jp" \
	"2024/4/24 14:20:46 MA-T-T"; do
	"$sc" explain "$report" >out 2>err
	check "sample $report alone: not a match" 1 $?
	lacks "sample $report alone: nothing presented" out "— match"
done
# An error code is no sample: it names its entry.
"$sc" explain "JPKIHREGERR003" >out 2>err
check "error code: a match" 0 $?
check "error code: its entry" "2.16 3.14" "$(first)"

# A browser's exception: which personas show exactly that text.
"$sc" explain "NotAllowedError: The operation either timed out or was not allowed." >out 2>err
check "Chrome's NotAllowedError: a match" 0 $?
check "Chrome's NotAllowedError: its entry" "2.16 2.8" "$(first)"
check "Chrome's NotAllowedError: the Chromium personas, no Safari" \
	"shown by: android-chrome, android-chrome-old, android-chrome-without-screen-lock, desktop-chrome, desktop-edge" \
	"$(personas)"
"$sc" explain "NotAllowedError: This request has been cancelled by the user." >out 2>err
check "Safari's NotAllowedError: its entry (1.04)" "1.04 2.3" "$(first)"
check "Safari's NotAllowedError: the Safari personas, no Chrome" \
	"shown by: ios17-safari, ios18-safari" "$(personas)"
"$sc" explain "Safari said NotAllowedError: Operation failed. on my iPhone" >out 2>err
check "quoted inside a sentence: the Safari personas" "shown by: ios17-safari, ios18-safari" \
	"$(personas)"
"$sc" explain "NotReadableError: An unknown error occured while talking to the credential manager." >out 2>err
check "old Chromium's spelling: that persona only" "shown by: android-chrome-old" "$(personas)"
"$sc" explain "NotAllowedError: operation was not allowed" >out 2>err
check "no browser's text: said so" "no persona shows this exact text" "$(personas)"
"$sc" explain "403" >out 2>err
check "not a browser's exception: no persona line" "" "$(personas)"
# Personas that cannot be read: said on stderr, the match still shown.
mkdir fixtures
ln -s "$src/fixtures/manual" fixtures/manual
KAGURA_FIXTURES="$work/fixtures" "$sc" explain "NotAllowedError: Operation failed." >out 2>err
check "personas unreadable: still a match" 0 $?
contains "personas unreadable: said why" err "personas"

[ "$failures" -eq 0 ] || { echo "$failures failure(s)"; exit 1; }
