#!/usr/bin/env python3
"""Realtime: Oxwrite's /v1/realtime (WebSocket) vs PocketBase 0.40.6's /api/realtime (SSE), same machine.

Each server gets a table/collection readable by anyone (Oxwrite: table and rows read("any");
PocketBase: listRule/viewRule "") and guest subscribers: Oxwrite connections subscribe in message
mode to `databases.db.tables.t.rows`, PocketBase clients post the subscription `items/*`.
The servers run one after the other, each on all cores (TOKIO_WORKER_THREADS / GOMAXPROCS).

  idle     memory per idle subscriber: server VmRSS (/proc/PID/status) before and after opening
           N subscribed connections (default 10,000), divided by N.
  fanout   one row created, delivered to those N subscribers; latency from the moment the create
           request is sent until each subscriber has the event. Event 0 is received through the
           client libraries (websockets / aiohttp on one asyncio loop), which adds the client's own
           event-loop lag. The following events are read straight from the sockets (epoll, recvmsg
           with SO_TIMESTAMPNS), alternately (a) only after the server has gone quiet: the kernel's
           receive timestamps say when each event reached its socket while this process used no
           CPU (the server's fan-out latency), and (b) while they arrive: when one Python thread got
           to each (what a single-threaded client on the same 2 cores sees).
  rate     M subscribers (default 1,000); wrk creates rows for S seconds (as fast as W connections
           allow, or paced); the subscribers' sockets are read and the events counted per second.
           Every subscriber should get every row created: lost = subscribers x rows - delivered.

  bench/realtime.py [--servers ox,pb] [--phases idle,fanout,rate] [--subscribers 10000] [--events 5]
                    [--rate-subscribers 1000] [--seconds 10] [--writers 8] [--rates max]
                    [--oxwrite-bin target/release/oxwrite]
The load generator runs in a venv under target/bench-venv (created on first use with pinned
websockets and aiohttp). Loopback only; servers are stopped at the end and on Ctrl-C.
Markdown tables on stdout, progress on stderr.
"""
import argparse
import asyncio
import json
import os
import re
import resource
import select
import shutil
import signal
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import time
import urllib.parse

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
VENV = os.path.join(ROOT, "target", "bench-venv")
PINS = ("websockets==15.0.1", "aiohttp==3.12.15")
LUA = os.path.join(ROOT, "bench", "realtime.lua")


def ensure_venv():
    """Re-run this script under target/bench-venv, creating it if missing."""
    if os.path.realpath(sys.prefix) == os.path.realpath(VENV):
        return
    py = os.path.join(VENV, "bin", "python")
    check = "import websockets, aiohttp; assert (websockets.__version__, aiohttp.__version__) == %r" % (
        tuple(p.split("==")[1] for p in PINS),)
    if not os.access(py, os.X_OK) or subprocess.run([py, "-c", check], capture_output=True).returncode != 0:
        print(f"creating {VENV} ({', '.join(PINS)})", file=sys.stderr, flush=True)
        subprocess.run([sys.executable, "-m", "venv", VENV], check=True)
        subprocess.run([os.path.join(VENV, "bin", "pip"), "install", "--quiet", *PINS], check=True)
    os.execv(py, [py, os.path.abspath(__file__), *sys.argv[1:]])


if __name__ == "__main__":
    ensure_venv()

import aiohttp  # noqa: E402
import websockets  # noqa: E402
from websockets.asyncio.client import connect as ws_connect  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tables  # noqa: E402  (server start/stop, JSON client; bench/tables.py)
from tables import CORES, Client, cpu_seconds, log, unwind_on_signals  # noqa: E402

SO_TIMESTAMPNS = 35  # Linux; Python 3.11's socket module lacks the constant (SCM_TIMESTAMPNS is the same)
ANC_SIZE = socket.CMSG_SPACE(16)
OX_ROWS = "/v1/tablesdb/db/tables/t/rows"
PB_RECORDS = "/api/collections/items/records"


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for pid {pid}")


def cpu_snapshot(pid):
    """(machine busy CPU-s, server CPU-s, this process + waited children CPU-s, wall time)."""
    with open("/proc/stat") as f:
        ticks = [int(x) for x in f.readline().split()[1:]]
    busy = (sum(ticks[:8]) - ticks[3] - ticks[4]) / os.sysconf("SC_CLK_TCK")  # all but idle and iowait
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return busy, cpu_seconds(pid), me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime, time.time()


