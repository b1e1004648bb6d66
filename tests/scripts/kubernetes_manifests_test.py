#!/usr/bin/env python3
"""deploy/kubernetes/ against the binary it runs.

Every workload's containers run `reprocessor <command>` with flags that
command has (its --help), and the whole command line with its config file
from the ConfigMap and its environment from the Secret is accepted by the
binary (--print-config: parsed and checked, nothing contacted). Probes hit
/healthz (liveness) and /readyz (readiness) on the port --metrics-address
serves, which listens beyond loopback so the kubelet reaches it; the
Prometheus annotations name the same port. Every ConfigMap key, Secret and
mount a container refers to exists.

Usage: kubernetes_manifests_test.py REPROCESSOR_BINARY DEPLOY_KUBERNETES_DIR
"""
import os
import re
import subprocess
import sys
import tempfile

import yaml

failures = []


def fail(where, message):
    failures.append(f"{where}: {message}")


def help_text(binary, command, cache={}):
    if command not in cache:
        r = subprocess.run([binary, command, "--help"], capture_output=True, text=True)
        if r.returncode != 0:
            raise SystemExit(f"{binary} {command} --help failed ({r.returncode}): {r.stderr}")
        cache[command] = r.stdout
    return cache[command]


def has_flag(help_output, flag):
    return re.search(r"(^|[\s,])" + re.escape(flag) + r"([\s,=]|$)", help_output, re.M) is not None


def flags_of(args):
    """The flags of a command line, without their values."""
    return [a.split("=", 1)[0] for a in args if a.startswith("-")]


def value_of(args, flag):
    for i, a in enumerate(args):
        if a == flag and i + 1 < len(args):
            return args[i + 1]
        if a.startswith(flag + "="):
            return a.split("=", 1)[1]
    return None


def port_number(container, port):
    """A probe's port: a number, or the name of one of the container's ports."""
    if isinstance(port, int):
        return port
    for p in container.get("ports", []):
        if p.get("name") == port:
            return p["containerPort"]
    return None


