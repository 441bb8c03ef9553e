#!/usr/bin/env python3
"""Benchmark driver for terraform-provider-azureai (stdlib only). Run it through scripts/bench.sh.

Measures, side by side in one run (machines here are noisy, so only same-run ratios mean much):
  1. start-up: exec of the provider binary to its go-plugin handshake line (median), idle RSS
     after the handshake, binary size;
  2. plan overhead: `terraform plan` of N new azureai_hosted_agent_version resources vs N built-in
     terraform_data resources (Terraform's own floor, the denominator), and vs N resources of
     `minimal`, the smallest provider our protocol layer serves (benches/minimal_provider.rs):
     what any out-of-process provider costs Terraform, apart from what our resource adds;
  3. provider CPU time and peak RSS during that plan (wait4 rusage of the provider process);
  4. apply/destroy throughput: `terraform apply`/`destroy` of M versions vs the seed's sequential
     Python loop (official SDK), each against a fresh emulator with the same added latency; and
     apply/destroy of M terraform_data resources, what Terraform itself needs for M resources.

Prints a results table and one `RATIO <name>: <value>` line per ratio (tests/bench_smoke.rs checks
that every ratio line is printed, so the benchmark cannot rot), and writes all figures as JSON.
"""

import argparse
import json
import os
import platform
import re
import resource
import shutil
import signal
import ssl
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent

MAGIC_COOKIE_KEY = "TF_PLUGIN_MAGIC_COOKIE"
MAGIC_COOKIE_VALUE = "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2"
PROVIDER_VERSION = "0.1.0"
MIRROR_SUBDIR = f"registry.terraform.io/azureai/azureai/{PROVIDER_VERSION}/linux_amd64"
PROVIDER_FILE = f"terraform-provider-azureai_v{PROVIDER_VERSION}"
MINIMAL_SUBDIR = f"registry.terraform.io/azureai/minimal/{PROVIDER_VERSION}/linux_amd64"
MINIMAL_FILE = f"terraform-provider-minimal_v{PROVIDER_VERSION}"
# The seed's SDK (2.0.0b3) speaks the first preview generation; the provider speaks it too.
API_VERSION = "2025-11-15-preview"
AGENTS = 10  # versions are spread over this many agents; keep in sync with seed_workflow.py

# The performance targets (docs/performance.md), and the published Go plugin-framework figures for this machine kind.
# Go cannot be built here (see docs/performance.md), so that column is published, not measured.
TARGET_HANDSHAKE_MS = 3.0
TARGET_IDLE_RSS_MB = 8.0
TARGET_PLAN_RATIO = 1.15
TARGET_APPLY_SPEEDUP = 5.0
GO_PUBLISHED_HANDSHAKE_MS = 6.0
GO_PUBLISHED_IDLE_RSS_MB = 18.0

FULL = {"startup_runs": 101, "plan_n": 500, "plan_reps": 3, "apply_n": 200, "latency_ms": 50}
SMOKE = {"startup_runs": 3, "plan_n": 3, "plan_reps": 1, "apply_n": 3, "latency_ms": 50}


class BenchError(Exception):
    pass


def log(msg):
    print(f"bench: {msg}", file=sys.stderr, flush=True)


def mib(n_bytes):
    return n_bytes / (1024 * 1024)


# ---------------------------------------------------------------------------------------------
# processes


CPU_USED = {}  # label -> CPU seconds of the last run_timed(label) command and its descendants


