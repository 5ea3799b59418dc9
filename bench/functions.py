#!/usr/bin/env python3
"""Functions: cold start, warm latency and throughput of synchronous executions, Node and Python.

One Oxwrite server (release build, rate limits off, loopback) with two functions that do nothing
but answer JSON, deployed as the SDKs do (createDeployment, multipart `code` = a code.tar.gz,
`activate=true`, no build commands), default settings otherwise (logging on, 15 s timeout, the
default specification: s-8vcpu-8gb in Oxwrite, so node runs with --max-old-space-size=6144):
  node    runtime node-20.0, index.js (CommonJS):  module.exports = async ({ res }) => res.json({ ok: true });
  python  runtime python-3.11, main.py:            def main(context): return context.res.json({"ok": True})
Every measured request is the synchronous createExecution an API key sends:
  POST /v1/functions/{id}/executions  {"body":"","async":false,"path":"/","method":"POST"}
and counts only if the answer is 201 with status "completed" and responseStatusCode 200.
Reported per request: the HTTP round trip seen by the client, and the execution's own `duration`
field (Oxwrite times it from sending the request to the runtime server until its body and log
files are read; it excludes starting the instance).

cold      The first execution when no instance of the deployment runs; --cold samples per mode
          and runtime, the runtimes alternating:
  deploy    a new deployment of the same code, built, activated (getFunction shows it), the old
            one deleted (which kills its instance), the server idle; then the first execution.
  restart   the server restarted (instances die with it, as when the idle reaper (600 s) stops
            them: the next request finds no instance and starts one), one getFunction to wake
            the server's HTTP path and store, the server idle; then the first execution.
          Each sample also times the second execution (the instance is then warm). The server's
          own log (`OXWRITE_LOG=warn,oxwrite_runtimes=debug`) gives the instance start time
          (spawn through `oxwrite sandbox` until the runtime prints `listening <port>`).
warm      --warmup executions, then --sequential executions one at a time on one keep-alive
          connection: p50/p99 of the round trip and of `duration`, and the server's and the runtime
          processes' CPU per execution. Reference on the same connection: getFunction (an API
          call with the same key, no execution) round trip.
throughput  wrk -t1 -cC (--connections, default 16,50) with bench/functions.lua, --warmup-seconds
          of unrecorded load first (the pool starts the instances it needs: at most 8 requests
          per instance), then --rounds x --seconds; median req/s, p50/p99 (wrk --latency),
          failures summed, and CPU of the server, the runtime processes (the server's
          descendants), the load generator and everyone else.
reference The runtime server by hand, as the server starts it (cmdline, environment and cwd of a
          live instance, a new secret), without Oxwrite in the way: time from spawn to
          `listening`, bare and through `oxwrite sandbox` (same limits as the server gives), then
          the first request and --sequential warm requests straight to the runtime (p50).

  bench/functions.py [--runtimes node,python] [--phases warm,throughput,cold,reference]
                     [--cold 10] [--warmup 50] [--sequential 500] [--connections 16,50]
                     [--seconds 5] [--rounds 3] [--warmup-seconds 2]
                     [--oxwrite-bin target/release/oxwrite] [--work-dir target] [--quiet-wait 1800]
                     [--max-others 0.25] [--retries 3] [--keep]
Before each phase it waits (up to --quiet-wait s; 0 = not at all) until no cargo/rustc/linker runs
and the machine is idle (bench/storage.py's check); it prints the load it measured under and the
CPU other processes used during the timed phases. A warm run, a throughput round or a cold sample
during which other processes used more than --max-others cores (or a build started) is taken again
after another quiet wait, up to --retries times. Markdown on stdout, progress on stderr. The data
folder is a temp dir under --work-dir, removed at the end (unless --keep), also on Ctrl-C.
"""
import argparse
import http.client
import io
import json
import math
import os
import re
import shlex
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import storage  # noqa: E402  (machine helpers: quiet wait, CPU accounting)
import tables  # noqa: E402  (Oxwrite start/stop, JSON client)
from storage import all_cpu, loadavg, machine_split, own_cpu, top_others, wait_idle, wait_quiet_machine  # noqa: E402
from tables import Client, ensure_oxwrite, log, provenance, unwind_on_signals  # noqa: E402

ROOT = tables.ROOT
LUA = os.path.join(ROOT, "bench", "functions.lua")
PROJECT = "bench"
CORES = os.cpu_count() or 2
EXEC_BODY = {"body": "", "async": False, "path": "/", "method": "POST"}
RUNTIME_NAMES = {"node": "Node", "python": "Python"}