def main():
    binary, directory = sys.argv[1], sys.argv[2]
    docs = []
    for name in sorted(os.listdir(directory)):
        if name.endswith((".yaml", ".yml")):
            with open(os.path.join(directory, name)) as f:
                docs += [(name, d) for d in yaml.safe_load_all(f) if d]
    config_maps = {d["metadata"]["name"]: d.get("data", {}) for _, d in docs if d["kind"] == "ConfigMap"}
    secrets = {
        d["metadata"]["name"]: {**d.get("stringData", {}), **d.get("data", {})}
        for _, d in docs
        if d["kind"] == "Secret"
    }
    workloads = [(n, d) for n, d in docs if d["kind"] in ("Deployment", "StatefulSet", "Job")]
    kinds = sorted((d["kind"], c["args"][0]) for _, d in workloads for c in d["spec"]["template"]["spec"]["containers"])
    for want in [("Deployment", "sync"), ("Deployment", "stream"), ("Job", "reprocess")]:
        if want not in kinds:
            fail(directory, f"no {want[0]} running `reprocessor {want[1]}` (found {kinds})")

    for file_name, doc in workloads:
        pod = doc["spec"]["template"]
        volumes = {v["name"]: v for v in pod["spec"].get("volumes", [])}
        for c in pod["spec"]["containers"]:
            where = f"{file_name} {doc['kind']}/{doc['metadata']['name']} container {c['name']}"
            command, args = c.get("command", []), c.get("args", [])
            if not command or os.path.basename(command[-1]) != "reprocessor":
                fail(where, f"command {command} does not run reprocessor")
                continue
            if not all(isinstance(a, str) for a in args):
                fail(where, f"every arg must be a string (Kubernetes refuses others): {args}")
                continue
            sub = args[0]
            help_output = help_text(binary, sub)
            for flag in flags_of(args[1:]):
                if not has_flag(help_output, flag):
                    fail(where, f"`reprocessor {sub}` has no flag {flag} (see its --help)")

            # Probes against the metrics endpoint.
            address = value_of(args, "--metrics-address")
            if address is None:
                fail(where, "no --metrics-address: no /metrics, /healthz or /readyz to probe")
                continue
            host, _, port_text = address.rpartition(":")
            metrics_port = int(port_text)
            if host in ("127.0.0.1", "localhost", "::1", "[::1]"):
                fail(where, f"--metrics-address {address} listens on loopback: the kubelet's probes cannot reach it")
            if metrics_port not in [p["containerPort"] for p in c.get("ports", [])]:
                fail(where, f"the metrics port {metrics_port} is not among the container's ports")
            wanted = {"livenessProbe": "/healthz", "readinessProbe": "/readyz"}
            required = ["livenessProbe"] + (["readinessProbe"] if doc["kind"] != "Job" else [])
            for probe_name, path in wanted.items():
                probe = c.get(probe_name)
                if probe is None:
                    if probe_name in required:
                        fail(where, f"no {probe_name}")
                    continue
                http = probe.get("httpGet", {})
                if http.get("path") != path:
                    fail(where, f"{probe_name} asks {http.get('path')}, not {path}")
                if port_number(c, http.get("port")) != metrics_port:
                    fail(where, f"{probe_name} probes port {http.get('port')}, not --metrics-address's {metrics_port}")
            annotations = pod["metadata"].get("annotations", {})
            if "prometheus.io/port" in annotations and annotations["prometheus.io/port"] != str(metrics_port):
                fail(where, f"prometheus.io/port {annotations['prometheus.io/port']} is not {metrics_port}")

            # The environment: every Secret named exists.
            env = {}
            for source in c.get("envFrom", []):
                ref = source.get("secretRef", {}).get("name")
                if ref is not None:
                    if ref not in secrets:
                        fail(where, f"envFrom names Secret {ref}, which is not in {directory}")
                    else:
                        env.update(secrets[ref])
            for e in c.get("env", []):
                ref = e.get("valueFrom", {}).get("secretKeyRef")
                if ref and ref.get("key") not in secrets.get(ref.get("name"), {}):
                    fail(where, f"env {e['name']} names key {ref.get('key')} of Secret {ref.get('name')}, which has none")

            # The config file: mounted from a ConfigMap key that exists.
            config_path = value_of(args, "--config")
            config_text = None
            if config_path is not None:
                for m in c.get("volumeMounts", []):
                    mount = m["mountPath"].rstrip("/") + "/"
                    volume = volumes.get(m["name"], {})
                    if config_path.startswith(mount) and "configMap" in volume:
                        map_name = volume["configMap"]["name"]
                        key = config_path[len(mount):]
                        if key not in config_maps.get(map_name, {}):
                            fail(where, f"--config {config_path}: ConfigMap {map_name} has no key {key}")
                        else:
                            config_text = config_maps[map_name][key]
                if config_text is None and not any(f.startswith(f"{where}: --config") for f in failures):
                    fail(where, f"--config {config_path} is not in a mounted ConfigMap")

            # The binary accepts the whole command line, file and environment
            # included (unknown keys, bad values and missing required flags are
            # refused with exit 2).
            with tempfile.TemporaryDirectory() as tmp:
                argv = list(args)
                if config_text is not None:
                    local = os.path.join(tmp, os.path.basename(config_path))
                    with open(local, "w") as f:
                        f.write(config_text)
                    argv = [local if a == config_path else a for a in argv]
                run_env = {k: v for k, v in os.environ.items() if not k.startswith(("REPROCESSOR_", "AWS_"))}
                run_env.update(env)
                r = subprocess.run([binary] + argv + ["--print-config"], capture_output=True, text=True, env=run_env)
                if r.returncode != 0:
                    fail(where, f"`reprocessor {' '.join(args)} --print-config` exits {r.returncode}: {r.stderr.strip()}")
                for secret in env.values():
                    if secret and secret in r.stdout:
                        fail(where, "--print-config shows a secret from the Secret")

    for f in failures:
        print("FAIL:", f, file=sys.stderr)
    if failures:
        return 1
    print(f"ok: {len(workloads)} workloads in {directory} match `{binary}`")
    return 0


if __name__ == "__main__":
    sys.exit(main())