def pct(values, p):
    """Nearest-rank percentile; missing deliveries count as infinitely late."""
    if not values:
        return float("inf")
    s = sorted(values)
    return s[min(len(s) - 1, max(0, int(round(p / 100 * len(s) + 0.5)) - 1))]


def fmt_ms(v):
    if v == float("inf"):
        return "∞"
    return f"{v:.2f}" if v < 10 else f"{v:.1f}" if v < 1000 else f"{v:.0f}"


# ---------------------------------------------------------------- servers

class Ox(tables.Oxwrite):
    marker_event = b'"type":"event"'  # once per event message

    def setup(self):
        a = self.admin
        self.key = a.headers["X-Appwrite-Key"]
        a.ok("POST", "/v1/tablesdb", {"databaseId": "db", "name": "db"})
        a.ok("POST", "/v1/tablesdb/db/tables", {"tableId": "t", "name": "t", "permissions": ['read("any")']})
        a.ok("POST", "/v1/tablesdb/db/tables/t/columns/varchar", {"key": "title", "size": 64, "required": False})
        self.wait_available("/v1/tablesdb/db/tables/t/columns/title", "column title")
        self.ws_url = f"ws://127.0.0.1:{self.port}/v1/realtime?project=bench"

    def create_request(self, rid):
        return "POST", OX_ROWS, {"X-Appwrite-Project": "bench", "X-Appwrite-Key": self.key}, {
            "rowId": rid, "data": {"title": "fanout"}, "permissions": ['read("any")']}

    def row_count(self):
        # `total` is capped at 5000 (as in Appwrite); rows are only ever added here, so the newest
        # row's $sequence counts them.
        q = [{"method": "orderDesc", "attribute": "$sequence"}, {"method": "limit", "values": [1]},
             {"method": "select", "values": ["$sequence"]}]
        qs = "&".join(f"queries%5B{i}%5D={urllib.parse.quote(json.dumps(x))}" for i, x in enumerate(q))
        rows = self.admin.ok("GET", f"{OX_ROWS}?{qs}&total=false")["rows"]
        return int(rows[0]["$sequence"]) if rows else 0

    def wrk_secret(self):
        return self.key

    def log_path(self):
        return self.logf.name

    async def subscribe(self, _session, _rest):
        ws = await ws_connect(self.ws_url, ping_interval=None, compression=None, proxy=None, open_timeout=120,
                              close_timeout=1, max_queue=None)
        hello = json.loads(await ws.recv())
        if hello.get("type") != "connected":
            raise RuntimeError(f"first message {hello}")
        await ws.send(json.dumps({"type": "subscribe", "data": [
            {"subscriptionId": "s1", "channels": ["databases.db.tables.t.rows"], "queries": []}]}))
        answer = json.loads(await ws.recv())
        if answer.get("type") != "response" or not answer["data"].get("success"):
            raise RuntimeError(f"subscribe answered {answer}")
        return OxConn(ws)


class OxConn:
    def __init__(self, ws):
        self.ws = ws
        self.transport = ws.transport

    async def next_message(self):
        msg = await self.ws.recv()
        return msg.encode() if isinstance(msg, str) else msg

    def abort(self):
        self.transport.abort()


class PB(tables.PocketBase):
    marker_event = b"event:items/*\n"

    def setup(self):
        self.token = self.admin.headers["Authorization"]
        self.admin.ok("POST", "/api/collections", {
            "name": "items", "type": "base",
            "fields": [{"name": "title", "type": "text", "max": 64}],
            "listRule": "", "viewRule": "",  # anyone; creates: superusers only
        })

    def create_request(self, rid):
        return "POST", PB_RECORDS, {"Authorization": self.token}, {"id": rid, "title": "fanout"}

    def row_count(self):
        return self.admin.ok("GET", f"{PB_RECORDS}?perPage=1")["totalItems"]

    def wrk_secret(self):
        return self.token

    def log_path(self):
        return os.path.join(self.peers, "pb.log")

    async def subscribe(self, session, rest):
        resp = await session.get(f"{self.url()}/api/realtime", headers={"Accept": "text/event-stream", "Accept-Encoding": "identity"})
        if resp.status != 200:
            raise RuntimeError(f"GET /api/realtime -> {resp.status}")
        first = await resp.content.readuntil(b"\n\n")
        m = re.search(rb'^data:(.*)$', first, re.M)
        if b"event:PB_CONNECT" not in first or not m:
            raise RuntimeError(f"first SSE message {first[:200]!r}")
        client_id = json.loads(m.group(1))["clientId"]
        async with rest.post(f"{self.url()}/api/realtime", json={"clientId": client_id, "subscriptions": ["items/*"]}) as r:
            if r.status != 204:
                raise RuntimeError(f"POST /api/realtime -> {r.status}: {(await r.text())[:200]}")
        return PBConn(resp)