def run_timed(cmd, cwd, env, label):
    """Runs cmd to completion; returns (wall seconds, stdout). Fails loudly with the output tail.

    Also records the command's CPU time (its own and that of the children it reaped, e.g. the
    provider under Terraform) in CPU_USED[label]."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    CPU_USED[label] = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if proc.returncode != 0:
        tail = (proc.stdout[-3000:] + "\n" + proc.stderr[-3000:]).strip()
        raise BenchError(f"{label} failed (exit {proc.returncode}):\n{tail}")
    return elapsed, proc.stdout


def read_status_kib(pid, field):
    with open(f"/proc/{pid}/status", encoding="ascii") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise BenchError(f"/proc/{pid}/status has no {field}")


class Emulator:
    """A fresh azureai-emulator over TLS (the SDK refuses bearer tokens over http)."""

    def __init__(self, binary, workdir, name, latency_ms):
        self.cert = workdir / f"{name}-ca.pem"
        self.log_path = workdir / f"{name}.log"
        self._log = open(self.log_path, "w", encoding="utf-8")
        self.proc = subprocess.Popen(
            [str(binary), "--listen", "127.0.0.1:0", "--project", "bench", "--tls",
             "--tls-cert-out", str(self.cert), "--latency-ms", str(latency_ms)],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=self._log, text=True,
        )
        line = self.proc.stdout.readline().strip()
        if not line.startswith("https://"):
            self.stop()
            raise BenchError(f"emulator {name} did not print its endpoint (got {line!r}); see {self.log_path}")
        self.endpoint = line
        self.root = re.match(r"https://[^/]+", line).group(0)
        self._ssl = ssl.create_default_context(cafile=str(self.cert))

    def env(self):
        """What a client of this emulator needs: trust, the MSI endpoint, the project endpoint."""
        return {
            "SSL_CERT_FILE": str(self.cert),
            "REQUESTS_CA_BUNDLE": str(self.cert),
            "IDENTITY_ENDPOINT": f"{self.root}/msi/token",
            "IDENTITY_HEADER": "emulator",
            "AZURE_AI_PROJECT_ENDPOINT": self.endpoint,
        }

    def stats(self):
        with urllib.request.urlopen(f"{self.root}/_emulator/stats", context=self._ssl, timeout=10) as r:
            return json.load(r)

    def version_count(self):
        with urllib.request.urlopen(f"{self.root}/_emulator/state", context=self._ssl, timeout=10) as r:
            state = json.load(r)
        return count_versions(state)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._log.close()


def count_versions(state):
    """Counts live versions in /_emulator/state, whatever its exact nesting (agents → versions)."""
    agents = state.get("agents", state) if isinstance(state, dict) else state
    items = agents.values() if isinstance(agents, dict) else agents
    total = 0
    for agent in items:
        versions = agent.get("versions", {}) if isinstance(agent, dict) else []
        vs = versions.values() if isinstance(versions, dict) else versions
        for v in vs:
            body = v.get("body", v) if isinstance(v, dict) else {}
            status = body.get("status") if isinstance(body, dict) else None
            if status not in ("deleting", "deleted"):
                total += 1
    return total


# ---------------------------------------------------------------------------------------------
# 1. start-up


def client_cert(workdir):
    """A throwaway self-signed P-521 certificate like the one Terraform passes in PLUGIN_CLIENT_CERT."""
    cert, key = workdir / "client-cert.pem", workdir / "client-key.pem"
    openssl = shutil.which("openssl")
    if openssl is None:
        raise BenchError("openssl is needed to make the PLUGIN_CLIENT_CERT test certificate (apt-get install openssl)")
    subprocess.run(
        [openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:secp521r1", "-nodes",
         "-keyout", str(key), "-out", str(cert), "-days", "1", "-subj", "/O=HashiCorp/CN=localhost",
         "-addext", "basicConstraints=critical,CA:TRUE"],
        check=True, capture_output=True,
    )
    return cert.read_text()


def time_to_first_line(cmd, env, cwd):
    """Starts cmd; returns (seconds until its first stdout line, the line, the running process)."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, cwd=cwd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL)
    line = proc.stdout.readline()
    return time.perf_counter() - start, line.decode(errors="replace").strip(), proc


def bench_startup(provider, workdir, runs):
    env = dict(os.environ)
    for k in ("TF_LOG", "TF_LOG_PROVIDER", "TF_REATTACH_PROVIDERS"):
        env.pop(k, None)
    env.update({MAGIC_COOKIE_KEY: MAGIC_COOKIE_VALUE, "PLUGIN_PROTOCOL_VERSIONS": "5",
                "PLUGIN_CLIENT_CERT": client_cert(workdir), "TMPDIR": str(workdir)})

    floor, times, rss = [], [], []
    for i in range(runs):
        # The harness's own cost, interleaved with the provider's runs: the same Popen +
        # readline around a program that prints at once.
        t, _, proc = time_to_first_line(["/bin/echo", "1|5|unix|x|grpc|"], env, workdir)
        proc.wait()
        floor.append(t * 1000)
        t, line, proc = time_to_first_line([str(provider)], env, workdir)
        try:
            if not line.startswith("1|5|unix|") or not line.split("|")[-1]:
                raise BenchError(f"run {i}: unexpected handshake line {line!r} (expected 1|5|unix|…|grpc|<cert>)")
            times.append(t * 1000)
            # Idle RSS from the first 25 runs: the handshake is out and nobody has connected
            # yet; let start-up work settle. (Timing needs the many runs; RSS barely varies.)
            if i < 25:
                time.sleep(0.25)
                rss.append(read_status_kib(proc.pid, "VmRSS") / 1024)
        finally:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
    return {
        "runs": runs,
        "handshake_ms_median": statistics.median(times),
        "handshake_ms_min": min(times),
        "handshake_ms_max": max(times),
        "exec_floor_ms_median": statistics.median(floor),
        "idle_rss_mb_median": statistics.median(rss),
        "binary_mb": mib(provider.stat().st_size),
    }