CODE = {
    "node": {
        "package.json": json.dumps({"name": "bench-fn", "version": "1.0.0", "main": "index.js", "type": "commonjs"}) + "\n",
        "index.js": "module.exports = async ({ res }) => res.json({ ok: true });\n",
    },
    "python": {
        "main.py": 'def main(context):\n    return context.res.json({"ok": True})\n',
    },
}
ENTRYPOINT = {"node": "index.js", "python": "main.py"}


# ---------------------------------------------------------------- small helpers

def pct(xs, p):
    """Nearest-rank percentile."""
    s = sorted(xs)
    return s[max(0, math.ceil(p / 100 * len(s)) - 1)] if s else float("nan")


def med(xs):
    return statistics.median(xs) if xs else float("nan")


def fmt(v):
    return f"{v:.2f}" if v < 10 else f"{v:.1f}" if v < 1000 else f"{v:.0f}"


def descendants(pid):
    """Pids of all processes below `pid`, with their names."""
    parent, names = {}, {}
    for p in os.listdir("/proc"):
        if not p.isdigit():
            continue
        try:
            with open(f"/proc/{p}/stat") as f:
                raw = f.read()
        except OSError:
            continue
        names[int(p)] = raw[raw.index("(") + 1:raw.rindex(")")]
        parent[int(p)] = int(raw.rsplit(")", 1)[1].split()[1])
    out, todo = {}, [pid]
    while todo:
        cur = todo.pop()
        for child, par in parent.items():
            if par == cur and child not in out:
                out[child] = names[child]
                todo.append(child)
    return out


def code_archive(files):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for name, text in files.items():
            data = text.encode()
            info = tarfile.TarInfo("./" + name)
            info.size, info.mode, info.mtime = len(data), 0o644, int(time.time())
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


