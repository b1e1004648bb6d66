#!/usr/bin/env bash
# Specification of `scripts/kafka-local start --sasl-ssl-port` and
# `--sasl-oauth-port`: a SASL_SSL listener (SCRAM-SHA-512 over TLS, local CA)
# beside the PLAINTEXT one, on a fresh data dir and on one formatted without
# it; an OAUTHBEARER listener (unsecured tokens with a required scope, over
# TLS); secrets stay private and out of the broker's logs. Every broker is
# stopped and the temp dir removed however the test exits.
#
# Clients: Kafka's own Java tools with the client-*-java.properties files
# (from the jars of the broker's version), and, when the path of a built
# reprocessor is given as $1, reprocessor with the client-*.toml files.
# Debian's kcat (librdkafka 2.0) cannot log in with SCRAM to Kafka 4, so it
# only plays the PLAINTEXT client here.
# Runs against the default Kafka, or $KAFKA_VERSION.
set -euo pipefail
export LC_ALL=C

HERE=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)
ROOT=$(cd -- "$HERE/../.." && pwd -P)
K=$ROOT/scripts/kafka-local
REPROCESSOR=${1:-}
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

# Kafka's Java tools from the jars of the version under test.
VERSION=${KAFKA_VERSION:-$(sed -n 's|^ *<id>kafka-\([0-9][0-9.]*\)</id>.*|\1|p' "$ROOT/kafka/pom.xml" | head -n 1)}
LIB=$ROOT/kafka/lib/$VERSION
if [[ $VERSION == [0-3].* ]]; then
  LOG_OPT=-Dlog4j.configuration=file:$ROOT/scripts/kafka-local.d/tools-log4j.properties
  API_VERSIONS=kafka.admin.BrokerApiVersionsCommand PRODUCER=kafka.tools.ConsoleProducer
  PRODUCER_CONFIG=--producer.config CONSUMER_CONFIG=--consumer.config
else
  LOG_OPT=-Dlog4j2.configurationFile=$ROOT/scripts/kafka-local.d/tools-log4j2.properties
  API_VERSIONS=org.apache.kafka.tools.BrokerApiVersionsCommand PRODUCER=org.apache.kafka.tools.ConsoleProducer
  # (the 3.x names still work, with a deprecation warning on stdout)
  PRODUCER_CONFIG=--command-config CONSUMER_CONFIG=--command-config
fi
jtool() {
  java -Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -XX:-UsePerfData -Djava.net.preferIPv4Stack=true \
    "$LOG_OPT" -cp "$LIB/*" "$@"
}
# Brokers as a client with the Java settings $1 sees them from 127.0.0.1:$2
# (one "host:port (id: N ...) -> (" line per broker); fails if it cannot log in.
java_metadata() { jtool "$API_VERSIONS" --bootstrap-server "127.0.0.1:$2" --command-config "$1" 2>&1; }
# java_produce <settings> <port> <topic> <message>
java_produce() {
  printf '%s\n' "$4" | jtool "$PRODUCER" --bootstrap-server "127.0.0.1:$2" "$PRODUCER_CONFIG" "$1" --topic "$3" \
    --request-required-acks all 2>&1
}
# java_consume <settings> <port> <topic>: the topic's first message (a
# consumer group member, so group coordination works over the listener too).
java_consume() {
  jtool org.apache.kafka.tools.consumer.ConsoleConsumer --bootstrap-server "127.0.0.1:$2" \
    "$CONSUMER_CONFIG" "$1" --topic "$3" --from-beginning --max-messages 1 --timeout-ms 30000 2>/dev/null
}
# with_setting <settings> <sed expression>: a copy of the Java settings, edited.
with_setting() {
  local f
  f=$(mktemp "$TMP/settings.XXXXXX")
  sed -e "$2" "$1" >"$f"
  echo "$f"
}

distinct_ports 6
P1=${PORTS[0]} Q1=${PORTS[1]} P2=${PORTS[2]} Q2=${PORTS[3]} Q3=${PORTS[4]} R1=${PORTS[5]}

