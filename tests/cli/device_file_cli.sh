#!/bin/sh
# What a device file path may be, and what may be written beside it: a path where a FIFO, a
# directory or a link to a device is refused (exit 2, "not a regular file", --force or not) and
# left as it was; a symbolic link to a device file is written through, the link kept; loading a
# FIFO fails at once instead of waiting for a writer; an event log that is the device file (or
# its lock or temporary) is refused before anything is written; `device set` refuses a persona
# or default browser the phone could not open with, the file left byte for byte.
authn=$1
. "$(dirname "$0")/lib.sh"
origin=https://example.org

cat >get.json <<'J'
{"challenge":"ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8","rpId":"example.org","userVerification":"required"}
J
# is NAME TEST PATH: `test TEST PATH` holds (the kind of what is at PATH).
is() { if test "$2" "$3"; then ok "$1"; else fail "$1: $3 is not $2"; fi; }
# quick NAME STATUS COMMAND...: as exits, the command stopped after 10 s (a hang is a failure).
quick() { _n=$1 _w=$2; shift 2; timeout 10 "$@" >out 2>err; check "$_n" "$_w" $?; }

# ---- not a regular file ----
mkfifo fifo.json
mkdir dir.json
ln -s /dev/null null.json
ln -s missing.json dangling.json
for f in fifo.json dir.json null.json; do
	exits "device new refuses $f" 2 "$authn" device new --persona android-chrome $f
	contains "... saying so" err "$f: not a regular file"
	exits "device new --force refuses $f" 2 "$authn" device new --force --persona android-chrome $f
	contains "... saying so" err "$f: not a regular file"
done
is "the FIFO is still a FIFO" -p fifo.json
is "the directory is still a directory" -d dir.json
is "the link to /dev/null is still a link" -L null.json
is "/dev/null is still a character device" -c /dev/null
exits "device new --force refuses a link to nothing" 2 \
	"$authn" device new --force --persona android-chrome dangling.json
contains "... saying so" err "dangling.json: a symbolic link to a file that does not exist"
check "no lock file made beside them" "" "$(ls ./*.lock 2>/dev/null)"

quick "device show of a FIFO fails at once" 2 "$authn" device show fifo.json
contains "... saying so" err "fifo.json: not a regular file"
quick "device set of a FIFO fails at once" 2 "$authn" device set fifo.json presence=decline
quick "device export of a FIFO fails at once" 2 "$authn" device export fifo.json
quick "get with a FIFO as device fails at once" 2 \
	"$authn" get --device fifo.json --options get.json --origin $origin
contains "... saying so" err "fifo.json: not a regular file"
quick "options of a FIFO fails at once" 2 "$authn" options fifo.json
contains "... saying so" err "fifo.json: not a regular file"

# ---- a symbolic link to a device file is written through ----
exits "device new" 0 "$authn" device new --persona android-chrome real.json
ln -s real.json link.json
exits "device set through a link" 0 "$authn" device set link.json presence=decline
is "the link is still a link" -L link.json
contains "the file it leads to changed" real.json '"presence": "decline"'
check "nothing left beside them" "link.json real.json" "$(echo $(ls link.json* real.json*))"
exits "device new --force through a link" 0 "$authn" device new --force --persona ios17-safari link.json
is "... keeps the link" -L link.json
contains "... and replaces the file it leads to" real.json '"persona": "ios17-safari"'

# ---- the event log is not the device file ----
exits "device new" 0 "$authn" device new --persona android-chrome p6.json
cp p6.json before.json
ln -s p6.json p6link.json
ln p6.json p6hard.json
for log in p6.json ./p6.json p6link.json p6hard.json p6.json.lock p6.json.tmpAb3dE6; do
	exits "get --event-log $log refused" 2 "$authn" get --device p6.json --options get.json \
		--origin $origin --event-log $log
	contains "... naming it" err "event log $log: is the device file, its lock or one of its temporaries"
done
exits "the same through the device's link" 2 "$authn" get --device p6link.json --options get.json \
	--origin $origin --event-log p6.json
exits "login --event-log of the device file refused" 2 "$authn" login --device p6.json \
	--url http://127.0.0.1:9/ --username u --event-log p6.json
same "the device file untouched" p6.json before.json
check "no temporary made" "" "$(ls p6.json.tmp* 2>/dev/null)"
exits "another event log is written" 1 "$authn" get --device p6.json --options get.json \
	--origin $origin --event-log events.log
contains "... with the events" events.log '"event":"exception"'
same "... and the device file untouched by the failed get" p6.json before.json

# ---- device set checks persona and default_browser as opening the phone does ----
while IFS='|' read -r pair why; do
	exits "device set $pair refused" 2 "$authn" device set p6.json presence=decline "$pair"
	contains "... saying why" err "setting $pair: $why"
	same "... the file unchanged" p6.json before.json
done <<'T'
persona=nope|no persona "nope"
persona=../../../etc/passwd|"../../../etc/passwd" is not a persona name
default_browser=nope|no persona "nope"
default_browser=ios17-safari|a browser of another OS family than the phone's
T
exits "persona to another OS family with its browser left behind refused" 2 \
	"$authn" device set p6.json persona=ios17-safari
contains "... naming the browser" err "setting default_browser=android-chrome: a browser of another OS family"
exits "remedy set-default-browser refuses the same" 2 \
	"$authn" remedy p6.json set-default-browser nope
exits "device set default_browser of the phone's family" 0 \
	"$authn" device set p6.json default_browser=android-chrome-old
exits "the phone still opens" 1 "$authn" get --device p6.json --options get.json --origin $origin
contains "... as the browser it names" err "NotAllowedError"

finish