class PBConn:
    def __init__(self, resp):
        self.resp = resp
        self.transport = resp.connection.transport

    async def next_message(self):
        return await self.resp.content.readuntil(b"\n\n")

    def abort(self):
        self.transport.abort()
        self.resp.close()


# ---------------------------------------------------------------- client side

async def open_subscribers(server, n, concurrency=200):
    """Opens n subscribed connections; returns them with the aiohttp sessions to close later."""
    session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0), timeout=aiohttp.ClientTimeout(
        total=None, sock_read=None, connect=120))
    rest = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=64))
    sem = asyncio.Semaphore(concurrency)
    conns, errors = [], []
    t = time.time()
    last = [t]

    async def one():
        async with sem:
            for attempt in range(3):
                try:
                    conns.append(await server.subscribe(session, rest))
                    break
                except Exception as e:  # noqa: BLE001  (reported below)
                    if attempt == 2:
                        errors.append(repr(e))
                    await asyncio.sleep(0.2)
            if time.time() - last[0] > 5:
                last[0] = time.time()
                log(f"{server.name}: {len(conns)}/{n} subscribed")

    await asyncio.gather(*(one() for _ in range(n)))
    log(f"{server.name}: {len(conns)} subscribers in {time.time() - t:.1f}s"
        + (f", {len(errors)} failed (first: {errors[0]})" if errors else ""))
    return conns, (session, rest), errors


async def close_subscribers(conns, sessions):
    for c in conns:
        try:
            c.abort()
        except Exception:  # noqa: BLE001
            pass
    await asyncio.sleep(0.5)
    for s in sessions:
        await s.close()


def kernel_ts(anc):
    """The receive timestamp (seconds, CLOCK_REALTIME) in recvmsg's ancillary data, if any."""
    for level, kind, raw in anc:
        if level == socket.SOL_SOCKET and kind == SO_TIMESTAMPNS and len(raw) >= 16:
            sec, nsec = struct.unpack("qq", raw[:16])
            return sec + nsec / 1e9
    return None


class Tap:
    """Reads subscriber sockets directly (epoll + recvmsg with kernel receive timestamps), with the
    asyncio transports paused. Connections are not handed back to their libraries afterwards."""

    def __init__(self, conns):
        self.ep = select.epoll()
        self.socks = {}
        self.closed = set()
        try:
            for c in conns:
                c.transport.pause_reading()
                fd = c.transport.get_extra_info("socket").fileno()
                # The transport's own descriptor (a dup would double the descriptors held); detached in close().
                s = self.socks[fd] = socket.socket(fileno=fd)
                s.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
                self.ep.register(fd, select.EPOLLIN)
        except BaseException:
            self.close()
            raise

    def read(self, fd):
        """Yields (data, kernel_ts) for what the socket holds now; marks it closed at EOF or reset."""
        s = self.socks[fd]
        while True:
            try:
                data, anc, _, _ = s.recvmsg(262144, ANC_SIZE)
            except (BlockingIOError, InterruptedError):
                return
            except ConnectionError:
                data, anc = b"", []
            if not data:
                self.closed.add(fd)
                self.ep.unregister(fd)
                return
            yield data, kernel_ts(anc)

    def close(self):
        self.ep.close()
        for s in self.socks.values():
            s.detach()  # the transport still owns the descriptor
        self.socks = {}


def http_request(port, method, path, headers, body):
    """A connected socket and the request bytes (sent by the caller, to time the send)."""
    data = json.dumps(body).encode()
    lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", "Connection: close", "Content-Type: application/json",
             f"Content-Length: {len(data)}"] + [f"{k}: {v}" for k, v in headers.items()]
    s = socket.create_connection(("127.0.0.1", port))
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s, ("\r\n".join(lines) + "\r\n\r\n").encode() + data


def wait_quiet(pid, deadline, least=0.5, quiet=0.3):
    """Waits until the process has used no CPU for `quiet` seconds (clock-tick resolution)."""
    start = time.time()
    last, since = cpu_seconds(pid), time.time()
    while time.time() < deadline:
        time.sleep(0.05)
        now, cpu = time.time(), cpu_seconds(pid)
        if cpu != last:
            last, since = cpu, now
        elif now - since >= quiet and now - start >= least:
            return


