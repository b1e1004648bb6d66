#!/usr/bin/env bash
# Specification of `scripts/kafka-local start --sasl-ssl-port`: a SASL_SSL
# listener (SCRAM-SHA-512 over TLS, local CA) beside the PLAINTEXT one, on a
# fresh data dir and on one formatted without it; secrets stay private and out
# of the broker's logs. Every broker is stopped and the temp dir removed
# however the test exits.
set -euo pipefail
export LC_ALL=C

HERE=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)
K=$HERE/../../scripts/kafka-local
TMP=$(mktemp -d "${TMPDIR:-/tmp}/kafka-local-sasl-test.XXXXXX")
FRESH=$TMP/fresh
OLD=$TMP/formatted-without-sasl

cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  "$K" stop --data-dir "$FRESH" >/dev/null 2>&1 || true
  "$K" stop --data-dir "$OLD" >/dev/null 2>&1 || true
  rm -rf -- "$TMP"
  if ((rc == 0)); then echo "PASS"; else echo "FAIL (exit $rc)"; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

fail() { echo "not ok - $*" >&2; exit 1; }
ok() { echo "ok - $*"; }

# run <expected exit> <cmd...>: stdout in OUT, stderr in ERR.
run() {
  local want=$1 rc=0
  shift
  OUT=$("$@" 2>"$TMP/stderr") || rc=$?
  ERR=$(<"$TMP/stderr")
  ((rc == want)) || fail "'$*' exited $rc, want $want; stdout: $OUT; stderr: $ERR"
}
TIMES=()
timed() {
  local label=$1 t0
  shift
  t0=$EPOCHREALTIME
  run 0 "$@"
  TIMES+=("$label $(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.2f", b - a }')s")
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
distinct_ports() {
  local -A seen=()
  local p
  PORTS=()
  while ((${#PORTS[@]} < $1)); do
    p=$(free_port)
    [[ -n ${seen[$p]:-} ]] && continue
    seen[$p]=1
    PORTS+=("$p")
  done
}
mode_of() { stat -c %a -- "$1"; }
toml_value() { sed -n "s/^\"$2\" = \"\\(.*\\)\"\$/\\1/p" "$1"; }
# Metadata through the SASL_SSL listener with the data dir's client settings;
# extra -X flags override them.
sasl_metadata() {
  local dir=$1 port=$2
  shift 2
  kcat -L -F "$dir/client-sasl.properties" -b "127.0.0.1:$port" -m 5 "$@" 2>&1
}

distinct_ports 5
P1=${PORTS[0]} Q1=${PORTS[1]} P2=${PORTS[2]} Q2=${PORTS[3]} Q3=${PORTS[4]}

# --- usage -------------------------------------------------------------
run 2 "$K" start --port "$P1" --sasl-ssl-port "$P1" --data-dir "$FRESH"
[[ $ERR == *"must differ"* && $(wc -l <<<"$ERR") == 1 ]] || fail "same port twice is refused, got: $ERR"
run 2 "$K" start --sasl-ssl-port nope
run 2 "$K" stop --sasl-ssl-port "$Q1"
run 0 "$K" --help
[[ $OUT == *--sasl-ssl-port* ]] || fail "--help documents --sasl-ssl-port"
ok "bad --sasl-ssl-port usage exits 2; --help documents it"

# --- a fresh data dir ------------------------------------------------------
timed "start with SASL_SSL (fresh: CA, certificate, format with SCRAM user)" \
  "$K" start --port "$P1" --sasl-ssl-port "$Q1" --data-dir "$FRESH"
[[ $OUT == *"SASL_SSL port $Q1"* && $OUT == *"$FRESH/client-sasl.toml"* ]] ||
  fail "start names the SASL_SSL port and the client config, got: $OUT"
PASSWORD=$(<"$FRESH/sasl/password")
((${#PASSWORD} >= 24)) || fail "the generated password is long (got ${#PASSWORD} chars)"
[[ $(toml_value "$FRESH/client-sasl.toml" sasl.password) == "$PASSWORD" ]] ||
  fail "client-sasl.toml holds the password"
[[ $(toml_value "$FRESH/client-sasl.toml" security.protocol) == SASL_SSL &&
  $(toml_value "$FRESH/client-sasl.toml" sasl.mechanisms) == SCRAM-SHA-512 &&
  $(toml_value "$FRESH/client-sasl.toml" sasl.username) == reprocessor ]] ||
  fail "client-sasl.toml sets SASL_SSL, SCRAM-SHA-512 and the user: $(sed '/password/d' "$FRESH/client-sasl.toml")"
grep -qx "brokers = \"127.0.0.1:$Q1\"" "$FRESH/client-sasl.toml" || fail "client-sasl.toml points at the SASL_SSL port"
CA=$(toml_value "$FRESH/client-sasl.toml" ssl.ca.location)
openssl verify -CAfile "$CA" "$FRESH/tls/broker.pem" >/dev/null || fail "the broker certificate is signed by the CA"
openssl x509 -in "$FRESH/tls/broker.pem" -noout -ext subjectAltName | grep -q 'IP Address:127.0.0.1' ||
  fail "the broker certificate names 127.0.0.1"
ok "a fresh data dir gets a CA, a broker certificate for 127.0.0.1, a password and client configs"

for f in sasl/password client-sasl.toml client-sasl.properties tls/ca.key tls/broker.key tls/broker.p12 \
  tls/keystore.password server.properties; do
  [[ $(mode_of "$FRESH/$f") == 600 ]] || fail "$f is private (mode $(mode_of "$FRESH/$f"), want 600)"
done
[[ $(mode_of "$FRESH/tls") == 700 && $(mode_of "$FRESH/sasl") == 700 ]] || fail "tls/ and sasl/ are private"
ok "secrets and the files holding them are mode 0600 (dirs 0700)"

OUT=$(sasl_metadata "$FRESH" "$Q1") || fail "metadata over SASL_SSL: $OUT"
[[ $OUT == *"broker 1 at 127.0.0.1:$Q1"* ]] || fail "the broker advertises the SASL_SSL port to SASL_SSL clients: $OUT"
kcat -L -b "127.0.0.1:$P1" -m 5 | grep -q "broker 1 at 127.0.0.1:$P1" || fail "PLAINTEXT still answers on $P1"
run 0 "$K" create-topic --port "$P1" --topic secure --partitions 2
MESSAGE="over SASL_SSL $$ $RANDOM"
printf '%s\n' "$MESSAGE" | kcat -P -F "$FRESH/client-sasl.properties" -t secure -p 1 2>/dev/null ||
  fail "producing over SASL_SSL"
[[ $(timeout 30 kcat -C -F "$FRESH/client-sasl.properties" -t secure -p 1 -o beginning -c 1 -e -q 2>/dev/null) == \
  "$MESSAGE" ]] || fail "consuming over SASL_SSL returns the message"
ok "clients with client-sasl.properties produce and consume over SASL_SSL; PLAINTEXT stays for admin"

if OUT=$(sasl_metadata "$FRESH" "$Q1" -X sasl.password=wrong-password); then fail "a wrong password is refused: $OUT"; fi
[[ $OUT == *"Authentication failed"* ]] || fail "a wrong password fails authentication, got: $OUT"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj "/CN=another CA" \
  -keyout "$TMP/other-ca.key" -out "$TMP/other-ca.pem" 2>/dev/null
if OUT=$(sasl_metadata "$FRESH" "$Q1" -X "ssl.ca.location=$TMP/other-ca.pem"); then
  fail "a client that does not trust the local CA is refused: $OUT"
fi
if OUT=$(timeout 30 kcat -L -b "127.0.0.1:$Q1" -m 3 2>&1); then fail "a PLAINTEXT client is refused: $OUT"; fi
ok "a wrong password, an untrusted CA and a PLAINTEXT client are all refused on the SASL_SSL port"

run 0 "$K" status --data-dir "$FRESH"
[[ $OUT == *"port $P1, SASL_SSL port $Q1"* ]] || fail "status shows the SASL_SSL port, got: $OUT"
PID=$(<"$FRESH/kafka.pid")
run 0 "$K" start --port "$P1" --sasl-ssl-port "$Q1" --data-dir "$FRESH"
[[ $(<"$FRESH/kafka.pid") == "$PID" && $OUT == *"already running"* ]] || fail "starting again is a no-op, got: $OUT"
run 1 "$K" start --port "$P1" --sasl-ssl-port "$Q2" --data-dir "$FRESH"
[[ $ERR == *"SASL_SSL port $Q1"* ]] || fail "another SASL_SSL port for a running broker is refused, got: $ERR"
ok "status shows the SASL_SSL port; start again is a no-op; another SASL_SSL port is refused"

CA_BEFORE=$(sha256sum <"$CA")
run 0 "$K" stop --data-dir "$FRESH"
timed "restart with SASL_SSL (existing data dir)" "$K" start --port "$P1" --sasl-ssl-port "$Q1" --data-dir "$FRESH"
[[ $(<"$FRESH/sasl/password") == "$PASSWORD" && $(sha256sum <"$CA") == "$CA_BEFORE" ]] ||
  fail "a restart keeps the password and the CA"
[[ $(timeout 30 kcat -C -F "$FRESH/client-sasl.properties" -t secure -p 1 -o beginning -c 1 -e -q 2>/dev/null) == \
  "$MESSAGE" ]] || fail "after a restart the same client settings still work"
ok "a restart keeps the CA, the password and the data"

for f in "$FRESH"/logs/*; do
  ! grep -qF -- "$PASSWORD" "$f" || fail "the password appears in $f"
  ! grep -qF -- "$(<"$FRESH/tls/keystore.password")" "$f" || fail "the keystore password appears in $f"
done
ok "neither the SCRAM password nor the keystore password appears in the broker's logs"
run 0 "$K" stop --data-dir "$FRESH"

# --- a data dir formatted without SASL -------------------------------------
run 0 "$K" start --port "$P2" --data-dir "$OLD"
run 1 "$K" start --port "$P2" --sasl-ssl-port "$Q2" --data-dir "$OLD"
[[ $ERR == *"without a SASL_SSL listener"* ]] || fail "adding SASL_SSL to a running broker asks for a stop, got: $ERR"
run 0 "$K" stop --data-dir "$OLD"
timed "start with SASL_SSL (data dir formatted without; adds the SCRAM user)" \
  "$K" start --port "$P2" --sasl-ssl-port "$Q3" --data-dir "$OLD"
OUT=$(sasl_metadata "$OLD" "$Q3") || fail "metadata over SASL_SSL on the upgraded data dir: $OUT"
[[ $OUT == *"broker 1 at 127.0.0.1:$Q3"* ]] || fail "the upgraded broker answers SASL_SSL clients: $OUT"
[[ ! -e $OLD/sasl/add-config.properties ]] || fail "the credential file for the admin tool is removed"
OLD_PASSWORD=$(<"$OLD/sasl/password")
[[ $OLD_PASSWORD != "$PASSWORD" ]] || fail "every data dir gets its own password"
ok "a data dir formatted without SASL gets the SCRAM user added through PLAINTEXT"

# A lost password file means a new password, and the broker learns it.
rm -- "$OLD/sasl/password"
run 0 "$K" stop --data-dir "$OLD"
run 0 "$K" start --port "$P2" --sasl-ssl-port "$Q3" --data-dir "$OLD"
[[ $(<"$OLD/sasl/password") != "$OLD_PASSWORD" ]] || fail "a deleted password file gets a new password"
OUT=$(sasl_metadata "$OLD" "$Q3") || fail "the new password works: $OUT"
if OUT=$(sasl_metadata "$OLD" "$Q3" -X "sasl.password=$OLD_PASSWORD"); then fail "the old password no longer works"; fi
ok "deleting the password file rotates the password"

# Without --sasl-ssl-port the broker runs PLAINTEXT only again.
run 0 "$K" stop --data-dir "$OLD"
run 0 "$K" start --port "$P2" --data-dir "$OLD"
run 0 "$K" status --data-dir "$OLD"
[[ $OUT != *SASL_SSL* ]] || fail "status shows no SASL_SSL port without the option, got: $OUT"
if timeout 10 bash -c "exec 3<>/dev/tcp/127.0.0.1/$Q3" 2>/dev/null; then fail "nothing listens on $Q3"; fi
run 0 "$K" stop --data-dir "$OLD"
ok "a start without --sasl-ssl-port runs PLAINTEXT only"

echo "timings: ${TIMES[*]/%/,}"