class Conn:
    """One keep-alive connection that times requests (perf_counter around send + full read)."""

    def __init__(self, port, headers):
        self.port, self.headers, self.conn = port, headers, None

    def call(self, method, path, body=None):
        h = dict(self.headers)
        data = None
        if body is not None:
            data = json.dumps(body)
            h["Content-Type"] = "application/json"
        for attempt in range(2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
                self.conn.connect()
            try:
                t = time.perf_counter()
                self.conn.request(method, path, data, h)
                resp = self.conn.getresponse()
                raw = resp.read()
                ms = 1000 * (time.perf_counter() - t)
                return resp.status, raw, ms
            except (http.client.HTTPException, ConnectionError):
                self.close()
                if attempt == 1:
                    raise

    def close(self):
        if self.conn:
            self.conn.close()
        self.conn = None


def check_execution(status, raw):
    """The execution document of a good answer, or raises."""
    try:
        doc = json.loads(raw)
    except ValueError:
        doc = None
    if status != 201 or not isinstance(doc, dict) or doc.get("status") != "completed" \
            or doc.get("responseStatusCode") != 200 or '"ok"' not in doc.get("responseBody", ""):
        raise RuntimeError(f"execution answered {status}: {raw[:400]!r}")
    return doc


# ---------------------------------------------------------------- server

class Ox(tables.Oxwrite):
    """tables.Oxwrite with the runtimes' debug log (instance start times), and restarts."""

    def start(self):
        self.port = tables.free_port()
        self.env = dict(os.environ, OXWRITE_DATA=self.data, OXWRITE_LISTEN=f"127.0.0.1:{self.port}",
                        OXWRITE_RATE_LIMITS="disabled", OXWRITE_LOG="warn,oxwrite_runtimes=debug",
                        TOKIO_WORKER_THREADS=str(CORES))
        self.run("project", "create", "--id", PROJECT, "--name", PROJECT)
        self.key = self.run("key", "create", "--project", PROJECT, "--name", "bench", "--scopes", "all").strip().splitlines()[-1]
        self.log_path = os.path.join(os.path.dirname(self.data), "oxwrite.log")
        self.logf = open(self.log_path, "w")
        self.serve()

    def serve(self):
        self.proc = subprocess.Popen([self.binary, "serve"], env=self.env, stdout=self.logf, stderr=subprocess.STDOUT)
        for _ in range(200):
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                break
            except OSError:
                if self.proc.poll() is not None:
                    raise RuntimeError("oxwrite serve exited; see " + self.log_path)
                time.sleep(0.05)
        self.headers = {"X-Appwrite-Project": PROJECT, "X-Appwrite-Key": self.key}
        self.admin = Client(self.port, self.headers)
        log(f"Oxwrite ({self.binary}) on 127.0.0.1:{self.port} (pid {self.proc.pid}, TOKIO_WORKER_THREADS={CORES})")

    def restart(self):
        kids = list(descendants(self.proc.pid))
        self.stop()
        # Instances exit when their stdin closes (the server's end); wait until they are gone.
        for _ in range(100):
            if not any(os.path.exists(f"/proc/{p}") for p in kids):
                break
            time.sleep(0.05)
        self.serve()

    def log_offset(self):
        self.logf.flush()
        return os.path.getsize(self.log_path)

    def cold_starts_since(self, offset):
        """`cold_start_ms` values the server logged since `offset` (ANSI colours stripped)."""
        with open(self.log_path, errors="replace") as f:
            f.seek(offset)
            text = re.sub(r"\x1b\[[0-9;]*m", "", f.read())
        return [int(x) for x in re.findall(r"cold_start_ms[=:]\s*(\d+)", text)]

    def runtime_ids(self):
        doc = self.admin.ok("GET", "/v1/functions/runtimes")
        out = {}
        for r in doc["runtimes"]:
            out.setdefault(r["key"], r["$id"])
        return out

    def create_function(self, fid, runtime_id, entrypoint):
        self.admin.ok("POST", "/v1/functions", {"functionId": fid, "name": fid, "runtime": runtime_id,
                                                 "entrypoint": entrypoint, "execute": []})

    def deploy(self, fid, archive):
        """createDeployment (multipart, activate=true); waits until ready and active. Returns its id."""
        boundary = "oxwriteBench" + os.urandom(8).hex()
        body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"activate\"\r\n\r\ntrue\r\n"
                f"--{boundary}\r\nContent-Disposition: form-data; name=\"code\"; filename=\"code.tar.gz\"\r\n"
                f"Content-Type: application/gzip\r\n\r\n").encode() + archive + f"\r\n--{boundary}--\r\n".encode()
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            conn.request("POST", f"/v1/functions/{fid}/deployments", body,
                         dict(self.headers, **{"Content-Type": f"multipart/form-data; boundary={boundary}"}))
            resp = conn.getresponse()
            raw = resp.read()
        finally:
            conn.close()
        if resp.status not in (200, 201, 202):
            raise RuntimeError(f"createDeployment {fid}: {resp.status} {raw[:300]!r}")
        dep = json.loads(raw)["$id"]
        deadline = time.time() + 120
        while time.time() < deadline:
            d = self.admin.ok("GET", f"/v1/functions/{fid}/deployments/{dep}")
            if d["status"] == "ready":
                break
            if d["status"] in ("failed", "canceled"):
                raise RuntimeError(f"deployment {dep} of {fid}: {d['status']}: {d.get('buildLogs', '')[:500]}")
            time.sleep(0.02)
        while time.time() < deadline:
            if self.admin.ok("GET", f"/v1/functions/{fid}")["deploymentId"] == dep:
                return dep
            time.sleep(0.02)
        raise RuntimeError(f"deployment {dep} of {fid} not active in time")

    def instances(self):
        """Runtime processes (the server's descendants) by name."""
        return descendants(self.proc.pid)

    def instances_of(self, fid):
        """Pids of the runtime processes of function `fid` (by their environment)."""
        out = []
        for p in self.instances():
            try:
                with open(f"/proc/{p}/environ", "rb") as f:
                    if f"APPWRITE_FUNCTION_ID={fid}\0".encode() in f.read():
                        out.append(p)
            except OSError:
                pass
        return out


# ---------------------------------------------------------------- phases

def cpu_watch():
    return {"procs": all_cpu(), "split": machine_split(), "own": own_cpu(), "t": time.time()}


def cpu_used(ox, w0):
    """CPU-seconds between cpu_watch() and now: server, runtime processes, us (+ waited children:
    wrk), others; and the wall time."""
    procs1, split1, own1, wall = all_cpu(), machine_split(), own_cpu(), time.time() - w0["t"]
    spid = ox.proc.pid
    server = procs1.get(spid, ("", 0))[1] - w0["procs"].get(spid, ("", 0))[1]
    kids = descendants(spid)
    runtimes = sum(procs1[p][1] - w0["procs"].get(p, ("", 0))[1] for p in kids if p in procs1)
    loadgen = own1 - w0["own"]
    tasks = split1["tasks"] - w0["split"]["tasks"]
    others = max(0.0, tasks - server - runtimes - loadgen)
    return {"server": server, "runtimes": runtimes, "loadgen": loadgen, "others": others,
            "irq": split1["irq"] - w0["split"]["irq"], "steal": split1["steal"] - w0["split"]["steal"], "wall": wall,
            "top_others": top_others(w0["procs"], procs1, {spid, os.getpid(), *kids}, wall)}


def disturbed(cpu, args):
    """Whether other processes used more than --max-others cores during a measurement."""
    return cpu["others"] / max(cpu["wall"], 1e-6) > args.max_others or bool(cpu.get("builds"))