def tap_event(server, tap, rid, defer, timeout=60.0):
    """Creates row `rid` and waits until every open subscriber has it. Latencies in ms.
    defer: leave the sockets alone until the server has gone quiet, then read them; the kernel
    timestamps still say when each event arrived, and this process took no CPU from the server."""
    marker = rid.encode()
    keep = len(marker) - 1
    tails = dict.fromkeys(tap.socks, b"")
    pending = set(tap.socks) - tap.closed
    kernel, client = [], []
    hs, req = http_request(server.port, *server.create_request(rid))
    hs.setblocking(False)
    hs.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
    answer, answered = b"", None
    tap.ep.register(hs.fileno(), select.EPOLLIN)
    t0 = time.time()
    hs.sendall(req)
    deadline = t0 + timeout
    if defer:
        wait_quiet(server.pid_, deadline)
    try:
        while (pending or answered is None) and time.time() < deadline:
            for fd, _ in tap.ep.poll(0.2):
                if fd == hs.fileno():
                    try:
                        chunk, anc, _, _ = hs.recvmsg(65536, ANC_SIZE)
                    except BlockingIOError:
                        continue
                    if answered is None:  # kernel receive time of the answer's first bytes
                        answered = kernel_ts(anc) or time.time()
                    answer += chunk
                    if not chunk:
                        tap.ep.unregister(fd)
                    continue
                for data, ts in tap.read(fd):
                    if fd not in pending:
                        continue
                    buf = tails[fd] + data
                    if marker in buf:
                        now = time.time()
                        pending.discard(fd)
                        client.append((now - t0) * 1000)
                        kernel.append(((ts or now) - t0) * 1000)
                    else:
                        tails[fd] = buf[-keep:]
                pending -= tap.closed
    finally:
        try:
            tap.ep.unregister(hs.fileno())
        except (OSError, ValueError):
            pass
        hs.close()
    status = answer.split(b" ", 2)[1].decode() if answer.startswith(b"HTTP/") else "none"
    if status not in ("200", "201"):
        raise RuntimeError(f"create {rid} answered {status}: {answer[:300]!r}")
    return {"kernel": kernel, "client": client, "missed": len(pending), "closed": len(tap.closed),
            "answered": ((answered or deadline) - t0) * 1000}


async def library_event(server, conns, rid, timeout=120.0):
    """Event through the client libraries on the asyncio loop: latency to each subscriber's receive (ms)."""
    marker = rid.encode()
    done = []

    async def wait(c):
        while True:
            if marker in await c.next_message():
                done.append(time.monotonic())
                return

    tasks = [asyncio.create_task(wait(c)) for c in conns]
    await asyncio.sleep(0.5)  # every task is waiting in its recv
    method, path, headers, body = server.create_request(rid)
    async with aiohttp.ClientSession() as s:
        t0 = time.monotonic()
        async with s.request(method, server.url() + path, headers=headers, json=body) as r:
            answered = time.monotonic()
            if r.status not in (200, 201):
                raise RuntimeError(f"create {rid} -> {r.status}: {(await r.text())[:300]}")
        _, still = await asyncio.wait(tasks, timeout=timeout)
    for t in still:
        t.cancel()
    failed = sum(1 for t in tasks if t.done() and not t.cancelled() and t.exception())
    return {"lib": [(t - t0) * 1000 for t in done], "missed": len(conns) - len(done), "failed": failed,
            "answered": (answered - t0) * 1000}


