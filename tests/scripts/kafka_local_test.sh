#!/usr/bin/env bash
# Lifecycle specification of scripts/kafka-local: start/stop/status/create-topic
# against real brokers on free ports and throwaway data dirs, with the default
# Kafka (or $KAFKA_VERSION), then the version choice: Kafka 3.9.1 on request,
# an upgrade to the default in place, no downgrade, unknown versions refused.
# Every broker this test starts is stopped, and the temp dir removed, however
# it exits.
set -euo pipefail
export LC_ALL=C

HERE=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)
ROOT=$(cd -- "$HERE/../.." && pwd -P)
K=$ROOT/scripts/kafka-local
TMP=$(mktemp -d "${TMPDIR:-/tmp}/kafka-local-test.XXXXXX")
D1=$TMP/broker-a
D2=$TMP/broker-b
D3=$TMP/broker-old
D4=$TMP/broker-new
STRAY_PID=
# The default Kafka (the first profile of kafka/pom.xml) and the old one kept.
NEWEST=$(sed -n 's|^ *<id>kafka-\([0-9][0-9.]*\)</id>.*|\1|p' "$ROOT/kafka/pom.xml" | head -n 1)
OLDEST=3.9.1

cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  "$K" stop --data-dir "$D1" >/dev/null 2>&1 || true
  "$K" stop --data-dir "$D2" >/dev/null 2>&1 || true
  "$K" stop --data-dir "$D3" >/dev/null 2>&1 || true
  "$K" stop --data-dir "$D4" >/dev/null 2>&1 || true
  [[ -z $STRAY_PID ]] || kill "$STRAY_PID" 2>/dev/null || true
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

pid_of() { cat -- "$1/kafka.pid"; }
# A zombie counts as ended: an exited broker is reparented to init, and a
# container's init may reap it late.
alive() {
  local stat
  stat=$(ps -o stat= -p "$1" 2>/dev/null) || return 1
  [[ $stat != Z* ]]
}
jvm_count() { pgrep -fc -- "kafka.Kafka $1/server.properties" || true; }
answers() { kcat -L -b "127.0.0.1:$1" -m 5 >/dev/null 2>&1; }
partitions_with_leader() {
  kcat -L -b "127.0.0.1:$1" -t "$2" -m 5 | grep -cE '^ +partition [0-9]+, leader 1,' || true
}

P1=$(free_port)
P2=$(free_port)
while ((P2 == P1)); do P2=$(free_port); done
TOPIC=lifecycle
MESSAGE="kafka-local test message $$ $RANDOM"

# --- usage -------------------------------------------------------------
run 0 "$K" --help
[[ $OUT == *Usage:* ]] || fail "--help prints usage"
run 2 "$K" start --no-such-flag
[[ $(wc -l <<<"$ERR") == 1 && -z $OUT ]] || fail "a bad flag gives a one-line error, got: $ERR"
run 2 "$K" start --port not-a-port
run 2 "$K" create-topic --port "$P1"
run 2 "$K" frobnicate
ok "bad usage exits 2 with a one-line error; --help prints usage"

# --- a never started data dir ------------------------------------------
run 3 "$K" status --data-dir "$D1"
[[ $OUT == stopped* ]] || fail "status of a fresh data dir says stopped, got: $OUT"
run 0 "$K" stop --data-dir "$D1"
ok "a never started broker is stopped (status 3) and stop is a no-op"

# --- start, relative data dir, idempotent start --------------------------
cd "$TMP"
timed "start (first, formats storage)" "$K" start --port "$P1" --data-dir broker-a
answers "$P1" || fail "start returns only once the broker answers metadata requests"
[[ -f $D1/kafka.pid && -f $D1/logs/server.log ]] || fail "a relative --data-dir resolves against the cwd"
PID1=$(pid_of "$D1")
ok "start brings up a broker answering on 127.0.0.1:$P1 (pid $PID1)"

run 0 "$K" start --port "$P1" --data-dir "$D1"
[[ $(pid_of "$D1") == "$PID1" ]] || fail "second start keeps pid $PID1, got $(pid_of "$D1")"
[[ $(jvm_count "$D1") == 1 ]] || fail "second start must not launch a second JVM ($(jvm_count "$D1") running)"
ok "starting a running broker is a no-op (same pid, one JVM)"

rm -- "$D1/kafka.pid"
run 0 "$K" status --data-dir "$D1"
[[ $OUT == *"pid $PID1"* ]] || fail "status finds the broker without its pid file, got: $OUT"
run 0 "$K" start --port "$P1" --data-dir "$D1"
[[ $(jvm_count "$D1") == 1 && $(pid_of "$D1") == "$PID1" ]] ||
  fail "start with a lost pid file must not launch a second JVM"
ok "a lost pid file neither hides the broker nor leads to a second one"

run 0 "$K" status --data-dir "$D1"
[[ $OUT == running* && $OUT == *"pid $PID1"* && $OUT == *"port $P1"* ]] ||
  fail "status names the pid and port, got: $OUT"
ok "status says running with pid and port"