def run_warm(ox, fns, args, results):
    for rt, fid in fns.items():
        for attempt in range(args.retries + 1):
            r = warm_once(ox, fid, rt, args)
            if not disturbed(r["cpu"], args) or attempt == args.retries:
                break
            log(f"warm {rt}: others used {r['cpu']['others'] / r['cpu']['wall']:.2f} cores ({r['cpu']['top_others']}); again")
        results[rt] = r


def warm_once(ox, fid, rt, args):
    wait_quiet_machine(args.quiet_wait, quiet_s=2)
    c = Conn(ox.port, ox.headers)
    for _ in range(args.warmup):
        check_execution(*c.call("POST", f"/v1/functions/{fid}/executions", EXEC_BODY)[:2])
    get_ms = []
    for _ in range(min(args.sequential, 200)):
        status, raw, ms = c.call("GET", f"/v1/functions/{fid}")
        assert status == 200, (status, raw[:200])
        get_ms.append(ms)
    wait_idle(ox.proc.pid)
    w0 = cpu_watch()
    rtt, dur = [], []
    for _ in range(args.sequential):
        status, raw, ms = c.call("POST", f"/v1/functions/{fid}/executions", EXEC_BODY)
        doc = check_execution(status, raw)
        rtt.append(ms)
        dur.append(1000 * doc["duration"])
    cpu = cpu_used(ox, w0)
    c.close()
    n = len(rtt)
    r = {"rtt": rtt, "dur": dur, "get": get_ms, "cpu": cpu, "instances": sorted(ox.instances().values())}
    log(f"warm {rt}: round trip p50 {fmt(med(rtt))} / p99 {fmt(pct(rtt, 99))} ms, duration p50 {fmt(med(dur))} / "
        f"p99 {fmt(pct(dur, 99))} ms, getFunction p50 {fmt(med(get_ms))} ms; CPU per execution: server "
        f"{1e6 * cpu['server'] / n:.0f} µs, runtime {1e6 * cpu['runtimes'] / n:.0f} µs, client {1e6 * cpu['loadgen'] / n:.0f} µs; "
        f"others {100 * cpu['others'] / cpu['wall']:.0f} % ({cpu['top_others']}); instances {r['instances']}")
    return r


def wrk_run(ox, fid, connections, seconds):
    cmd = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--timeout", "35s", "--latency", "-s", LUA,
           f"http://127.0.0.1:{ox.port}", "--", fid, PROJECT, ox.key]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True)
    text = out.stdout
    m = re.search(r"completed (\d+) failed (\d+)", text)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    sock = re.search(r"Socket errors: (.*)", text)
    if out.stderr.strip():
        log("wrk stderr: " + out.stderr.strip()[:600])
    return {"rps": float(re.search(r"Requests/sec:\s+([0-9.]+)", text).group(1)),
            "p50": tables.to_ms(re.search(r"^\s+50%\s+(\S+)", text, re.M).group(1)),
            "p99": tables.to_ms(re.search(r"^\s+99%\s+(\S+)", text, re.M).group(1)),
            "completed": int(m.group(1)), "failed": int(m.group(2)),
            "non2xx": int(non2xx.group(1)) if non2xx else 0, "socket_errors": sock.group(1) if sock else ""}


def run_throughput(ox, fns, args, results):
    levels = [int(x) for x in args.connections.split(",") if x]
    for rt, fid in fns.items():
        results[rt] = {}
        for c in levels:
            wait_quiet_machine(args.quiet_wait, quiet_s=2)
            off = ox.log_offset()
            if args.warmup_seconds:
                wrk_run(ox, fid, c, args.warmup_seconds)
            time.sleep(0.05)
            started = len(ox.cold_starts_since(off))
            log(f"throughput {rt} c={c}: the warm-up started {started} instance(s); {len(ox.instances_of(fid))} of {fid} now run")
            rounds = []
            for r in range(args.rounds):
                for attempt in range(args.retries + 1):
                    if attempt:
                        wait_quiet_machine(args.quiet_wait, quiet_s=2)
                    wait_idle(ox.proc.pid, quiet=0.2)
                    off = ox.log_offset()
                    w0 = cpu_watch()
                    m = wrk_run(ox, fid, c, args.seconds)
                    m["cpu"] = cpu_used(ox, w0)
                    m["instances"] = len(ox.instances_of(fid))
                    m["started"] = len(ox.cold_starts_since(off))
                    m["started_warmup"] = started
                    m["attempts"] = attempt + 1
                    cpu = m["cpu"]
                    log(f"throughput {rt} c={c} round {r + 1}: {m['rps']:.0f} req/s, p50 {fmt(m['p50'])} ms, p99 {fmt(m['p99'])} ms, "
                        f"completed {m['completed']}, failed {m['failed']}, socket errors '{m['socket_errors']}'; CPU (cores): server "
                        f"{cpu['server'] / cpu['wall']:.2f}, runtimes {cpu['runtimes'] / cpu['wall']:.2f} ({m['instances']} instances of {fid}, {m['started']} started), "
                        f"wrk {cpu['loadgen'] / cpu['wall']:.2f}, others {cpu['others'] / cpu['wall']:.2f} ({cpu['top_others']}), "
                        f"softirq {cpu['irq'] / cpu['wall']:.2f}, steal {cpu['steal'] / cpu['wall']:.2f}")
                    if not disturbed(cpu, args) or attempt == args.retries:
                        rounds.append(m)
                        break
                    log("  disturbed by other processes; again")
            results[rt][c] = rounds


