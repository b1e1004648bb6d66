#!/usr/bin/env bash
# Lifecycle specification of scripts/s3-local on a free port and a throwaway
# data dir: start (building versitygw first if .deps/ has none), start again
# is a no-op, status, D/s3.env as the whole client setup, create-bucket twice,
# a conditional create (PUT If-None-Match: *) that succeeds once and then
# answers 412, stop, status stopped (exit 3), and a restart that keeps the
# object. The server this test starts is stopped, and the temp dir removed,
# however it exits.
set -euo pipefail
export LC_ALL=C

HERE=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)
ROOT=$(cd -- "$HERE/../.." && pwd -P)
S=$ROOT/scripts/s3-local
TMP=$(mktemp -d "${TMPDIR:-/tmp}/s3-local-test.XXXXXX")
D=$TMP/s3
D2=$TMP/s3-other

cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  "$S" stop --data-dir "$D" >/dev/null 2>&1 || true
  "$S" stop --data-dir "$D2" >/dev/null 2>&1 || true
  rm -rf -- "$TMP"
  if ((rc == 0)); then echo "PASS"; else echo "FAIL (exit $rc)"; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

fail() { echo "not ok - $*" >&2; exit 1; }
ok() { echo "ok - $*"; }

# run <expected exit> <cmd...>: runs cmd, keeping stdout in OUT and stderr in
# ERR, and fails the test unless it exits with the expected status.
run() {
  local want=$1 rc=0
  shift
  OUT=$("$@" 2>"$TMP/stderr") || rc=$?
  ERR=$(<"$TMP/stderr")
  ((rc == want)) || fail "'$*' exited $rc, want $want; stdout: $OUT; stderr: $ERR"
}

# timed <label> <cmd...>: like run 0, and records the wall time.
timed() {
  local label=$1 t0
  shift
  t0=$EPOCHREALTIME
  run 0 "$@"
  TIMES+=("$label $(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.2f", b - a }')s")
}
TIMES=()

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

pid_of() { cat -- "$D/s3-local.pid"; }
alive() {
  local stat
  stat=$(ps -o stat= -p "$1" 2>/dev/null) || return 1
  [[ $stat != Z* ]]
}
server_count() { pgrep -fc -- "versitygw .*posix .*$1/data" || true; }
listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# s3 <method> <bucket/key> [curl args...]: a SigV4-signed request with the
# settings of s3.env (which must be sourced); the body goes to $TMP/body and
# the HTTP status to stdout.
s3() {
  local method=$1 path=$2
  shift 2
  curl -sS --max-time 10 -X "$method" -o "$TMP/body" -w '%{http_code}' \
    --aws-sigv4 "aws:amz:$AWS_REGION:s3" --user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY" \
    -H 'x-amz-content-sha256: UNSIGNED-PAYLOAD' "$@" "$AWS_ENDPOINT_URL/$path"
}

P=$(free_port)
BUCKET=s3-local-test
KEY="dir/conditional-$$.json"
FIRST="first body $$ $RANDOM"
SECOND="second body $$ $RANDOM"

# --- usage -------------------------------------------------------------
run 0 "$S" --help
[[ $OUT == *Usage:* && $OUT == *"--port 9000"* && $OUT == *s3.env* ]] ||
  fail "--help prints usage naming the default port 9000 and s3.env, got: $OUT"
run 2 "$S" start --no-such-flag
[[ $(wc -l <<<"$ERR") == 1 && -z $OUT ]] || fail "a bad flag gives a one-line error, got: $ERR"
run 2 "$S" create-bucket --data-dir "$D"
[[ $(wc -l <<<"$ERR") == 1 ]] || fail "create-bucket without --bucket gives a one-line error, got: $ERR"
run 2 "$S" frobnicate
ok "bad usage exits 2 with a one-line error; --help names port 9000 and s3.env"

# --- a never started data dir ------------------------------------------
run 3 "$S" status --data-dir "$D"
[[ $OUT == stopped* ]] || fail "status of a fresh data dir says stopped, got: $OUT"
run 1 "$S" create-bucket --data-dir "$D" --bucket "$BUCKET"
[[ $(wc -l <<<"$ERR") == 1 && $ERR == "s3-local: error: "* ]] ||
  fail "create-bucket without a server fails with one error line, got: $ERR"
ok "a never started server is stopped (exit 3); create-bucket on it fails with one error line"

# --- start, start again ---------------------------------------------------
# The first start may build versitygw (minutes); later ones take a second.
timed "start (first)" "$S" start --port "$P" --data-dir "$D"
listening "$P" || fail "start returns only once the server listens on 127.0.0.1:$P"
[[ -f $D/s3-local.pid ]] || fail "start writes $D/s3-local.pid"
PID=$(pid_of)
alive "$PID" || fail "the server (pid $PID) is alive after start"
[[ $(server_count "$D") == 1 ]] || fail "one versitygw serves $D, found $(server_count "$D")"
ok "start brings up versitygw on 127.0.0.1:$P (pid $PID)"

timed "start (running)" "$S" start --port "$P" --data-dir "$D"
[[ $OUT == *"already running"* ]] || fail "a second start says already running, got: $OUT"
[[ $(pid_of) == "$PID" ]] || fail "a second start keeps pid $PID, got $(pid_of)"
[[ $(server_count "$D") == 1 ]] || fail "a second start must not launch another server ($(server_count "$D") running)"
run 0 "$S" start --data-dir "$D"
[[ $OUT == *"already running"* && $(pid_of) == "$PID" ]] ||
  fail "start without --port on a running data dir is a no-op too, got: $OUT"