def count_events(server, tap, n_subs, wrk_cmd, settle=3.0, timeout=120.0):
    """Runs wrk while counting event messages on every subscriber socket."""
    marker = server.marker_event
    keep = len(marker) - 1
    tails = dict.fromkeys(tap.socks, b"")
    counts = dict.fromkeys(tap.socks, 0)
    closed_at = {}
    bins = {}
    before = server.row_count()
    cpu0 = cpu_seconds(server.pid_)
    rus0 = resource.getrusage(resource.RUSAGE_SELF)
    wrk = subprocess.Popen(wrk_cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    t0 = time.time()
    wrk_end = after = None
    last_data = counted = last_round = t0
    try:
        while True:
            # Reading every 20 ms lets a few messages gather per socket: fewer system calls, so this
            # process takes less of the CPU the server needs. (The server queues 256 messages per
            # connection; 20 ms is a handful.)
            time.sleep(max(0.0, 0.02 - (time.time() - last_round)))
            last_round = time.time()
            events = tap.ep.poll(0.1)
            now = time.time()
            sec = int(now - t0)
            for fd, _ in events:
                for data, _ts in tap.read(fd):
                    buf = tails[fd] + data
                    c = buf.count(marker)
                    if c:
                        counts[fd] += c
                        bins[sec] = bins.get(sec, 0) + c
                        last_data = now
                    tails[fd] = buf[-keep:]
                if fd in tap.closed and fd not in closed_at:
                    closed_at[fd] = now - t0
            if wrk_end is None and wrk.poll() is not None:
                wrk_end = time.time()
            # wrk stops with requests in flight and the server still completes them: count the rows again
            # (every 0.25 s) for the first 2 s after wrk ends.
            if wrk_end is not None and now - wrk_end < 2.0 and now - counted >= 0.25:
                after, counted = server.row_count(), now
            if wrk_end is not None and now - wrk_end >= 2.0:
                after = server.row_count() if after is None else after
                expected = after - before
                open_fds = [fd for fd in counts if fd not in tap.closed]
                if all(counts[fd] >= expected for fd in open_fds) or now - last_data > settle or now - wrk_end > timeout:
                    break
    finally:
        if wrk.poll() is None:
            wrk.kill()
        out, err = wrk.communicate()
    after = server.row_count()
    rus1 = resource.getrusage(resource.RUSAGE_SELF)
    if wrk.returncode != 0:
        raise RuntimeError(f"wrk failed ({wrk.returncode}): {err}")
    created = after - before
    delivered = sum(counts.values())
    span = max(last_data, wrk_end) - t0
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    sock_err = re.search(r"Socket errors: (.*)", out)
    return {
        "created": created, "wrk_seconds": wrk_end - t0, "delivered": delivered, "span": span,
        "expected": created * n_subs, "lost": created * n_subs - delivered, "closed": len(tap.closed),
        "closed_at": sorted(closed_at.values()), "drain": max(0.0, last_data - wrk_end),
        "per_second": [bins.get(s, 0) for s in range(int(span) + 1)],
        "min_per_sub": min(counts.values(), default=0), "max_per_sub": max(counts.values(), default=0),
        "unpublished": created - max(counts.values(), default=0),
        "server_cpu": cpu_seconds(server.pid_) - cpu0,
        "client_cpu": (rus1.ru_utime + rus1.ru_stime) - (rus0.ru_utime + rus0.ru_stime),
        "wrk_rps": float(re.search(r"Requests/sec:\s+([0-9.]+)", out).group(1)),
        "wrk_errors": (non2xx.group(1) + " non-2xx" if non2xx else "") + (f" socket errors {sock_err.group(1)}" if sock_err else ""),
        "wrk_p99": re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1) if "99%" in out else "?",
    }


# ---------------------------------------------------------------- phases

