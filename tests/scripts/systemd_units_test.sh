#!/usr/bin/env bash
# deploy/systemd/: `systemd-analyze verify` accepts the units without a word
# (it exits 0 on unknown keys and bad values, so any output fails the test),
# each unit runs `reprocessor <command>` with flags that command has, a
# --metrics-address and a restart policy, and the binary accepts its
# command line with the sample config file and environment file
# (--print-config: parsed and checked, nothing contacted, secrets masked).
# No running systemd is needed. verify wants the ExecStart binary to exist,
# so it checks copies of the units that run the built binary instead of
# /usr/local/bin/reprocessor.
# Usage: systemd_units_test.sh REPROCESSOR_BINARY
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
binary=$(readlink -f "$1")
units=$root/deploy/systemd
tmp=$(mktemp -d)
trap 'rm -rf -- "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
command -v systemd-analyze >/dev/null || fail "systemd-analyze is missing (Debian's systemd package; scripts/setup-deps)"

shopt -s nullglob
services=("$units"/*.service)
((${#services[@]} >= 2)) || fail "expected the sync and stream units in $units"
for unit in "${services[@]}"; do
  name=$(basename "$unit")
  copy=$tmp/$name
  sed "s|/usr/local/bin/reprocessor|$binary|g" "$unit" >"$copy"
  grep -q "^ExecStart=$binary " "$copy" || fail "$name: ExecStart does not run /usr/local/bin/reprocessor"

  # verify prints problems (unknown keys, bad values, a missing binary) as it goes.
  set +e
  out=$(systemd-analyze verify --man=no "$copy" 2>&1)
  rc=$?
  set -e
  [[ $rc -eq 0 && -z $out ]] || fail "systemd-analyze verify $name (exit $rc):"$'\n'"$out"

  grep -qx 'Restart=on-failure' "$unit" || fail "$name: no Restart=on-failure"
  grep -qx 'RestartPreventExitStatus=2' "$unit" || fail "$name: restarts after a usage error (exit 2)"
  grep -q '^StartLimitBurst=' "$unit" || fail "$name: no StartLimitBurst: a failing start would loop"
  env_file=$(sed -n 's/^EnvironmentFile=-\{0,1\}//p' "$unit")
  [[ -n $env_file ]] || fail "$name: no EnvironmentFile for the secrets"

  # The command line: a known command, flags it has, a metrics endpoint.
  read -r -a argv <<<"$(sed -n 's/^ExecStart=//p' "$copy")"
  cmd=${argv[1]}
  help=$("$binary" "$cmd" --help) || fail "$name: $binary $cmd --help failed"
  for arg in "${argv[@]:2}"; do
    [[ $arg == -* ]] || continue
    flag=${arg%%=*}
    grep -qE -- "(^|[[:space:],])$flag([[:space:],=]|\$)" <<<"$help" ||
      fail "$name: reprocessor $cmd has no flag $flag"
  done
  [[ " ${argv[*]} " == *" --metrics-address "* ]] || fail "$name: no --metrics-address"

  # The sample config (its basename in deploy/systemd) and environment file,
  # through the binary itself.
  config=""
  for ((i = 2; i < ${#argv[@]}; i++)); do
    [[ ${argv[i]} == --config ]] && config=${argv[i + 1]}
  done
  [[ -n $config ]] || fail "$name: the binary reads no config file (--config)"
  sample=$units/$(basename "$config")
  [[ -f $sample ]] || fail "$name: no sample $(basename "$config") in $units for --config $config"
  local_argv=()
  for a in "${argv[@]:1}"; do
    if [[ $a == "$config" ]]; then local_argv+=("$sample"); else local_argv+=("$a"); fi
  done
  example=$units/$(basename "$env_file").example
  [[ -f $example ]] || fail "$name: no sample $(basename "$env_file").example in $units"
  set +e
  printed=$(env -i PATH="$PATH" bash -c 'set -a; . "$1"; shift; exec "$@"' _ "$example" \
    "$binary" "${local_argv[@]}" --print-config 2>&1)
  rc=$?
  set -e
  [[ $rc -eq 0 ]] || fail "$name: reprocessor ${local_argv[*]} --print-config (exit $rc): $printed"
  # The password reaches librdkafka's settings from the environment file, masked.
  grep -q 'sasl.password' <<<"$printed" || fail "$name: REPROCESSOR_KAFKA_SASL_PASSWORD did not reach [kafka]: $printed"
  while IFS='=' read -r key value; do
    [[ -z $key || $key == \#* ]] && continue
    [[ $printed != *"$value"* ]] || fail "$name: --print-config shows the value of $key"
  done <"$example"
  echo "ok: $name"
done