# --- usage -------------------------------------------------------------
run 2 "$K" start --port "$P1" --sasl-ssl-port "$P1" --data-dir "$FRESH"
[[ $ERR == *"must differ"* && $(wc -l <<<"$ERR") == 1 ]] || fail "same port twice is refused, got: $ERR"
run 2 "$K" start --sasl-ssl-port nope
run 2 "$K" stop --sasl-ssl-port "$Q1"
run 2 "$K" start --port "$P1" --sasl-oauth-port "$P1" --data-dir "$FRESH"
[[ $ERR == *"must differ"* && $(wc -l <<<"$ERR") == 1 ]] || fail "the OAUTHBEARER port must differ from --port, got: $ERR"
run 2 "$K" start --port "$P1" --sasl-ssl-port "$Q1" --sasl-oauth-port "$Q1" --data-dir "$FRESH"
[[ $ERR == *"must differ"* && $(wc -l <<<"$ERR") == 1 ]] ||
  fail "the OAUTHBEARER port must differ from the SASL_SSL port, got: $ERR"
run 2 "$K" start --sasl-oauth-port 0
run 2 "$K" status --sasl-oauth-port "$Q1"
[[ ! -e $FRESH ]] || fail "bad usage creates no data dir"
run 0 "$K" --help
[[ $OUT == *--sasl-ssl-port* && $OUT == *--sasl-oauth-port* ]] ||
  fail "--help documents --sasl-ssl-port and --sasl-oauth-port"
ok "bad --sasl-ssl-port / --sasl-oauth-port usage exits 2; --help documents both"

# --- a fresh data dir, both SASL listeners -----------------------------------
timed "start with SASL_SSL and OAUTHBEARER (fresh: CA, certificate, format with SCRAM user)" \
  "$K" start --port "$P1" --sasl-ssl-port "$Q1" --sasl-oauth-port "$R1" --data-dir "$FRESH"
[[ $OUT == *"SASL_SSL port $Q1"* && $OUT == *"OAUTHBEARER port $R1"* && $OUT == *"$FRESH/client-sasl.toml"* &&
  $OUT == *"$FRESH/client-oauth.toml"* ]] ||
  fail "start names the SASL_SSL and OAUTHBEARER ports and the client configs, got: $OUT"
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
[[ $(openssl x509 -in "$FRESH/tls/broker.pem" -noout -ext subjectAltName) == *'IP Address:127.0.0.1'* ]] ||
  fail "the broker certificate names 127.0.0.1"
# The librdkafka properties file holds the same settings as the TOML file.
diff <(sed -n 's/^"\(.*\)" = "\(.*\)"$/\1=\2/p' "$FRESH/client-sasl.toml" | sort) \
  <(grep -v -e '^#' -e '^bootstrap.servers=' "$FRESH/client-sasl.properties" | sort) >/dev/null ||
  fail "client-sasl.properties and client-sasl.toml hold the same settings"
ok "a fresh data dir gets a CA, a broker certificate for 127.0.0.1, a password and client configs"

[[ $(toml_value "$FRESH/client-oauth.toml" security.protocol) == SASL_SSL &&
  $(toml_value "$FRESH/client-oauth.toml" sasl.mechanisms) == OAUTHBEARER &&
  $(toml_value "$FRESH/client-oauth.toml" enable.sasl.oauthbearer.unsecure.jwt) == true &&
  $(toml_value "$FRESH/client-oauth.toml" sasl.oauthbearer.config) == "principal=reprocessor scope=kafka-local" &&
  $(toml_value "$FRESH/client-oauth.toml" ssl.ca.location) == "$CA" ]] ||
  fail "client-oauth.toml sets SASL_SSL, OAUTHBEARER with an unsecured token for 'reprocessor', and the CA: $(cat "$FRESH/client-oauth.toml")"
grep -qx "brokers = \"127.0.0.1:$R1\"" "$FRESH/client-oauth.toml" || fail "client-oauth.toml points at the OAUTHBEARER port"
diff <(sed -n 's/^"\(.*\)" = "\(.*\)"$/\1=\2/p' "$FRESH/client-oauth.toml" | sort) \
  <(grep -v -e '^#' -e '^bootstrap.servers=' "$FRESH/client-oauth.properties" | sort) >/dev/null ||
  fail "client-oauth.properties and client-oauth.toml hold the same settings"
ok "client-oauth.toml asks librdkafka for an unsecured token with the principal and scope the broker wants"

for f in sasl/password client-sasl.toml client-sasl.properties client-sasl-java.properties tls/ca.key \
  tls/broker.key tls/broker.p12 tls/keystore.password server.properties; do
  [[ $(mode_of "$FRESH/$f") == 600 ]] || fail "$f is private (mode $(mode_of "$FRESH/$f"), want 600)"