async def idle_and_fanout(server, args, result):
    pid = server.pid_
    # A created row warms the write path; the baseline is taken with no realtime connection open.
    method, path, headers, body = server.create_request("warm0000000000a")
    Client(server.port, headers).ok(method, path, body)
    await asyncio.sleep(args.settle)
    before = rss_kib(pid)
    log(f"{server.name}: RSS before {before / 1024:.1f} MiB")
    conns, sessions, errors = await open_subscribers(server, args.subscribers)
    try:
        await asyncio.sleep(args.settle)
        samples = []
        for _ in range(5):
            samples.append(rss_kib(pid))
            await asyncio.sleep(0.5)
        with_n = statistics.median(samples)
        n = len(conns)
        result["idle"] = {"n": n, "errors": len(errors), "before": before, "after": with_n,
                          "per": (with_n - before) / max(1, n)}
        log(f"{server.name}: RSS with {n} subscribers {with_n / 1024:.1f} MiB -> "
            f"{(with_n - before) / max(1, n):.2f} KiB per subscriber")
        if "fanout" not in args.phases:
            return
        lib = await library_event(server, conns, "fan000000000000")
        log(f"{server.name}: event 0 (asyncio + client library) p50 {fmt_ms(pct(lib['lib'], 50))} ms, "
            f"p99 {fmt_ms(pct(lib['lib'], 99))} ms, max {fmt_ms(max(lib['lib'], default=float('inf')))} ms, "
            f"missed {lib['missed']}, create answered after {fmt_ms(lib['answered'])} ms")
        tap = Tap(conns)
        runs = {True: [], False: []}
        try:
            for k in range(1, 2 * args.events + 1):
                defer = k % 2 == 1  # alternate: sockets read after the fan-out / while it happens
                await asyncio.sleep(1.0)
                r = tap_event(server, tap, f"fan{k:012d}", defer)
                missing = [float("inf")] * r["missed"]
                r["p50k"], r["p99k"] = pct(r["kernel"] + missing, 50), pct(r["kernel"] + missing, 99)
                r["p50c"], r["p99c"] = pct(r["client"] + missing, 50), pct(r["client"] + missing, 99)
                r["maxk"] = max(r["kernel"] + missing, default=float("inf"))
                runs[defer].append(r)
                mode = "read afterwards," if defer else f"read meanwhile: client p50 {fmt_ms(r['p50c'])} / p99 {fmt_ms(r['p99c'])} ms,"
                log(f"{server.name}: event {k}: kernel p50 {fmt_ms(r['p50k'])} / p99 {fmt_ms(r['p99k'])} / "
                    f"max {fmt_ms(r['maxk'])} ms, {mode} create answered after {fmt_ms(r['answered'])} ms, "
                    f"missed {r['missed']}, closed {r['closed']}")
        finally:
            tap.close()
        result["fanout"] = {"n": n, "lib": lib, "deferred": runs[True], "concurrent": runs[False]}
        await asyncio.sleep(args.settle)
        result["idle"]["after_events"] = rss_kib(pid)
        log(f"{server.name}: RSS after the events, subscribers still open: {rss_kib(pid) / 1024:.1f} MiB -> "
            f"{(rss_kib(pid) - before) / max(1, n):.2f} KiB per subscriber")
    finally:
        await close_subscribers(conns, sessions)
        await asyncio.sleep(args.settle)
        result.setdefault("idle", {})["after_close"] = rss_kib(pid)
        log(f"{server.name}: RSS after closing them {rss_kib(pid) / 1024:.1f} MiB")


async def rate(server, args, result):
    result["rate"] = []
    for target in args.rates:
        conns, sessions, errors = await open_subscribers(server, args.rate_subscribers)
        tap = Tap(conns)
        try:
            await asyncio.sleep(1.0)
            delay = 0 if target == "max" else max(1, round(1000 * args.writers / float(target)))
            cmd = ["wrk", "-t1", f"-c{args.writers}", f"-d{args.seconds}s", "--latency", "-s", LUA, server.url(),
                   "--", server.short, server.wrk_secret(), str(delay)]
            log(f"{server.name}: {len(conns)} subscribers, wrk {args.writers} connections, "
                f"{'unpaced' if target == 'max' else f'~{target} creates/s'}, {args.seconds} s")
            r = count_events(server, tap, len(conns), cmd)
        finally:
            tap.close()
            await close_subscribers(conns, sessions)
        r.update(target=target, n=len(conns), errors=len(errors))
        result["rate"].append(r)
        per_sub = r["delivered"] / max(1, r["n"]) / r["span"]
        log(f"{server.name}: created {r['created']} rows in {r['wrk_seconds']:.1f}s ({r['created'] / r['wrk_seconds']:.0f}/s, "
            f"wrk p99 {r['wrk_p99']}{', ' + r['wrk_errors'] if r['wrk_errors'] else ''}); delivered {r['delivered']} of "
            f"{r['expected']} ({per_sub:.0f} events/s per subscriber, {r['delivered'] / r['span']:.0f} messages/s), "
            f"lost {r['lost']} (rows no subscriber got: {r['unpublished']}; per subscriber {r['min_per_sub']}-"
            f"{r['max_per_sub']} events), connections closed by the server {r['closed']}, drained {r['drain']:.1f}s after the "
            f"writes; CPU s: server {r['server_cpu']:.1f}, this client {r['client_cpu']:.1f}")
        log(f"{server.name}: messages per second at the clients: {r['per_second']}")
        await asyncio.sleep(2.0)


def server_warnings(server):
    try:
        with open(server.log_path(), errors="replace") as f:
            lines = [ln.rstrip() for ln in f if re.search(r"WARN|ERROR|panic", ln)]
    except OSError:
        return []
    return lines