def first_two(ox, fid):
    """The first execution (cold) and the second (warm) on a fresh connection; plus the log's start time."""
    off = ox.log_offset()
    w0 = cpu_watch()  # from here: other processes' CPU over >= 0.3 s, so clock ticks (10 ms) matter little
    c = Conn(ox.port, ox.headers)
    c.call("GET", f"/v1/functions/{fid}")  # connection up, the server's HTTP path warm
    wait_idle(ox.proc.pid, quiet=0.2)
    before = len(ox.instances_of(fid))
    s1, raw1, ms1 = c.call("POST", f"/v1/functions/{fid}/executions", EXEC_BODY)
    d1 = check_execution(s1, raw1)
    s2, raw2, ms2 = c.call("POST", f"/v1/functions/{fid}/executions", EXEC_BODY)
    d2 = check_execution(s2, raw2)
    cpu = cpu_used(ox, w0)
    cpu["builds"] = storage.busy_processes()
    c.close()
    time.sleep(0.05)  # the log line is written before the answer; let the file catch up
    starts = ox.cold_starts_since(off)
    return {"cpu": cpu, "rtt": ms1, "dur": 1000 * d1["duration"], "rtt2": ms2, "dur2": 1000 * d2["duration"],
            "start_ms": starts[0] if starts else None, "instances_before": before, "starts_logged": len(starts)}


def run_cold(ox, fns, args, results):
    archives = {rt: code_archive(CODE[rt]) for rt in fns}
    current = {rt: ox.admin.ok("GET", f"/v1/functions/{fid}")["deploymentId"] for rt, fid in fns.items()}
    results["deploy"] = {rt: [] for rt in fns}
    results["restart"] = {rt: [] for rt in fns}
    order = list(fns)
    wait_quiet_machine(args.quiet_wait, quiet_s=2)
    for k in range(args.cold):
        for rt in (order if k % 2 == 0 else order[::-1]):
            fid = fns[rt]
            dep = ox.deploy(fid, archives[rt])
            # The previous deployment goes, and with it its instance: no instance runs for this function.
            ox.admin.ok("DELETE", f"/v1/functions/{fid}/deployments/{current[rt]}")
            current[rt] = dep
            time.sleep(0.1)
            s = first_two(ox, fid)
            if disturbed(s["cpu"], args):
                log(f"cold/deploy {k + 1} {rt}: others used {s['cpu']['others'] / s['cpu']['wall']:.2f} cores "
                    f"({s['cpu']['top_others']}); sample dropped, taken again")
                wait_quiet_machine(args.quiet_wait, quiet_s=2)
                dep = ox.deploy(fid, archives[rt])
                ox.admin.ok("DELETE", f"/v1/functions/{fid}/deployments/{current[rt]}")
                current[rt] = dep
                time.sleep(0.1)
                s = first_two(ox, fid)
                s["retried"] = True
            results["deploy"][rt].append(s)
            log(f"cold/deploy {k + 1} {rt}: first {fmt(s['rtt'])} ms (duration {fmt(s['dur'])} ms, instance start "
                f"{s['start_ms']} ms), second {fmt(s['rtt2'])} ms (duration {fmt(s['dur2'])} ms); "
                f"instances of {fid} before: {s['instances_before']}")
    wait_quiet_machine(args.quiet_wait, quiet_s=2)
    for k in range(args.cold):
        for attempt in range(args.retries + 1):
            ox.restart()
            got = {rt: first_two(ox, fns[rt]) for rt in (order if k % 2 == 0 else order[::-1])}
            bad = [rt for rt, s in got.items() if disturbed(s["cpu"], args)]
            if not bad or attempt == args.retries:
                break
            log(f"cold/restart {k + 1}: disturbed by other processes ({', '.join(got[rt]['cpu']['top_others'] for rt in bad)}); again")
            wait_quiet_machine(args.quiet_wait, quiet_s=2)
        for rt, s in got.items():
            results["restart"][rt].append(s)
            log(f"cold/restart {k + 1} {rt}: first {fmt(s['rtt'])} ms (duration {fmt(s['dur'])} ms, instance start "
                f"{s['start_ms']} ms), second {fmt(s['rtt2'])} ms (duration {fmt(s['dur2'])} ms)")