done
[[ $(mode_of "$FRESH/tls") == 700 && $(mode_of "$FRESH/sasl") == 700 ]] || fail "tls/ and sasl/ are private"
ok "secrets and the files holding them are mode 0600 (dirs 0700)"

OUT=$(java_metadata "$FRESH/client-sasl-java.properties" "$Q1") || fail "metadata over SASL_SSL: $OUT"
[[ $OUT == *"127.0.0.1:$Q1 (id: 1 "* ]] || fail "the broker advertises the SASL_SSL port to SASL_SSL clients: $OUT"
[[ $(kcat -L -b "127.0.0.1:$P1" -m 5) == *"broker 1 at 127.0.0.1:$P1"* ]] || fail "PLAINTEXT still answers on $P1"
run 0 "$K" create-topic --port "$P1" --topic secure --partitions 2
MESSAGE="over SASL_SSL $$ $RANDOM"
OUT=$(java_produce "$FRESH/client-sasl-java.properties" "$Q1" secure "$MESSAGE") || fail "producing over SASL_SSL: $OUT"
[[ $(java_consume "$FRESH/client-sasl-java.properties" "$Q1" secure) == "$MESSAGE" ]] ||
  fail "consuming over SASL_SSL returns the message"
if [[ -n $REPROCESSOR ]]; then
  OUT=$("$REPROCESSOR" read-topic --config "$FRESH/client-sasl.toml" --topic secure --format jsonl 2>&1) ||
    fail "reprocessor read-topic --config client-sasl.toml: $OUT"
  [[ $OUT == *"\"value\":\"$MESSAGE\""* ]] || fail "reprocessor reads the message over SASL_SSL, got: $OUT"
fi
ok "clients with the client-sasl files produce and consume over SASL_SSL; PLAINTEXT stays for admin"

OUT=$(java_metadata "$FRESH/client-oauth-java.properties" "$R1") || fail "metadata over OAUTHBEARER: $OUT"
[[ $OUT == *"127.0.0.1:$R1 (id: 1 "* ]] || fail "the broker advertises the OAUTHBEARER port to its clients: $OUT"
[[ $(java_consume "$FRESH/client-oauth-java.properties" "$R1" secure) == "$MESSAGE" ]] ||
  fail "consuming over OAUTHBEARER returns the message"
if [[ -n $REPROCESSOR ]]; then
  OUT=$("$REPROCESSOR" read-topic --config "$FRESH/client-oauth.toml" --topic secure --format jsonl 2>&1) ||
    fail "reprocessor read-topic --config client-oauth.toml: $OUT"
  [[ $OUT == *"\"value\":\"$MESSAGE\""* ]] || fail "reprocessor reads the message over OAUTHBEARER, got: $OUT"
fi
ok "clients with the client-oauth files log in with an unsecured token and consume"