# ---------------------------------------------------------------------------------------------
# Terraform workspaces


def version_spec(i):
    # Every definition differs (image tag, INDEX) so no two resources share a creation token.
    return {
        "agent_name": f"bench-{i % AGENTS}",
        "image": f"benchregistry.azurecr.io/bench/agent:1.0.{i}",
        "index": i,
    }


def azureai_config(n, endpoint):
    parts = [
        'terraform {\n  required_providers {\n    azureai = {\n      source  = "azureai/azureai"\n'
        f'      version = "{PROVIDER_VERSION}"\n    }}\n  }}\n}}\n\n'
        f'provider "azureai" {{\n  endpoint    = "{endpoint}"\n  api_version = "{API_VERSION}"\n'
        '  auth_method = "managed_identity"\n}\n'
    ]
    for i in range(n):
        s = version_spec(i)
        parts.append(
            f'\nresource "azureai_hosted_agent_version" "v{i}" {{\n'
            f'  agent_name = "{s["agent_name"]}"\n  image      = "{s["image"]}"\n'
            '  cpu        = "1"\n  memory     = "2Gi"\n\n'
            '  container_protocol_version {\n    protocol = "responses"\n    version  = "v1"\n  }\n\n'
            f'  environment_variables = {{\n    MODEL_NAME = "gpt-4o-mini"\n    INDEX      = "{s["index"]}"\n  }}\n}}\n'
        )
    return "".join(parts)


def minimal_schema_twin_config(n, endpoint):
    # The azureai configuration, resource for resource, served by the minimal provider's twin of
    # the azureai schema (minimal_hosted_agent_version): Terraform sees the same schema and
    # values, and the provider does nothing but echo.
    azureai = azureai_config(n, endpoint)
    body = azureai[azureai.index('\nresource "azureai_hosted_agent_version"'):]
    return ('terraform {\n  required_providers {\n    minimal = {\n      source  = "azureai/minimal"\n'
            f'      version = "{PROVIDER_VERSION}"\n    }}\n  }}\n}}\n'
            + body.replace('resource "azureai_hosted_agent_version"', 'resource "minimal_hosted_agent_version"'))


def minimal_config(n):
    # The same values again, as the minimal provider's plain attributes.
    parts = ['terraform {\n  required_providers {\n    minimal = {\n      source  = "azureai/minimal"\n'
             f'      version = "{PROVIDER_VERSION}"\n    }}\n  }}\n}}\n']
    for i in range(n):
        s = version_spec(i)
        parts.append(
            f'\nresource "minimal_thing" "v{i}" {{\n'
            f'  agent_name = "{s["agent_name"]}"\n  image      = "{s["image"]}"\n'
            '  cpu        = "1"\n  memory     = "2Gi"\n'
            '  container_protocol_version = [{ protocol = "responses", version = "v1" }]\n'
            f'  environment_variables = {{ MODEL_NAME = "gpt-4o-mini", INDEX = "{s["index"]}" }}\n}}\n'
        )
    return "".join(parts)


def terraform_data_config(n):
    # The same values as the azureai config, so Terraform core handles equal amounts of data.
    parts = []
    for i in range(n):
        s = version_spec(i)
        parts.append(
            f'resource "terraform_data" "v{i}" {{\n  input = {{\n'
            f'    agent_name = "{s["agent_name"]}"\n    image      = "{s["image"]}"\n'
            '    cpu        = "1"\n    memory     = "2Gi"\n'
            '    container_protocol_version = [{ protocol = "responses", version = "v1" }]\n'
            f'    environment_variables = {{ MODEL_NAME = "gpt-4o-mini", INDEX = "{s["index"]}" }}\n'
            '  }\n}\n\n'
        )
    return "".join(parts)