# --- topics and messages -------------------------------------------------
timed "create-topic (new, 3 partitions)" "$K" create-topic --port "$P1" --topic "$TOPIC" --partitions 3
[[ $(partitions_with_leader "$P1" "$TOPIC") == 3 ]] ||
  fail "create-topic returns with all 3 partitions led"
timed "create-topic (existing)" "$K" create-topic --port "$P1" --topic "$TOPIC" --partitions 3
[[ $(partitions_with_leader "$P1" "$TOPIC") == 3 ]] || fail "create-topic twice keeps 3 partitions"
ok "create-topic is synchronous and idempotent (3 partitions with leaders)"

printf '%s\n' "$MESSAGE" | kcat -P -b "127.0.0.1:$P1" -t "$TOPIC" -p 1 ||
  fail "producing to $TOPIC"
consume() { timeout 30 kcat -C -b "127.0.0.1:$1" -t "$TOPIC" -p 1 -o beginning -c 1 -e -q; }
[[ $(consume "$P1") == "$MESSAGE" ]] || fail "the produced message is consumed back"
ok "a message round-trips through partition 1"

# One node must be enough for transactions and consumer groups (their
# internal topics need replication 1 and min ISR 1).
run 0 "$K" create-topic --port "$P1" --topic txn
printf 'committed %s\n' "$MESSAGE" |
  timeout 60 kcat -P -b "127.0.0.1:$P1" -t txn -X transactional.id=kafka-local-test 2>/dev/null ||
  fail "a transactional produce commits"
[[ $(timeout 30 kcat -C -b "127.0.0.1:$P1" -t txn -o beginning -c 1 -e -q \
  -X isolation.level=read_committed) == "committed $MESSAGE" ]] ||
  fail "a read_committed consumer sees the committed message"
[[ $(timeout 60 kcat -b "127.0.0.1:$P1" -G kafka-local-test txn -c 1 -q \
  -X auto.offset.reset=earliest 2>/dev/null) == "committed $MESSAGE" ]] ||
  fail "a consumer group member receives the message"
ok "transactions commit and consumer groups work on the single node"

# --- stop, restart keeps data ------------------------------------------------
timed "stop" "$K" stop --data-dir "$D1"
! alive "$PID1" || fail "stop ends the broker JVM $PID1"
[[ ! -e $D1/kafka.pid ]] || fail "stop removes the pid file"
run 3 "$K" status --data-dir "$D1"
[[ $OUT == stopped* ]] || fail "status after stop says stopped, got: $OUT"
run 0 "$K" stop --data-dir "$D1"
! answers "$P1" || fail "nothing answers on $P1 after stop"
ok "stop ends the broker; status says stopped (exit 3); stopping again is a no-op"

# A stale pid file pointing at a live, unrelated process must not fool
# start, status or stop, and that process must survive.
sleep 300 &
STRAY_PID=$!
echo "$STRAY_PID" >"$D1/kafka.pid"
run 3 "$K" status --data-dir "$D1"
timed "restart (existing data)" "$K" start --port "$P1" --data-dir "$D1"
PID1B=$(pid_of "$D1")
[[ $PID1B != "$STRAY_PID" ]] || fail "start replaces a stale pid file"
alive "$STRAY_PID" || fail "start must not touch the process a stale pid file names"
ok "a stale pid file is detected; restart launches a new broker (pid $PID1B)"

[[ $(partitions_with_leader "$P1" "$TOPIC") == 3 ]] || fail "the topic survives a restart"
[[ $(consume "$P1") == "$MESSAGE" ]] || fail "the message survives a restart"
ok "restart with the same data dir keeps the topic and the message"

run 0 "$K" stop --data-dir "$D1"
timed "start (second cycle)" "$K" start --port "$P1" --data-dir "$D1"
answers "$P1" || fail "the second cycle's broker answers"
timed "stop (second cycle)" "$K" stop --data-dir "$D1"
run 3 "$K" status --data-dir "$D1"
ok "a second start/stop cycle in a row is clean"

# --- two brokers side by side ----------------------------------------------
run 0 "$K" start --port "$P1" --data-dir "$D1"
run 1 "$K" start --port "$P1" --data-dir "$D2"
[[ $ERR == *"already in use"* ]] || fail "a taken port is refused clearly, got: $ERR"
[[ $(jvm_count "$D2") == 0 ]] || fail "no JVM is started on a taken port"
run 0 "$K" start --port "$P2" --data-dir "$D2"
answers "$P1" && answers "$P2" || fail "both brokers answer"
[[ $(cat "$D1/controller.port") != $(cat "$D2/controller.port") ]] ||
  fail "the two brokers use different controller ports"
ok "two brokers run at once on ports $P1 and $P2; a taken port is refused"

PID2=$(pid_of "$D2")
run 0 "$K" stop --data-dir "$D1"
run 3 "$K" status --data-dir "$D1"
run 0 "$K" status --data-dir "$D2"
[[ $OUT == *"pid $PID2"* ]] || fail "the other broker keeps running, got: $OUT"
answers "$P2" || fail "the other broker still answers on $P2"
run 0 "$K" create-topic --port "$P2" --topic other --partitions 2
[[ $(partitions_with_leader "$P2" other) == 2 ]] || fail "the other broker still works"
run 0 "$K" stop --data-dir "$D2"
ok "stopping one broker leaves the other running"