def run_reference(ox, fns, args, results):
    """The runtime server started by hand from a live instance's cmdline/env/cwd."""
    for rt, fid in fns.items():
        wait_quiet_machine(args.quiet_wait, quiet_s=2)
        c = Conn(ox.port, ox.headers)
        check_execution(*c.call("POST", f"/v1/functions/{fid}/executions", EXEC_BODY)[:2])
        c.close()
        dep = ox.admin.ok("GET", f"/v1/functions/{fid}")["deploymentId"]
        live = [p for p in ox.instances() if os.path.exists(f"/proc/{p}/cmdline")]
        pid = None
        for p in live:
            with open(f"/proc/{p}/environ", "rb") as f:
                env_raw = f.read()
            if f"APPWRITE_FUNCTION_DEPLOYMENT={dep}".encode() in env_raw:
                pid = p
                break
        if pid is None:
            log(f"reference {rt}: no live instance of {dep}; skipped")
            continue
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            argv = [a.decode() for a in f.read().split(b"\0") if a]
        env = dict(kv.decode().split("=", 1) for kv in env_raw.split(b"\0") if b"=" in kv)
        cwd = os.readlink(f"/proc/{pid}/cwd")
        exe = os.path.realpath(os.readlink(f"/proc/{pid}/exe"))
        secret = os.urandom(16).hex()
        env["OPEN_RUNTIMES_SECRET"] = secret
        if rt == "python":
            prefix = subprocess.run([exe, "-c", "import sys; print(sys.base_prefix)"], capture_output=True, text=True,
                                    check=True).stdout.strip()
        else:
            prefix = os.path.dirname(os.path.dirname(exe))
        dep_dir = os.path.dirname(cwd)
        servers = os.path.join(os.path.dirname(dep_dir), "servers")
        memory = env.get("OPEN_RUNTIMES_MEMORY", "512")
        sandboxed = [ox.binary, "sandbox", "--rw", dep_dir, "--ro", prefix, "--ro", servers, "--memory", memory,
                     "--nproc", "4096", "--nofile", "4096", "--fsize", "2048", "--", argv[0], *argv[1:]]
        variants = {"bare": argv, "sandbox": sandboxed}
        out = {"argv": argv, "starts": {v: [] for v in variants}, "first": {v: [] for v in variants}}
        for k in range(args.cold):
            for v in (list(variants) if k % 2 == 0 else list(variants)[::-1]):
                t = time.perf_counter()
                p = subprocess.Popen(variants[v], cwd=cwd, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL, start_new_session=True)
                line = p.stdout.readline().decode()
                started = 1000 * (time.perf_counter() - t)
                m = re.match(r"listening (\d+)", line)
                if not m:
                    p.kill()
                    raise RuntimeError(f"reference {rt} {v}: first line {line!r}")
                port = int(m.group(1))
                direct = Conn(port, {"x-open-runtimes-secret": secret, "x-open-runtimes-timeout": "15",
                                     "x-open-runtimes-logging": "disabled"})
                status, raw, first = direct.call("POST", "/", None)
                assert status == 200 and b"ok" in raw, (status, raw[:200])
                out["starts"][v].append(started)
                out["first"][v].append(first)
                if k == 0 and v == "bare":
                    warm = []
                    for _ in range(args.sequential):
                        status, raw, ms = direct.call("POST", "/", None)
                        warm.append(ms)
                    out["warm"] = warm
                direct.close()
                p.stdin.close()
                try:
                    p.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    os.killpg(p.pid, signal.SIGKILL)
                    p.wait()
        results[rt] = out
        log(f"reference {rt}: spawn -> listening bare p50 {fmt(med(out['starts']['bare']))} ms, sandboxed "
            f"{fmt(med(out['starts']['sandbox']))} ms; first request {fmt(med(out['first']['bare']))} ms; warm direct p50 "
            f"{fmt(med(out['warm']))} ms; argv {' '.join(argv)}")


# ---------------------------------------------------------------- report