def make_mirror(root, provider_file_writer, minimal_provider=None):
    """A filesystem mirror holding azureai (and, when given, the minimal provider) + a CLI config."""
    mirror = root / "mirror"
    target = mirror / MIRROR_SUBDIR
    target.mkdir(parents=True)
    provider_file_writer(target / PROVIDER_FILE)
    sources = ["registry.terraform.io/azureai/azureai"]
    if minimal_provider is not None:
        (mirror / MINIMAL_SUBDIR).mkdir(parents=True)
        copy_binary(minimal_provider)(mirror / MINIMAL_SUBDIR / MINIMAL_FILE)
        sources.append("registry.terraform.io/azureai/minimal")
    listed = json.dumps(sources)
    cli_config = root / "terraformrc"
    cli_config.write_text(
        'provider_installation {\n  filesystem_mirror {\n'
        f'    path    = "{mirror}"\n    include = {listed}\n  }}\n'
        f'  direct {{\n    exclude = {listed}\n  }}\n}}\n'
    )
    return cli_config


def copy_binary(provider):
    def write(dest):
        shutil.copy2(provider, dest)
    return write


def rusage_wrapper(provider):
    def write(dest):
        dest.write_text(
            "#!/bin/sh\n"
            f'exec "{sys.executable}" "{HERE / "rusage_wrapper.py"}" "{provider}" "$@"\n'
        )
        dest.chmod(0o755)
    return write


def terraform_env(cli_config, extra):
    env = dict(os.environ)
    for k in ("TF_LOG", "TF_LOG_PROVIDER", "TF_LOG_CORE", "TF_PLUGIN_CACHE_DIR", "TF_REATTACH_PROVIDERS",
              "TF_CLI_ARGS", "TF_CLI_ARGS_plan", "TF_CLI_ARGS_apply", "TF_DATA_DIR"):
        env.pop(k, None)
    env.update({"TF_CLI_CONFIG_FILE": str(cli_config), "CHECKPOINT_DISABLE": "1", "TF_IN_AUTOMATION": "1"})
    env.update(extra)
    return env


def workspace(root, name, config_text, terraform, env):
    ws = root / name
    ws.mkdir()
    (ws / "main.tf").write_text(config_text)
    run_timed([terraform, "init", "-input=false", "-no-color"], ws, env, f"terraform init ({name})")
    return ws


def expect(pattern, text, label):
    if not re.search(pattern, text):
        raise BenchError(f"{label}: expected /{pattern}/ in the output:\n{text[-2000:]}")


# ---------------------------------------------------------------------------------------------
# 2 + 3. plan overhead, provider CPU and peak RSS