if OUT=$(java_metadata "$(with_setting "$FRESH/client-sasl-java.properties" 's/password="[^"]*"/password="wrong-password"/')" "$Q1"); then
  fail "a wrong password is refused: $OUT"
fi
[[ $OUT == *"Authentication failed"* ]] || fail "a wrong password fails authentication, got: $OUT"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj "/CN=another CA" \
  -keyout "$TMP/other-ca.key" -out "$TMP/other-ca.pem" 2>/dev/null
if OUT=$(java_metadata "$(with_setting "$FRESH/client-sasl-java.properties" "s|^ssl.truststore.location=.*|ssl.truststore.location=$TMP/other-ca.pem|")" "$Q1"); then
  fail "a client that does not trust the local CA is refused: $OUT"
fi
[[ $OUT == *SSL* ]] || fail "an untrusted CA fails the TLS handshake, got: $OUT"
if OUT=$(timeout 30 kcat -L -b "127.0.0.1:$Q1" -m 3 2>&1); then fail "a PLAINTEXT client is refused: $OUT"; fi
ok "a wrong password, an untrusted CA and a PLAINTEXT client are all refused on the SASL_SSL port"

if OUT=$(java_metadata "$(with_setting "$FRESH/client-oauth-java.properties" 's/ unsecuredLoginListClaim_scope="[^"]*"//')" "$R1"); then
  fail "a token without the required scope is refused: $OUT"
fi
[[ $OUT == *insufficient_scope* ]] || fail "a token without the scope fails authentication, got: $OUT"
if OUT=$(timeout 30 kcat -L -b "127.0.0.1:$R1" -m 3 2>&1); then fail "a PLAINTEXT client is refused: $OUT"; fi
ok "a token without the required scope and a PLAINTEXT client are refused on the OAUTHBEARER port"

run 0 "$K" status --data-dir "$FRESH"
[[ $OUT == *"port $P1, SASL_SSL port $Q1, OAUTHBEARER port $R1"* ]] ||
  fail "status shows the SASL_SSL and OAUTHBEARER ports, got: $OUT"
PID=$(<"$FRESH/kafka.pid")
run 0 "$K" start --port "$P1" --sasl-ssl-port "$Q1" --sasl-oauth-port "$R1" --data-dir "$FRESH"
[[ $(<"$FRESH/kafka.pid") == "$PID" && $OUT == *"already running"* ]] || fail "starting again is a no-op, got: $OUT"
run 0 "$K" start --port "$P1" --data-dir "$FRESH"
[[ $OUT == *"already running"* ]] || fail "a start without the SASL options is a no-op too, got: $OUT"
run 1 "$K" start --port "$P1" --sasl-ssl-port "$Q2" --data-dir "$FRESH"
[[ $ERR == *"SASL_SSL port $Q1"* ]] || fail "another SASL_SSL port for a running broker is refused, got: $ERR"
run 1 "$K" start --port "$P1" --sasl-oauth-port "$Q2" --data-dir "$FRESH"
[[ $ERR == *"OAUTHBEARER port $R1"* ]] || fail "another OAUTHBEARER port for a running broker is refused, got: $ERR"
ok "status shows the SASL ports; start again is a no-op; other SASL ports are refused"

CA_BEFORE=$(sha256sum <"$CA")
run 0 "$K" stop --data-dir "$FRESH"
timed "restart with SASL_SSL and OAUTHBEARER (existing data dir)" \
  "$K" start --port "$P1" --sasl-ssl-port "$Q1" --sasl-oauth-port "$R1" --data-dir "$FRESH"
[[ $(<"$FRESH/sasl/password") == "$PASSWORD" && $(sha256sum <"$CA") == "$CA_BEFORE" ]] ||
  fail "a restart keeps the password and the CA"
[[ $(java_consume "$FRESH/client-sasl-java.properties" "$Q1" secure) == "$MESSAGE" ]] ||
  fail "after a restart the same client settings still work"
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
OUT=$(java_metadata "$OLD/client-sasl-java.properties" "$Q3") ||
  fail "metadata over SASL_SSL on the upgraded data dir: $OUT"
[[ $OUT == *"127.0.0.1:$Q3 (id: 1 "* ]] || fail "the upgraded broker answers SASL_SSL clients: $OUT"
[[ ! -e $OLD/sasl/add-config.properties ]] || fail "the credential file for the admin tool is removed"
OLD_PASSWORD=$(<"$OLD/sasl/password")
[[ $OLD_PASSWORD != "$PASSWORD" ]] || fail "every data dir gets its own password"
ok "a data dir formatted without SASL gets the SCRAM user added through PLAINTEXT"

run 1 "$K" start --port "$P2" --sasl-ssl-port "$Q3" --sasl-oauth-port "$R1" --data-dir "$OLD"
[[ $ERR == *"without an OAUTHBEARER listener"* ]] ||
  fail "adding OAUTHBEARER to a running broker asks for a stop, got: $ERR"
ok "adding a listener to a running broker asks for a stop"

# A lost password file means a new password, and the broker learns it.
rm -- "$OLD/sasl/password"
run 0 "$K" stop --data-dir "$OLD"
run 0 "$K" start --port "$P2" --sasl-ssl-port "$Q3" --data-dir "$OLD"
[[ $(<"$OLD/sasl/password") != "$OLD_PASSWORD" ]] || fail "a deleted password file gets a new password"
OUT=$(java_metadata "$OLD/client-sasl-java.properties" "$Q3") || fail "the new password works: $OUT"
if OUT=$(java_metadata "$(with_setting "$OLD/client-sasl-java.properties" "s/password=\"[^\"]*\"/password=\"$OLD_PASSWORD\"/")" "$Q3"); then
  fail "the old password no longer works"
fi
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