# --- Kafka versions ------------------------------------------------------------
# The version a broker runs, as it reports itself when it starts.
reported_versions() { sed -n 's/.*INFO Kafka version: \([^ ]*\) .*/\1/p' "$1/logs/server.log" | sort -u; }

run 2 "$K" start --port "$P1" --data-dir "$D3" --kafka-version 0.8.2
[[ $(wc -l <<<"$ERR") == 1 && $ERR == *"unknown Kafka version '0.8.2'"* && $ERR == *"$OLDEST"* && -z $OUT ]] ||
  fail "an unknown --kafka-version gives one line naming the known ones, got: $ERR"
run 2 env KAFKA_VERSION=9.9.9 "$K" start --port "$P1" --data-dir "$D3"
[[ $(wc -l <<<"$ERR") == 1 && $ERR == *"unknown Kafka version '9.9.9'"* && $ERR == *KAFKA_VERSION* ]] ||
  fail "an unknown \$KAFKA_VERSION gives one line, got: $ERR"
run 2 env KAFKA_VERSION=9.9.9 "$K" create-topic --port "$P1" --topic nope
[[ ! -e $D3 ]] || fail "an unknown version creates no data dir"
run 0 "$K" --help
[[ $OUT == *--kafka-version* && $OUT == *"$NEWEST"* && $OUT == *"$OLDEST"* ]] ||
  fail "--help documents --kafka-version and the known versions, got: $OUT"
ok "an unknown Kafka version (flag or environment) exits 2 with a one-line error"

timed "start Kafka $OLDEST (KAFKA_VERSION, fresh)" env KAFKA_VERSION=$OLDEST "$K" start --port "$P1" --data-dir "$D3"
[[ $OUT == *"Kafka $OLDEST"* ]] || fail "start names the version, got: $OUT"
[[ $(reported_versions "$D3") == "$OLDEST" ]] ||
  fail "the broker reports Kafka $OLDEST, got: $(reported_versions "$D3")"
answers "$P1" || fail "the Kafka $OLDEST broker answers"
run 0 "$K" status --data-dir "$D3"
[[ $OUT == *"Kafka $OLDEST"* ]] || fail "status names the version, got: $OUT"
run 0 env KAFKA_VERSION=$OLDEST "$K" create-topic --port "$P1" --topic old --partitions 2
printf 'on %s\n' "$OLDEST" | kcat -P -b "127.0.0.1:$P1" -t old -p 1 || fail "producing to Kafka $OLDEST"
[[ $(timeout 30 kcat -C -b "127.0.0.1:$P1" -t old -p 1 -o beginning -c 1 -e -q) == "on $OLDEST" ]] ||
  fail "consuming from Kafka $OLDEST"
run 0 "$K" start --port "$P1" --data-dir "$D3" --kafka-version "$OLDEST"
[[ $OUT == *"already running"* ]] || fail "starting the same version again is a no-op, got: $OUT"
run 1 "$K" start --port "$P1" --data-dir "$D3" --kafka-version "$NEWEST"
[[ $ERR == *"already running Kafka $OLDEST"* ]] || fail "another version of a running broker is refused, got: $ERR"
run 0 "$K" stop --data-dir "$D3"
ok "KAFKA_VERSION=$OLDEST starts a broker that reports Kafka $OLDEST"

timed "start Kafka $NEWEST (--kafka-version, on $OLDEST's data)" \
  env KAFKA_VERSION=$OLDEST "$K" start --port "$P1" --data-dir "$D3" --kafka-version "$NEWEST"
[[ $(reported_versions "$D3") == *"$NEWEST"* ]] || fail "the flag wins over \$KAFKA_VERSION"
[[ $(partitions_with_leader "$P1" old) == 2 &&
  $(timeout 30 kcat -C -b "127.0.0.1:$P1" -t old -p 1 -o beginning -c 1 -e -q) == "on $OLDEST" ]] ||
  fail "Kafka $NEWEST serves the topic and the message that Kafka $OLDEST wrote"
run 0 "$K" stop --data-dir "$D3"
ok "--kafka-version $NEWEST upgrades a Kafka $OLDEST data dir in place"

run 0 "$K" start --port "$P2" --data-dir "$D4" --kafka-version "$NEWEST"
run 0 "$K" stop --data-dir "$D4"
run 1 "$K" start --port "$P2" --data-dir "$D4" --kafka-version "$OLDEST"
[[ $ERR == *"formatted by Kafka $NEWEST"* ]] || fail "an older Kafka refuses a newer one's data dir, got: $ERR"
[[ $(jvm_count "$D4") == 0 ]] || fail "no JVM is started for a data dir it cannot read"
ok "Kafka $OLDEST refuses a data dir that Kafka $NEWEST formatted, clearly"

echo "timings: ${TIMES[*]/%/,}"