def report(args, results, env, fns):
    rts = list(fns)
    print(f"\n## Functions: synchronous executions ({', '.join(RUNTIME_NAMES[r] for r in rts)})\n")
    print(f"- command: `{env['command']}`")
    print(f"- commit: `{env['commit']}`; binary: `{env['binary']}` (built {env['binary_mtime']})")
    names = ", ".join(f"{RUNTIME_NAMES[r]} `{env['runtime_ids'][r]}` ({env['versions'][r]})" for r in rts)
    print(f"- runtimes: {names}")
    print(f"- machine: {CORES} cores; {env['quiet']}; load average {env['load_start']} (start) / {env.get('load_end', '?')} (end)")
    print("- every answer checked: 201, status `completed`, responseStatusCode 200, body `{\"ok\":true}`\n")
    cold = results.get("cold")
    if cold:
        print(f"Cold start ({args.cold} samples per mode and runtime; p99 is nearest-rank, so with fewer than 100 samples it is the largest):\n")
        print("| runtime | mode | first execution round trip p50 / p99 ms | its `duration` p50 / p99 ms | instance start (server log) p50 / p99 ms | second execution round trip / `duration` p50 ms |")
        print("|---|---|---|---|---|---|")
        for mode in ("deploy", "restart"):
            for rt in rts:
                s = cold[mode][rt]
                rtt, dur = [x["rtt"] for x in s], [x["dur"] for x in s]
                st = [x["start_ms"] for x in s if x["start_ms"] is not None]
                label = {"deploy": "new deployment", "restart": "server restarted"}[mode]
                print(f"| {RUNTIME_NAMES[rt]} | {label} | **{fmt(med(rtt))}** / {fmt(pct(rtt, 99))} | {fmt(med(dur))} / {fmt(pct(dur, 99))} | "
                      f"{fmt(med(st)) if st else '-'} / {fmt(pct(st, 99)) if st else '-'} | "
                      f"{fmt(med([x['rtt2'] for x in s]))} / {fmt(med([x['dur2'] for x in s]))} |")
        print("\nSamples (first execution round trip, ms): " + "; ".join(
            f"{RUNTIME_NAMES[rt]} {mode}: " + ", ".join(f"{x['rtt']:.0f}" for x in cold[mode][rt]) for mode in ("deploy", "restart") for rt in rts) + ".")
    ref = results.get("reference")
    if ref:
        print("\nReference, the runtime server started by hand with the instance's own command, environment and folder:\n")
        print("| runtime | spawn to `listening`, bare p50 / p99 ms | through `oxwrite sandbox` p50 / p99 ms | first request straight to it p50 ms | warm requests straight to it p50 / p99 ms |")
        print("|---|---|---|---|---|")
        for rt in rts:
            if rt not in ref:
                continue
            o = ref[rt]
            b, s = o["starts"]["bare"], o["starts"]["sandbox"]
            print(f"| {RUNTIME_NAMES[rt]} | {fmt(med(b))} / {fmt(pct(b, 99))} | {fmt(med(s))} / {fmt(pct(s, 99))} | "
                  f"{fmt(med(o['first']['bare'] + o['first']['sandbox']))} | {fmt(med(o['warm']))} / {fmt(pct(o['warm'], 99))} |")
        print("\nCommands: " + "; ".join(f"`{' '.join(shlex.quote(a) for a in ref[rt]['argv'])}`" for rt in rts if rt in ref))
    warm = results.get("warm")
    if warm:
        print(f"\nWarm, {args.sequential} sequential executions on one keep-alive connection after {args.warmup} warm-up executions:\n")
        print("| runtime | round trip p50 / p99 ms | `duration` p50 / p99 ms | getFunction round trip p50 ms (no execution) | server CPU per execution | runtime CPU per execution | client CPU per execution |")
        print("|---|---|---|---|---|---|---|")
        for rt in rts:
            w = warm[rt]
            n = len(w["rtt"])
            print(f"| {RUNTIME_NAMES[rt]} | **{fmt(med(w['rtt']))}** / {fmt(pct(w['rtt'], 99))} | {fmt(med(w['dur']))} / {fmt(pct(w['dur'], 99))} | "
                  f"{fmt(med(w['get']))} | {1e6 * w['cpu']['server'] / n:.0f} µs | {1e6 * w['cpu']['runtimes'] / n:.0f} µs | "
                  f"{1e6 * w['cpu']['loadgen'] / n:.0f} µs |")
    tp = results.get("throughput")
    if tp:
        print(f"\nThroughput, wrk -t1 (bench/functions.lua), {args.warmup_seconds} s warm-up then {args.rounds} x {args.seconds} s per row, medians; "
              "CPU in cores (2 = the whole machine):\n")
        print("| runtime | connections | executions/s | p50 / p99 ms | failed (all rounds) | instances (started in warm-up) | CPU server / runtimes / wrk / others | server + runtime CPU per execution |")
        print("|---|---|---|---|---|---|---|---|")
        for rt in rts:
            for c, rounds in tp[rt].items():
                failed = sum(m["failed"] + (1 if m["socket_errors"] else 0) for m in rounds)
                done = sum(m["completed"] for m in rounds)

                def cores(k):
                    return med([m["cpu"][k] / m["cpu"]["wall"] for m in rounds])
                per = med([(m["cpu"]["server"] + m["cpu"]["runtimes"]) / max(1, m["completed"] + m["failed"]) for m in rounds])
                per_round = ", ".join(f"{m['rps']:.0f}" for m in rounds)
                print(f"| {RUNTIME_NAMES[rt]} | {c} | **{med([m['rps'] for m in rounds]):.0f}** ({per_round}) | "
                      f"{fmt(med([m['p50'] for m in rounds]))} / {fmt(med([m['p99'] for m in rounds]))} | {failed} of {done + failed} | "
                      f"{max(m['instances'] for m in rounds)} ({rounds[0]['started_warmup']}) | {cores('server'):.2f} / {cores('runtimes'):.2f} / {cores('loadgen'):.2f} / "
                      f"{cores('others'):.2f} | {1e6 * per:.0f} µs |")
        sock = [f"{rt} c={c}: {m['socket_errors']}" for rt in rts for c, rounds in tp[rt].items() for m in rounds if m["socket_errors"]]
        if sock:
            print("\nwrk socket errors: " + "; ".join(sock))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runtimes", default="node,python")
    ap.add_argument("--phases", default="warm,throughput,cold,reference")
    ap.add_argument("--cold", type=int, default=10, help="cold samples per mode and runtime (and reference spawns)")
    ap.add_argument("--warmup", type=int, default=50, help="executions before the sequential ones")
    ap.add_argument("--sequential", type=int, default=500)
    ap.add_argument("--connections", default="16,50", help="comma-separated wrk connection counts")
    ap.add_argument("--seconds", type=int, default=5)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--warmup-seconds", type=int, default=2)
    ap.add_argument("--oxwrite-bin", default=os.path.join(ROOT, "target", "release", "oxwrite"))
    ap.add_argument("--work-dir", default=os.path.join(ROOT, "target"))
    ap.add_argument("--quiet-wait", type=int, default=1800, help="max seconds to wait for a quiet machine; 0 = no wait")
    ap.add_argument("--max-others", type=float, default=0.25,
                    help="a measurement during which other processes used more cores than this is taken again")
    ap.add_argument("--retries", type=int, default=3, help="how often a disturbed measurement is taken again")
    ap.add_argument("--keep", action="store_true")
    args = ap.parse_args()
    rts = [r for r in args.runtimes.split(",") if r]
    phases = [p for p in args.phases.split(",") if p]
    assert all(r in CODE for r in rts), rts
    assert all(p in ("warm", "throughput", "cold", "reference") for p in phases), phases

    if shutil.which("wrk") is None and "throughput" in phases:
        subprocess.run(["apt-get", "install", "-y", "-q", "wrk"], check=True)
    ensure_oxwrite(args.oxwrite_bin)
    unwind_on_signals()

    env = dict(provenance(args.oxwrite_bin),
               versions={"node": subprocess.run(["node", "--version"], capture_output=True, text=True).stdout.strip(),
                         "python": subprocess.run(["python3", "--version"], capture_output=True, text=True).stdout.strip()})
    os.makedirs(args.work_dir, exist_ok=True)
    work = tempfile.mkdtemp(prefix="functions-bench-", dir=args.work_dir)
    ox = Ox(work, os.path.abspath(args.oxwrite_bin))
    results = {}
    try:
        env["quiet"] = wait_quiet_machine(args.quiet_wait)
        env["load_start"] = loadavg()
        log(f"machine: {env['quiet']}")
        ox.start()
        ids = ox.runtime_ids()
        missing = [r for r in rts if r not in ids]
        if missing:
            raise SystemExit(f"no runtime for {missing} (GET /v1/functions/runtimes: {ids})")
        env["runtime_ids"] = ids
        fns = {}
        for rt in rts:
            fid = f"bench-{rt}"
            ox.create_function(fid, ids[rt], ENTRYPOINT[rt])
            t = time.time()
            ox.deploy(fid, code_archive(CODE[rt]))
            log(f"{fid} ({ids[rt]}) deployed in {time.time() - t:.2f} s")
            fns[rt] = fid
        if "warm" in phases:
            results["warm"] = {}
            run_warm(ox, fns, args, results["warm"])
        if "throughput" in phases:
            results["throughput"] = {}
            run_throughput(ox, fns, args, results["throughput"])
        if "cold" in phases:
            results["cold"] = {}
            run_cold(ox, fns, args, results["cold"])
        if "reference" in phases:
            results["reference"] = {}
            run_reference(ox, fns, args, results["reference"])
        env["load_end"] = loadavg()
    except KeyboardInterrupt:
        log("interrupted")
        return 130
    finally:
        ox.stop()
        if args.keep:
            log(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    report(args, results, env, fns)
    return 0


if __name__ == "__main__":
    sys.exit(main())