# ---------------------------------------------------------------- main

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--servers", default="ox,pb", help="comma-separated: ox, pb")
    ap.add_argument("--phases", default="idle,fanout,rate", help="comma-separated subset of idle,fanout,rate")
    ap.add_argument("--subscribers", type=int, default=10000, help="idle / fan-out connections")
    ap.add_argument("--events", type=int, default=5, help="fan-out events per way of reading the sockets (after event 0)")
    ap.add_argument("--rate-subscribers", type=int, default=1000)
    ap.add_argument("--seconds", type=int, default=10, help="wrk duration per rate run")
    ap.add_argument("--writers", type=int, default=8, help="wrk connections creating rows")
    ap.add_argument("--rates", default="max", help="comma-separated creates/s targets for wrk (paced by delay), or max")
    ap.add_argument("--settle", type=float, default=3.0, help="seconds to wait before reading RSS")
    ap.add_argument("--oxwrite-bin", default=os.path.join(ROOT, "target", "release", "oxwrite"))
    args = ap.parse_args()
    args.phases = [p for p in args.phases.split(",") if p]
    args.rates = [r for r in args.rates.split(",") if r]
    servers_wanted = [s for s in args.servers.split(",") if s]
    assert set(servers_wanted) <= {"ox", "pb"} and set(args.phases) <= {"idle", "fanout", "rate"}

    if shutil.which("wrk") is None and "rate" in args.phases:
        subprocess.run(["apt-get", "install", "-y", "-q", "wrk"], check=True)
    if "ox" in servers_wanted and not os.access(args.oxwrite_bin, os.X_OK):
        raise SystemExit(f"no binary at {args.oxwrite_bin} (cargo build --release -p oxwrite)")

    # Sockets: this process holds every client socket, each server its end; both inherit this limit.
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    lo, hi = map(int, open("/proc/sys/net/ipv4/ip_local_port_range").read().split())
    room = min(hard - 512, hi - lo - 1000)
    log(f"RLIMIT_NOFILE {soft} -> {hard}; ephemeral ports {lo}-{hi}")
    for attr in ("subscribers", "rate_subscribers"):
        if getattr(args, attr) > room:
            log(f"--{attr.replace('_', '-')} {getattr(args, attr)} exceeds what this machine allows; using {room}")
            setattr(args, attr, room)

    # SIGINT too: a shell's `&` starts us ignoring it.
    unwind_on_signals((signal.SIGINT, signal.SIGTERM, signal.SIGHUP))

    work = tempfile.mkdtemp(prefix="realtime-bench-")
    results = {}
    started = []
    try:
        for short in servers_wanted:
            server = Ox(work, os.path.abspath(args.oxwrite_bin)) if short == "ox" else PB(work)
            started.append(server)
            server.start()
            server.pid_ = server.proc.pid if short == "ox" else server.pid
            server.setup()
            result = results[short] = {"name": server.name}
            snap0 = cpu_snapshot(server.pid_)
            if "idle" in args.phases or "fanout" in args.phases:
                asyncio.run(idle_and_fanout(server, args, result))
            if "rate" in args.phases:
                asyncio.run(rate(server, args, result))
            snap1 = cpu_snapshot(server.pid_)
            # The host is shared: CPU that neither the server, this process nor wrk used skews the figures.
            d = [b - a for a, b in zip(snap0, snap1)]
            result["others"] = (max(0.0, d[0] - d[1] - d[2]), d[3])
            log(f"{server.name}: other processes used {result['others'][0]:.1f} CPU-s during its {d[3]:.0f} s "
                f"(server {d[1]:.1f}, load generator and wrk {d[2]:.1f})")
            result["warnings"] = server_warnings(server)
            if result["warnings"]:
                log(f"{server.name}: {len(result['warnings'])} warning/error lines in {server.log_path()}, first: "
                    + " | ".join(result["warnings"][:3]))
            server.stop()
    except KeyboardInterrupt:
        log("interrupted")
        return 130
    finally:
        for s in started:
            s.stop()
        shutil.rmtree(work, ignore_errors=True)
    report(results, args)
    return 0