def bench_plan(provider, minimal_provider, emulator_bin, terraform, workdir, n, reps):
    root = workdir / "plan"
    root.mkdir()
    emu = Emulator(emulator_bin, root, "emulator-plan", latency_ms=0)
    try:
        (root / "plain").mkdir()
        mirror_cfg = make_mirror(root / "plain", copy_binary(provider), minimal_provider)
        env = terraform_env(mirror_cfg, emu.env())
        ws_azureai = workspace(root, "azureai", azureai_config(n, emu.endpoint), terraform, env)
        ws_twin = workspace(root, "minimal-twin", minimal_schema_twin_config(n, emu.endpoint), terraform, env)
        ws_minimal = workspace(root, "minimal", minimal_config(n), terraform, env)
        ws_data = workspace(root, "terraform_data", terraform_data_config(n), terraform, env)
        plan_cmd = [terraform, "plan", "-input=false", "-no-color", "-lock=false"]
        azureai_t, twin_t, minimal_t, data_t = [], [], [], []
        # Alternate the four so that drift in machine load hits all alike.
        for rep in range(reps):
            for label, ws, times in (("azureai", ws_azureai, azureai_t), ("minimal, azureai schema", ws_twin, twin_t),
                                     ("minimal", ws_minimal, minimal_t), ("terraform_data", ws_data, data_t)):
                t, out = run_timed(plan_cmd, ws, env, f"terraform plan ({label})")
                expect(rf"Plan: {n} to add, 0 to change, 0 to destroy", out, f"plan ({label})")
                times.append(t)
            log(f"plan rep {rep + 1}/{reps}: azureai {t_fmt(azureai_t[-1])}, minimal with the azureai schema"
                f" {t_fmt(twin_t[-1])}, minimal {t_fmt(minimal_t[-1])}, terraform_data {t_fmt(data_t[-1])}")

        # Same plan once more, with the provider under a recorder for its CPU time and peak RSS.
        (root / "wrapped").mkdir()
        wrapped_cfg = make_mirror(root / "wrapped", rusage_wrapper(provider))
        rusage_out = root / "provider-rusage.json"
        wenv = terraform_env(wrapped_cfg, {**emu.env(), "BENCH_RUSAGE_OUT": str(rusage_out)})
        ws_wrapped = workspace(root, "azureai-wrapped", azureai_config(n, emu.endpoint), terraform, wenv)
        _, out = run_timed(plan_cmd, ws_wrapped, wenv, "terraform plan (azureai, recorded)")
        expect(rf"Plan: {n} to add", out, "plan (azureai, recorded)")
        usages = read_rusage_lines(rusage_out)
        if emu.stats().get("writes", 0) != 0:
            raise BenchError("plan made writes to the emulator")
    finally:
        emu.stop()
    return {
        "n": n,
        "reps": reps,
        "azureai_s_median": statistics.median(azureai_t),
        "minimal_twin_s_median": statistics.median(twin_t),
        "minimal_s_median": statistics.median(minimal_t),
        "terraform_data_s_median": statistics.median(data_t),
        "azureai_s": azureai_t,
        "minimal_twin_s": twin_t,
        "minimal_s": minimal_t,
        "terraform_data_s": data_t,
        # Terraform starts the provider several times per plan (schemas/validation, then the plan
        # walk): CPU is summed over them, peak RSS is the largest of them.
        "provider_processes": len(usages),
        "provider_cpu_s": sum(u["utime_s"] + u["stime_s"] for u in usages),
        "provider_user_s": sum(u["utime_s"] for u in usages),
        "provider_sys_s": sum(u["stime_s"] for u in usages),
        "provider_peak_rss_mb": max(u["maxrss_kib"] for u in usages) / 1024,
    }


def read_rusage_lines(path, timeout=10):
    """All provider processes the recorder saw (one JSON line each), once no more are arriving.

    Terraform may return before the last wrapper has reaped its provider and written its line."""
    deadline = time.monotonic() + timeout
    seen, stable_since = -1, time.monotonic()
    while time.monotonic() < deadline:
        lines = path.read_text().splitlines() if path.exists() else []
        if len(lines) != seen:
            seen, stable_since = len(lines), time.monotonic()
        elif seen > 0 and time.monotonic() - stable_since > 1.0:
            return [json.loads(line) for line in lines]
        time.sleep(0.1)
    raise BenchError(f"the provider recorder wrote no complete {path}")


# ---------------------------------------------------------------------------------------------
# 4. apply/destroy throughput


