#!/bin/sh
# kagura-scenarios explain: HTTP statuses by code or phrase, a weak report told apart from a
# match, the manual's sample values never outweighing its message, and which browsers show a
# browser's exception text.
sc=$1
src=$2
. "$(dirname "$0")/lib.sh"
# The first match explain presents ("MANUAL ENTRY"), and what it says of the personas.
first() { sed -n 's/^manual \([0-9.]*\) entry \([0-9.]*\) .*/\1 \2/p' out | head -n 1; }
personas() { grep -e '^shown by:' -e '^no persona' out | sort -u; }
# explain ARGS...: kagura-scenarios explain, its output in out and err, its exit status in $rc.
explain() {
	"$sc" explain "$@" >out 2>err
	rc=$?
}

# HTTP statuses: a code alone or with words, or the reason phrase, finds the status's pages.
for report in "403" "HTTP 403" "HTTP/1.1 403"; do
	explain "$report"
	check "$report: a match" 0 $rc
	contains "$report: 403 Forbidden (2.16)" out "manual 2.16 entry 2.10 "
	contains "$report: the front server's Forbidden page" out "manual 2.16 entry 3.17 "
	contains "$report: 403 Forbidden (1.04)" out "manual 1.04 entry 2.11 "
	lacks "$report: not 405" out "entry 2.20 "
done
explain "error 405"
check "error 405: a match" 0 $rc
contains "error 405: 405 Method Not Allowed (2.16)" out "manual 2.16 entry 2.20 "
contains "error 405: HTTP ステータス 405 (1.04)" out "manual 1.04 entry 2.10 "
lacks "error 405: not 403" out "403 Forbidden"
explain "401"
check "401: a match" 0 $rc
contains "401: the proxy's Unauthorized (2.16)" out "manual 2.16 entry 3.10 "
contains "401: the proxy's Unauthorized (1.04)" out "manual 1.04 entry 3.9 "
explain "405 Method Not Allowed"
check "405 Method Not Allowed: its page first" "2.16 2.20" "$(first)"
contains "405 Method Not Allowed: the 1.04 page" out "manual 1.04 entry 2.10 "
explain "Forbidden"
check "Forbidden: its page first" "2.16 3.17" "$(first)"
contains "Forbidden: 403 Forbidden too" out "manual 2.16 entry 2.10 "
# A status code's digits inside an ID or a longer number are not the status.
for report in "TESTC40312" "ID 4031"; do
	explain "$report"
	check "$report: no match" 1 $rc
	lacks "$report: no 403 page" out "entry 2.10 "
done

# A weak report: the closest entries, not presented as matches; nothing at all: said so.
explain --manual 2.16 "エラーが発生しました"
check "weak report: exit 1" 1 $rc
contains "weak report: said so" out "no confident match; closest:"
contains "weak report: closest named" out "manual 2.16 entry 3.9: デバイス認証でエラーが発生しました。"
contains "weak report: all of them" out "manual 2.16 entry 3.19: HPKI(JPKI)認証でエラーが発生しました。"
contains "weak report: how to reproduce it" out "run --manual 2.16 3.9"
lacks "weak report: no match presented" out "— match"
explain "NotAllowedError"
check "an exception's name alone: weak" 1 $rc
contains "an exception's name alone: said so" out "no confident match; closest:"
explain "デバイス認証でエラーが発生しました"
check "the whole message: a match" 0 $rc
check "the whole message: its entry" "2.16 3.9" "$(first)"
explain "zzzz qqqq"
check "nothing alike: exit 1" 1 $rc
contains "nothing alike: said so" out "no entry of the manual matches that text"

# The manual's sample values: another user's ID or host still quotes the message ...
explain "すでにこのセッションで異なるユーザーTESTC12345として認証されています。"
check "another user's ID: a match" 0 $rc
check "another user's ID: its entry first" "2.16 2.18" "$(first)"
contains "another user's ID: a full match" out "— match 1.00"
explain "すでにこのセッションで異なるユーザー testc12345 として認証されてます"
check "another ID, misremembered: its entry first" "2.16 2.18" "$(first)"
explain "kagura.example.jp でセキュリティキーを使用する"
check "another host: its entry first" "2.16 2.11" "$(first)"
# ... and a sample alone names nothing.
for report in "TESTC30383" "testc30382" "xxxxxxx" "mahpki-auth.2nds.medis.or.jp" \
	"2024/4/24 14:20:46 MA-T-T"; do
	explain "$report"
	check "sample $report alone: not a match" 1 $rc
	lacks "sample $report alone: nothing presented" out "— match"
done
# An error code is no sample: it names its entry.
explain "JPKIHREGERR003"
check "error code: a match" 0 $rc
check "error code: its entry" "2.16 3.14" "$(first)"

# A browser's exception: which personas show exactly that text.
explain "NotAllowedError: The operation either timed out or was not allowed."
check "Chrome's NotAllowedError: a match" 0 $rc
check "Chrome's NotAllowedError: its entry" "2.16 2.8" "$(first)"
check "Chrome's NotAllowedError: the Chromium personas, no Safari" \
	"shown by: android-chrome, android-chrome-old, android-chrome-without-screen-lock, android-chromium-unprivileged, desktop-chrome, desktop-edge" \
	"$(personas)"
explain "NotAllowedError: This request has been cancelled by the user."
check "Safari's NotAllowedError: its entry (1.04)" "1.04 2.3" "$(first)"
check "Safari's NotAllowedError: the Safari personas, no Chrome" \
	"shown by: ios17-safari, ios18-safari" "$(personas)"
explain "Safari said NotAllowedError: Operation failed. on my iPhone"
check "quoted inside a sentence: the Safari personas" "shown by: ios17-safari, ios18-safari" \
	"$(personas)"
explain "NotReadableError: An unknown error occured while talking to the credential manager."
check "old Chromium's spelling: that persona only" "shown by: android-chrome-old" "$(personas)"
explain "NotAllowedError: operation was not allowed"
check "no browser's text: said so" "no persona shows this exact text" "$(personas)"
explain "403"
check "not a browser's exception: no persona line" "" "$(personas)"
# Personas that cannot be read: said on stderr, the match still shown.
mkdir fixtures
ln -s "$src/fixtures/manual" fixtures/manual
KAGURA_FIXTURES="$work/fixtures" "$sc" explain "NotAllowedError: Operation failed." >out 2>err
check "personas unreadable: still a match" 0 $?
contains "personas unreadable: said why" err "personas"

finish