def report(results, args):
    names = {"ox": "Oxwrite", "pb": "PocketBase 0.40.6"}
    print(f"\nLoopback, {CORES} cores shared by server, load generator and wrk; one Python process holds every "
          f"subscriber (websockets {websockets.__version__}, aiohttp {aiohttp.__version__}).\n")
    idle = [(k, r["idle"]) for k, r in results.items() if "n" in r.get("idle", {})]
    if idle:
        print("Memory per idle subscriber (server VmRSS; target for Oxwrite ≤ 10 KB):\n")
        print("| server | subscribers | RSS before MiB | RSS with subscribers MiB | per idle subscriber KiB | "
              "after the fan-out events: RSS MiB / per subscriber KiB | RSS after closing them MiB |")
        print("|---|---|---|---|---|---|---|")
        for k, r in idle:
            err = f" ({r['errors']} failed)" if r["errors"] else ""
            ev = (f"{r['after_events'] / 1024:.1f} / {(r['after_events'] - r['before']) / max(1, r['n']):.1f}"
                  if "after_events" in r else "–")
            print(f"| {names[k]} | {r['n']}{err} | {r['before'] / 1024:.1f} | {r['after'] / 1024:.1f} | **{r['per']:.1f}** | "
                  f"{ev} | {r.get('after_close', 0) / 1024:.1f} |")
        print()
    fan = [(k, r["fanout"]) for k, r in results.items() if "fanout" in r]
    if fan:
        print(f"One row created, fanned out to every subscriber: latency from sending the create request to the "
              f"subscriber having the event, ms (target for Oxwrite: p99 < 100 ms). Medians over {args.events} events "
              "per column, worst p99 in brackets.\n"
              "- `server`: the event's arrival in the subscriber's socket (kernel receive timestamp, SO_TIMESTAMPNS), "
              "the sockets read only after the server went quiet, so the load generator took no CPU meanwhile;\n"
              "- `epoll client`: when one Python thread reading all sockets while the events arrive (epoll, recvmsg) "
              "got each one;\n"
              "- `asyncio client`: received through websockets/aiohttp on one asyncio loop (event 0 only): mostly "
              "the client's own event-loop lag.\n")
        print("| server | subscribers | server p50 / p99 | epoll client p50 / p99 | asyncio client p50 / p99 | "
              "create answered after | missed |")
        print("|---|---|---|---|---|---|---|")
        for k, f in fan:
            d, c, lib = f["deferred"], f["concurrent"], f["lib"]
            med = lambda runs, key: statistics.median(r[key] for r in runs) if runs else float("inf")  # noqa: E731
            worst = lambda runs, key: max((r[key] for r in runs), default=float("inf"))  # noqa: E731
            missed = sum(r["missed"] for r in d + c) + lib["missed"]
            print(f"| {names[k]} | {f['n']} | {fmt_ms(med(d, 'p50k'))} / **{fmt_ms(med(d, 'p99k'))}** "
                  f"[{fmt_ms(worst(d, 'p99k'))}] | {fmt_ms(med(c, 'p50c'))} / {fmt_ms(med(c, 'p99c'))} "
                  f"[{fmt_ms(worst(c, 'p99c'))}] | {fmt_ms(pct(lib['lib'], 50))} / {fmt_ms(pct(lib['lib'], 99))} | "
                  f"{fmt_ms(med(d + c, 'answered'))} | {missed} |")
        print()
    rates = [(k, r["rate"]) for k, r in results.items() if r.get("rate")]
    if rates:
        print(f"Sustained events, wrk -t1 -c{args.writers} creating rows for {args.seconds} s; every subscriber "
              "should receive every row. Events/s per subscriber = delivered / subscribers / (time from the first "
              "write to the last delivery).\n")
        print("| server | subscribers | creates | rows/s created | events/s per subscriber | messages/s delivered | "
              "lost (rows no one got) | connections closed by server | drain after writes s | CPU s server / client | "
              "server CPU µs per message |")
        print("|---|---|---|---|---|---|---|---|---|---|---|")
        for k, rs in rates:
            for r in rs:
                pace = "unpaced" if r["target"] == "max" else f"~{r['target']}/s"
                print(f"| {names[k]} | {r['n']} | {pace} | {r['created'] / r['wrk_seconds']:.0f} | "
                      f"**{r['delivered'] / r['n'] / r['span']:.0f}** | {r['delivered'] / r['span']:.0f} | "
                      f"{r['lost']} of {r['expected']} ({r['unpublished']}) | {r['closed']} | {r['drain']:.1f} | "
                      f"{r['server_cpu']:.1f} / {r['client_cpu']:.1f} | {1e6 * r['server_cpu'] / max(1, r['delivered']):.1f} |")
        print()
    for k, r in results.items():
        if "others" in r:
            print(f"- {names[k]}: other processes on the host used {r['others'][0]:.1f} CPU-s during its "
                  f"{r['others'][1]:.0f} s of measurements (≈ 0 for a clean run).")
        if r.get("warnings"):
            print(f"- {names[k]} log: {len(r['warnings'])} warning/error lines, e.g. `{r['warnings'][0][:200]}`")


if __name__ == "__main__":
    sys.exit(main())