def bench_apply(provider, emulator_bin, terraform, venv_python, workdir, n, latency_ms):
    root = workdir / "apply"
    root.mkdir()
    result = {"n": n, "latency_ms": latency_ms}

    emu = Emulator(emulator_bin, root, "emulator-terraform", latency_ms)
    try:
        (root / "plain").mkdir()
        env = terraform_env(make_mirror(root / "plain", copy_binary(provider)), emu.env())
        ws = workspace(root, "azureai", azureai_config(n, emu.endpoint), terraform, env)
        t, out = run_timed([terraform, "apply", "-auto-approve", "-input=false", "-no-color", "-lock=false"],
                           ws, env, "terraform apply")
        expect(rf"Apply complete! Resources: {n} added", out, "terraform apply")
        check_versions(emu, n, "after terraform apply")
        result["terraform_apply_s"] = t
        result["terraform_apply_cpu_s"] = CPU_USED["terraform apply"]
        t, out = run_timed([terraform, "destroy", "-auto-approve", "-input=false", "-no-color", "-lock=false"],
                           ws, env, "terraform destroy")
        expect(rf"Destroy complete! Resources: {n} destroyed", out, "terraform destroy")
        check_versions(emu, 0, "after terraform destroy")
        result["terraform_destroy_s"] = t
        result["terraform_requests"] = emu.stats().get("requests")

        # Terraform's own cost of creating and destroying as many resources, with no provider
        # process and no API: the floor under any provider's apply.
        ws = workspace(root, "terraform_data", terraform_data_config(n), terraform, env)
        t, out = run_timed([terraform, "apply", "-auto-approve", "-input=false", "-no-color", "-lock=false"],
                           ws, env, "terraform apply (terraform_data)")
        expect(rf"Apply complete! Resources: {n} added", out, "terraform apply (terraform_data)")
        result["terraform_data_apply_s"] = t
        t, out = run_timed([terraform, "destroy", "-auto-approve", "-input=false", "-no-color", "-lock=false"],
                           ws, env, "terraform destroy (terraform_data)")
        expect(rf"Destroy complete! Resources: {n} destroyed", out, "terraform destroy (terraform_data)")
        result["terraform_data_destroy_s"] = t
    finally:
        emu.stop()

    emu = Emulator(emulator_bin, root, "emulator-python", latency_ms)
    try:
        env = dict(os.environ)
        env.update(emu.env())
        created = root / "python-created.json"
        script = str(HERE / "seed_workflow.py")
        t, out = run_timed([venv_python, script, "create", "--count", str(n), "--out", str(created)],
                           root, env, "python seed workflow (create)")
        check_versions(emu, n, "after the Python create loop")
        result["python_create_s"] = t
        result["python_create_cpu_s"] = CPU_USED["python seed workflow (create)"]
        result["python_create_loop_s"] = json.loads(out.strip().splitlines()[-1])["loop_seconds"]
        t, out = run_timed([venv_python, script, "delete", "--input", str(created)],
                           root, env, "python seed workflow (delete)")
        check_versions(emu, 0, "after the Python delete loop")
        result["python_delete_s"] = t
        result["python_delete_loop_s"] = json.loads(out.strip().splitlines()[-1])["loop_seconds"]
        result["python_requests"] = emu.stats().get("requests")
    finally:
        emu.stop()
    return result


def check_versions(emu, expected, label):
    got = emu.version_count()
    if got != expected:
        raise BenchError(f"{label}: the emulator holds {got} live versions, expected {expected}")


# ---------------------------------------------------------------------------------------------
# report


def t_fmt(seconds):
    return f"{seconds:.2f} s"


def machine():
    mem_kib = 0
    with open("/proc/meminfo", encoding="ascii") as f:
        for line in f:
            if line.startswith("MemTotal:"):
                mem_kib = int(line.split()[1])
    cpu = ""
    with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    load = os.getloadavg()
    return {"nproc": os.cpu_count(), "mem_gib": round(mem_kib / 1024 / 1024, 1), "cpu": cpu,
            "kernel": platform.release(), "loadavg_1m_at_start": round(load[0], 2)}