ok "starting a running server is a no-op (same pid, one process)"

run 0 "$S" status --data-dir "$D"
[[ $OUT == running* && $OUT == *"pid $PID"* && $OUT == *"127.0.0.1:$P"* ]] ||
  fail "status says running with pid and endpoint, got: $OUT"
ok "status says running (exit 0) with pid $PID and port $P"

# A taken port: one error line, exit 1, no server for the other data dir.
run 1 "$S" start --port "$P" --data-dir "$D2"
[[ $(wc -l <<<"$ERR") == 1 && $ERR == "s3-local: error: "* && $ERR == *"already in use"* ]] ||
  fail "a taken port fails with one clear error line, got: $ERR"
[[ $(server_count "$D2") == 0 ]] || fail "no server is started on a taken port"
ok "a taken port fails with one error line and exit 1"

# --- s3.env ----------------------------------------------------------------
[[ -f $D/s3.env ]] || fail "start writes $D/s3.env"
# Sourcing it must be all a client needs: the variables reach a child process.
CHILD=$(env -i PATH="$PATH" bash -c 'source "$1" && env' _ "$D/s3.env") ||
  fail "sourcing $D/s3.env in a clean shell"
for v in AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_REGION; do
  grep -qE "^$v=.+" <<<"$CHILD" || fail "source $D/s3.env exports $v to child processes"
done
grep -qx "AWS_ENDPOINT_URL=http://127.0.0.1:$P" <<<"$CHILD" ||
  fail "s3.env exports AWS_ENDPOINT_URL=http://127.0.0.1:$P, got: $(grep AWS_ENDPOINT_URL= <<<"$CHILD")"
unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_REGION AWS_ENDPOINT_URL
# shellcheck disable=SC1091
source "$D/s3.env"
ok "source $D/s3.env exports AWS_ENDPOINT_URL=$AWS_ENDPOINT_URL, the keys and AWS_REGION=$AWS_REGION"

# --- buckets -----------------------------------------------------------------
timed "create-bucket (new)" "$S" create-bucket --data-dir "$D" --bucket "$BUCKET"
[[ $OUT == *created* ]] || fail "create-bucket creates it, got: $OUT"
[[ $(s3 HEAD "$BUCKET" -I) == 200 ]] || fail "the new bucket answers HEAD with 200"
timed "create-bucket (existing)" "$S" create-bucket --data-dir "$D" --bucket "$BUCKET"
[[ $OUT == *"already exists"* ]] || fail "create-bucket twice says it exists, got: $OUT"
ok "create-bucket creates the bucket, and is a no-op the second time"

# --- conditional create ----------------------------------------------------------
[[ $(s3 GET "$BUCKET/$KEY") == 404 ]] || fail "the key does not exist before the first PUT"
printf '%s' "$FIRST" >"$TMP/first"
printf '%s' "$SECOND" >"$TMP/second"
STATUS=$(s3 PUT "$BUCKET/$KEY" -H 'If-None-Match: *' --data-binary "@$TMP/first") || fail "curl PUT (first)"
[[ $STATUS == 200 ]] || fail "PUT If-None-Match: * of a new key gives 200, got $STATUS: $(<"$TMP/body")"
STATUS=$(s3 PUT "$BUCKET/$KEY" -H 'If-None-Match: *' --data-binary "@$TMP/second") || fail "curl PUT (second)"
[[ $STATUS == 412 ]] || fail "PUT If-None-Match: * of an existing key gives 412, got $STATUS: $(<"$TMP/body")"
grep -q PreconditionFailed "$TMP/body" || fail "the 412 carries PreconditionFailed, got: $(<"$TMP/body")"
STATUS=$(s3 GET "$BUCKET/$KEY") || fail "curl GET"
[[ $STATUS == 200 && $(<"$TMP/body") == "$FIRST" ]] ||
  fail "GET returns the first body, got $STATUS: $(<"$TMP/body")"
ok "PUT If-None-Match: * gives 200, then 412; GET returns the first body"

# --- stop, status, restart keeps the object ----------------------------------------
timed "stop" "$S" stop --data-dir "$D"
! alive "$PID" || fail "stop ends the server (pid $PID)"
[[ ! -e $D/s3-local.pid ]] || fail "stop removes the pid file"
! listening "$P" || fail "nothing listens on $P after stop"
run 3 "$S" status --data-dir "$D"
[[ $OUT == stopped* ]] || fail "status after stop says stopped, got: $OUT"
run 0 "$S" stop --data-dir "$D"
ok "stop ends the server; status says stopped (exit 3); stopping again is a no-op"

timed "start (existing data)" "$S" start --port "$P" --data-dir "$D"
PID2=$(pid_of)
[[ $PID2 != "$PID" ]] && alive "$PID2" || fail "start after stop launches a new server"
STATUS=$(s3 GET "$BUCKET/$KEY") || fail "curl GET after restart"
[[ $STATUS == 200 && $(<"$TMP/body") == "$FIRST" ]] ||
  fail "the object survives stop and start, got $STATUS: $(<"$TMP/body")"
STATUS=$(s3 PUT "$BUCKET/$KEY" -H 'If-None-Match: *' --data-binary "@$TMP/second") || fail "curl PUT after restart"
[[ $STATUS == 412 ]] || fail "after a restart the key still exists for If-None-Match: *, got $STATUS"
run 0 "$S" stop --data-dir "$D"
ok "start again keeps the bucket and the object (pid $PID2)"

echo "timings: ${TIMES[*]/%/,}"