def report(results, mode):
    s, p, a = results["startup"], results["plan"], results["apply"]
    rows = [
        ("handshake, median (ms)", f"{s['handshake_ms_median']:.2f}", f"{GO_PUBLISHED_HANDSHAKE_MS:.1f} (Go, published)",
         s["handshake_ms_median"] / GO_PUBLISHED_HANDSHAKE_MS, f"<= {TARGET_HANDSHAKE_MS} ms",
         s["handshake_ms_median"] <= TARGET_HANDSHAKE_MS),
        ("idle RSS after handshake (MB)", f"{s['idle_rss_mb_median']:.1f}", f"{GO_PUBLISHED_IDLE_RSS_MB:.0f} (Go, published)",
         s["idle_rss_mb_median"] / GO_PUBLISHED_IDLE_RSS_MB, f"<= {TARGET_IDLE_RSS_MB} MB",
         s["idle_rss_mb_median"] <= TARGET_IDLE_RSS_MB),
        (f"plan of {p['n']}, median of {p['reps']} (s)", f"{p['azureai_s_median']:.2f}",
         f"{p['terraform_data_s_median']:.2f} (terraform_data)",
         p["azureai_s_median"] / p["terraform_data_s_median"], f"<= {TARGET_PLAN_RATIO} x",
         p["azureai_s_median"] / p["terraform_data_s_median"] <= TARGET_PLAN_RATIO),
        (f"plan of {p['n']}, minimal provider, azureai schema (s)", f"{p['minimal_twin_s_median']:.2f}",
         f"{p['terraform_data_s_median']:.2f} (terraform_data)",
         p["minimal_twin_s_median"] / p["terraform_data_s_median"], "-", None),
        (f"plan of {p['n']}, minimal provider, 7 attributes (protocol floor) (s)", f"{p['minimal_s_median']:.2f}",
         f"{p['terraform_data_s_median']:.2f} (terraform_data)",
         p["minimal_s_median"] / p["terraform_data_s_median"], "-", None),
        (f"apply of {a['n']} @ {a['latency_ms']} ms (s)", f"{a['terraform_apply_s']:.2f}",
         f"{a['python_create_s']:.2f} (Python seed loop)",
         a["python_create_s"] / a["terraform_apply_s"], f">= {TARGET_APPLY_SPEEDUP} x faster",
         a["python_create_s"] / a["terraform_apply_s"] >= TARGET_APPLY_SPEEDUP),
        (f"apply of {a['n']}, vs the Python loop alone (s)", f"{a['terraform_apply_s']:.2f}",
         f"{a['python_create_loop_s']:.2f} (loop, no start-up)",
         a["python_create_loop_s"] / a["terraform_apply_s"], f">= {TARGET_APPLY_SPEEDUP} x faster",
         a["python_create_loop_s"] / a["terraform_apply_s"] >= TARGET_APPLY_SPEEDUP),
        (f"destroy of {a['n']} @ {a['latency_ms']} ms (s)", f"{a['terraform_destroy_s']:.2f}",
         f"{a['python_delete_s']:.2f} (Python seed loop)",
         a["python_delete_s"] / a["terraform_destroy_s"], "-", None),
        (f"apply of {a['n']}, vs Terraform's own floor (s)", f"{a['terraform_apply_s']:.2f}",
         f"{a['terraform_data_apply_s']:.2f} (terraform_data, no API)",
         a["terraform_apply_s"] / a["terraform_data_apply_s"], "-", None),
        (f"destroy of {a['n']}, vs Terraform's own floor (s)", f"{a['terraform_destroy_s']:.2f}",
         f"{a['terraform_data_destroy_s']:.2f} (terraform_data, no API)",
         a["terraform_destroy_s"] / a["terraform_data_destroy_s"], "-", None),
    ]
    print()
    print(f"## terraform-provider-azureai benchmark ({mode})")
    m = results["machine"]
    print(f"machine: {m['nproc']} cores, {m['mem_gib']} GiB, {m['cpu']}, load {m['loadavg_1m_at_start']} at start;"
          f" {results['terraform_version']}; provider binary: {results['provider_binary']}")
    print()
    print("| metric | azureai | reference | ratio | target | met |")
    print("|---|---:|---:|---:|---|---|")
    for name, ours, ref, ratio, target, met in rows:
        verdict = "-" if met is None else ("yes" if met else "NO")
        print(f"| {name} | {ours} | {ref} | {ratio:.2f} | {target} | {verdict} |")
    print()
    print(f"binary size: {s['binary_mb']:.1f} MB; handshake min/max {s['handshake_ms_min']:.2f}/{s['handshake_ms_max']:.2f} ms"
          f" over {s['runs']} runs; harness exec floor (/bin/echo) {s['exec_floor_ms_median']:.2f} ms")
    print(f"provider during the {p['n']}-resource plan: CPU {p['provider_cpu_s'] * 1000:.0f} ms"
          f" (user {p['provider_user_s'] * 1000:.0f}, sys {p['provider_sys_s'] * 1000:.0f}),"
          f" {p['provider_cpu_s'] * 1e6 / p['n']:.0f} us per resource, over {p['provider_processes']} provider processes;"
          f" peak RSS {p['provider_peak_rss_mb']:.1f} MB")
    print(f"Python seed loop time inside the process: create {a['python_create_loop_s']:.2f} s,"
          f" delete {a['python_delete_loop_s']:.2f} s; emulator requests: terraform {a['terraform_requests']},"
          f" python {a['python_requests']}")
    print(f"CPU time of the create commands (incl. children): terraform apply {a['terraform_apply_cpu_s']:.2f} s,"
          f" Python {a['python_create_cpu_s']:.2f} s")
    print()
    # Machine-readable lines; tests/bench_smoke.rs requires each one.
    ratios = {
        "handshake_vs_go_published": s["handshake_ms_median"] / GO_PUBLISHED_HANDSHAKE_MS,
        "idle_rss_vs_go_published": s["idle_rss_mb_median"] / GO_PUBLISHED_IDLE_RSS_MB,
        "plan_vs_terraform_data": p["azureai_s_median"] / p["terraform_data_s_median"],
        "apply_speedup_vs_python_seed": a["python_create_s"] / a["terraform_apply_s"],
        "destroy_speedup_vs_python_seed": a["python_delete_s"] / a["terraform_destroy_s"],
        # Conservative variant: only the Python loop's own time (no interpreter start, no imports)
        # against Terraform's whole command.
        "apply_speedup_vs_python_loop_only": a["python_create_loop_s"] / a["terraform_apply_s"],
        # The floors: what Terraform needs without our resource (minimal provider) or without any
        # provider process or API at all (terraform_data). A target above its floor cannot be met.
        "plan_minimal_provider_vs_terraform_data": p["minimal_s_median"] / p["terraform_data_s_median"],
        "plan_minimal_azureai_schema_vs_terraform_data": p["minimal_twin_s_median"] / p["terraform_data_s_median"],
        "apply_vs_terraform_data_apply": a["terraform_apply_s"] / a["terraform_data_apply_s"],
        "destroy_vs_terraform_data_destroy": a["terraform_destroy_s"] / a["terraform_data_destroy_s"],
        "apply_speedup_ceiling_vs_python_seed": a["python_create_s"] / a["terraform_data_apply_s"],
    }
    for name, value in ratios.items():
        print(f"RATIO {name}: {value:.3f}")
    results["ratios"] = ratios


def main():
    parser = argparse.ArgumentParser(description="terraform-provider-azureai benchmark driver (use scripts/bench.sh)")
    parser.add_argument("--provider", required=True, type=Path)
    parser.add_argument("--emulator", required=True, type=Path)
    parser.add_argument("--minimal-provider", required=True, type=Path,
                        help="the minimal-provider example binary (benches/minimal_provider.rs)")
    parser.add_argument("--terraform", default="terraform")
    parser.add_argument("--python-sdk", required=True, help="python of the azure-ai-projects 2.0.0b3 venv")
    parser.add_argument("--smoke", action="store_true", help="tiny N, for tests/bench_smoke.rs")
    parser.add_argument("--json", type=Path, help="also write every figure here")
    parser.add_argument("--keep", action="store_true", help="keep the work directory")
    args = parser.parse_args()

    cfg = SMOKE if args.smoke else FULL
    terraform = shutil.which(args.terraform) or args.terraform
    provider, emulator_bin = args.provider.resolve(), args.emulator.resolve()
    minimal_provider = args.minimal_provider.resolve()
    for p in (provider, emulator_bin, minimal_provider):
        if not p.is_file():
            raise BenchError(f"{p} does not exist")
    tf_version = subprocess.run([terraform, "version"], capture_output=True, text=True, check=True).stdout.splitlines()[0]

    workdir = Path(tempfile.mkdtemp(prefix="azureai-bench-"))
    results = {"mode": "smoke" if args.smoke else "full", "config": cfg, "machine": machine(),
               "terraform_version": tf_version, "provider_binary": str(provider)}
    try:
        log(f"start-up: {cfg['startup_runs']} runs")
        results["startup"] = bench_startup(provider, workdir, cfg["startup_runs"])
        log(f"plan: {cfg['plan_n']} resources, {cfg['plan_reps']} reps each")
        results["plan"] = bench_plan(provider, minimal_provider, emulator_bin, terraform, workdir,
                                     cfg["plan_n"], cfg["plan_reps"])
        log(f"apply/destroy: {cfg['apply_n']} versions at {cfg['latency_ms']} ms latency")
        results["apply"] = bench_apply(provider, emulator_bin, terraform, args.python_sdk, workdir,
                                       cfg["apply_n"], cfg["latency_ms"])
        report(results, results["mode"])
        if args.json:
            args.json.write_text(json.dumps(results, indent=2) + "\n")
    finally:
        if args.keep:
            log(f"work directory kept: {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BenchError as e:
        print(f"bench: FAILED: {e}", file=sys.stderr)
        sys.exit(1)
