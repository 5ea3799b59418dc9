#!/usr/bin/env python3
"""Storage: upload and download throughput against a plain disk copy, server memory, and image
previews against PocketBase 0.40.6 thumbs. Same machine, same run, loopback.

transfer  (Oxwrite and the disk only) A file of N MiB (random bytes, default 1024) is made in the
          data folder and copied three ways, in alternating order per round (even rounds: disk copy,
          upload, download; odd rounds: upload, download, disk copy):
  disk      `dd if=src of=dst bs=1M` in the same folder: the source read from the page cache (it was
            just written and read; `fincore` says how much is resident), the copy written into it,
            no fsync (Oxwrite's blob writes do not fsync either).
  upload    as the SDKs do: 5 MiB chunks with `content-range`, the first without `x-appwrite-id`,
            the rest by 8 concurrent workers (keep-alive, one connection each) with
            `x-appwrite-id`; each request multipart/form-data with fields fileId, file,
            permissions[]; an API key; a bucket with encryption off, compression none and
            maximumFileSize = OXWRITE_STORAGE_LIMIT (the server is started with 5 GiB). Timed from
            the first byte sent to the last response; also reported: the rate until the last byte
            was sent, and how long the completing answer took after it (the server reads the whole
            file once more for its MD5 signature). Chunks are read from disk with pread as they
            are sent, so the client holds at most workers x 5 MiB (its peak RSS is reported).
  download  `curl` GET …/download with the key, to /dev/null, and (unless --download-to null) also
            to a file in the data folder: the step comparable to the disk copy (read + write).
          Before each timed step: `sync` (no dirty pages of an earlier step are written back during
          it) and the server idle. Each round uploads a new file and deletes it afterwards.
          Result: MiB/s per step, and upload and download as % of the disk copy (median of the
          per-round ratios; target >= 70 %). Each step also reports the server's CPU time, and the
          CPU that others used meanwhile (other processes by name, irq/softirq, hypervisor steal),
          so a round disturbed by a build elsewhere shows as such.
  memory    The server's VmRSS just before each upload/download, and its peak during it: VmHWM after
            resetting it (`echo 5 > /proc/PID/clear_refs`), cross-checked by sampling VmRSS every
            20 ms. Run with --size-mib 2048 for the 2 GiB figure.
preview   (both servers) The same deterministic 1920x1080 JPEG (Pillow, in target/storage-bench-venv)
          goes to an Oxwrite bucket readable by any (encryption off, compression none) and to a
          PocketBase collection with a file field (thumbs ["100x100"]), list/view rule "" (public).
          Both are read without credentials (Oxwrite: `?project=` in the URL):
            Oxwrite     GET /v1/storage/buckets/photos/files/{id}/preview?width=100&height=100&project=bench
            PocketBase  GET /api/files/photos/{record}/{filename}?thumb=100x100
  cold      the first request for a freshly uploaded file (every sample a new file whose bytes differ
            by a JPEG comment, so no cache keyed on content or id can answer), one new connection.
  cached    the same URL again and again: wrk -t1 -cC -dS --latency after one warming request.
          Servers alternate per sample and per round (PB, OX, then OX, PB, …); medians are reported.
          If Oxwrite answers the preview with anything but 200 (501 until previews land), its column
          says so and PocketBase is measured alone.

  bench/storage.py [--phases transfer,preview] [--size-mib 1024] [--rounds 5] [--workers 8]
                   [--download-to both|null] [--cold 7] [--seconds 5] [--connections 50]
                   [--oxwrite-bin target/release/oxwrite] [--work-dir target]
                   [--quiet-wait 1800] [--keep]
Before measuring, and again before each round, it waits (up to --quiet-wait s; 0 = not at all)
until no cargo/rustc/rust-lld process runs and the machine is idle; it prints the load average it
measured under, and per step which other processes used CPU anyway. The data
folders live in a temp dir under --work-dir (must not be tmpfs: uploads and the disk copy should hit
the same filesystem as /work) and are removed at the end (unless --keep), also on Ctrl-C.
Markdown on stdout, progress on stderr.
"""
import argparse
import concurrent.futures
import hashlib
import http.client
import json
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tables  # noqa: E402  (server start/stop, JSON client; bench/tables.py)
from tables import cpu_seconds, ensure_oxwrite, log, provenance, unwind_on_signals  # noqa: E402

ROOT = tables.ROOT
VENV = os.path.join(ROOT, "target", "storage-bench-venv")
PILLOW = "pillow==13.0.0"
MIB = 1024 * 1024
CHUNK = 5 * MIB
STORAGE_LIMIT = 5 * 1024 * MIB
PROJECT = "bench"
BIG_BUCKET = "big"
PHOTO_BUCKET = "photos"
THUMB = "100x100"
BUSY_NAMES = ("cargo", "rustc", "rust-lld", "cc1", "cc1plus", "ld", "clippy-driver")


# ---------------------------------------------------------------- machine

def proc_status(pid, key):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])  # kB
    raise RuntimeError(f"no {key} for pid {pid}")


def machine_busy():
    """CPU-seconds the whole machine has been busy (all but idle and iowait)."""
    return sum(machine_split().values())


def machine_split():
    """Busy CPU-seconds of the machine by kind: tasks (user, nice, system), irq (irq, softirq:
    loopback TCP is partly here), steal (the hypervisor ran someone else)."""
    with open("/proc/stat") as f:
        t = [int(x) / os.sysconf("SC_CLK_TCK") for x in f.readline().split()[1:]]
    return {"tasks": t[0] + t[1] + t[2], "irq": t[5] + t[6], "steal": t[7]}


def all_cpu():
    """CPU-seconds of every process, by pid: (name, seconds)."""
    out = {}
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/stat") as f:
                raw = f.read()
        except OSError:
            continue
        name = raw[raw.index("(") + 1:raw.rindex(")")]
        fields = raw.rsplit(")", 1)[1].split()
        out[int(pid)] = (name, (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK"))
    return out


def top_others(before, after, exclude, wall, n=3):
    """The processes (not in `exclude`) that used the most CPU between two all_cpu() snapshots."""
    used = []
    for pid, (name, secs) in after.items():
        if pid in exclude:
            continue
        d = secs - before.get(pid, (name, 0.0))[1]
        if d >= 0.01:
            used.append((d, name))
    used.sort(reverse=True)
    return ", ".join(f"{name} {100 * d / wall:.0f}%" for d, name in used[:n]) or "-"


def own_cpu():
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def loadavg():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def busy_processes():
    """Names of running build processes (cargo, rustc, linkers) other than ours."""
    found = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/comm") as f:
                name = f.read().strip()
        except OSError:
            continue
        if name in BUSY_NAMES:
            found.append(name)
    return sorted(set(found))


def wait_quiet_machine(limit_s, quiet_s=5):
    """Waits until no build runs and the machine is idle (< 15 % of one core over `quiet_s` s)."""
    if limit_s <= 0:
        return "not waited"
    start = time.time()
    said = 0.0
    while True:
        b0, t0 = machine_busy(), time.time()
        time.sleep(quiet_s)
        busy = (machine_busy() - b0) / (time.time() - t0)
        builds = busy_processes()
        if not builds and busy < 0.15:
            return f"quiet after {time.time() - start:.0f} s (busy {busy:.2f} cores, load {loadavg()})"
        if time.time() - start > limit_s:
            log(f"machine still busy after {limit_s} s ({', '.join(builds) or 'no builds'}, {busy:.2f} cores); measuring anyway")
            return f"NOT quiet after {limit_s} s: {', '.join(builds) or '-'} running, {busy:.2f} cores busy, load {loadavg()}"
        if time.time() - said > 60:
            log(f"waiting for a quiet machine: {', '.join(builds) or 'no builds'}, {busy:.2f} cores busy, load {loadavg()}")
            said = time.time()


def fs_type(path):
    """The filesystem type of the mount holding `path` (longest matching mount point)."""
    path = os.path.realpath(path)
    best, kind = "", "?"
    with open("/proc/mounts") as f:
        for line in f:
            dev, mnt, typ = line.split()[:3]
            mnt = mnt.replace("\\040", " ")
            if (path == mnt or path.startswith(mnt.rstrip("/") + "/")) and len(mnt) > len(best):
                best, kind = mnt, typ
    return kind


def resident_pct(path):
    """How much of a file is in the page cache (fincore), or None."""
    if shutil.which("fincore") is None:
        return None
    out = subprocess.run(["fincore", "-b", "-n", "-o", "RES,SIZE", path], capture_output=True, text=True)
    try:
        res, size = (int(x) for x in out.stdout.split())
        return min(100.0, 100.0 * res / size) if size else 100.0
    except ValueError:
        return None


class RssSampler:
    """VmRSS of a process every 20 ms, and its VmHWM after a reset (clear_refs 5)."""

    def __init__(self, pid):
        self.pid, self.peak, self.stop_ev = pid, 0, threading.Event()

    def __enter__(self):
        self.before = proc_status(self.pid, "VmRSS")
        try:
            with open(f"/proc/{self.pid}/clear_refs", "w") as f:
                f.write("5")
            self.hwm_reset = True
        except OSError:
            self.hwm_reset = False
        self.peak = self.before
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()
        return self

    def run(self):
        while not self.stop_ev.wait(0.02):
            try:
                self.peak = max(self.peak, proc_status(self.pid, "VmRSS"))
            except (OSError, RuntimeError):
                return

    def __exit__(self, *exc):
        self.stop_ev.set()
        self.thread.join()
        self.hwm = proc_status(self.pid, "VmHWM")
        self.peak = max(self.peak, proc_status(self.pid, "VmRSS"))


def sync():
    subprocess.run(["sync"], check=True)


def wait_idle(pid, quiet=0.3, limit=30.0):
    """Until the server used no CPU for `quiet` s (a finished upload may still be tidying)."""
    start, last, since = time.time(), cpu_seconds(pid), time.time()
    while time.time() - start < limit:
        time.sleep(0.05)
        cpu = cpu_seconds(pid)
        if cpu != last:
            last, since = cpu, time.time()
        elif time.time() - since >= quiet:
            return


# ---------------------------------------------------------------- servers

class Ox(tables.Oxwrite):
    def start(self):
        os.environ["OXWRITE_STORAGE_LIMIT"] = str(STORAGE_LIMIT)  # tables.Oxwrite copies os.environ
        super().start()
        self.key = self.admin.headers["X-Appwrite-Key"]

    def ready(self):
        status, doc = self.admin.call("GET", "/v1/storage/buckets")
        return status == 200, f"GET /v1/storage/buckets -> {status} {str(doc)[:200]}"

    def bucket(self, bucket_id, permissions):
        self.admin.ok("POST", "/v1/storage/buckets", {
            "bucketId": bucket_id, "name": bucket_id, "permissions": permissions, "fileSecurity": False,
            "maximumFileSize": STORAGE_LIMIT, "encryption": False, "compression": "none"})

    def files_path(self, bucket):
        return f"/v1/storage/buckets/{bucket}/files"


class PB(tables.PocketBase):
    def setup_photos(self):
        self.admin.ok("POST", "/api/collections", {
            "name": "photos", "type": "base",
            "fields": [{"name": "file", "type": "file", "maxSelect": 1, "maxSize": 50 * MIB,
                        "thumbs": [THUMB], "mimeTypes": []}],
            "listRule": "", "viewRule": "",
        })


# ---------------------------------------------------------------- multipart by hand (streamed)

def form_parts(boundary, file_id, filename, content_type, permissions):
    """The bytes before and after the file's content: fileId, file, then permissions[]."""
    head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"fileId\"\r\n\r\n{file_id}\r\n"
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{filename}\"\r\n"
            f"Content-Type: {content_type}\r\n\r\n").encode()
    tail = b"\r\n"
    for p in permissions:
        tail += f"--{boundary}\r\nContent-Disposition: form-data; name=\"permissions[]\"\r\n\r\n{p}\r\n".encode()
    tail += f"--{boundary}--\r\n".encode()
    return head, tail


def post_form(conn, path, headers, head, data, tail):
    """One multipart POST; the content goes out as is (no copy into one body)."""
    conn.putrequest("POST", path, skip_accept_encoding=True)
    for k, v in headers.items():
        conn.putheader(k, v)
    conn.putheader("Content-Length", str(len(head) + len(data) + len(tail)))
    conn.endheaders()
    conn.send(head)
    conn.send(data)
    conn.send(tail)
    sent = time.perf_counter()
    resp = conn.getresponse()
    body = resp.read()
    return resp.status, body, sent


def upload_chunked(ox, bucket, src, size, file_id, workers):
    """Uploads `src` like the SDKs: chunk 1 alone, then chunks 2…N by `workers` concurrent workers."""
    boundary = "oxwriteBench" + os.urandom(8).hex()
    head, tail = form_parts(boundary, file_id, os.path.basename(src), "application/octet-stream", ['read("any")'])
    base = {"X-Appwrite-Project": PROJECT, "X-Appwrite-Key": ox.key,
            "Content-Type": f"multipart/form-data; boundary={boundary}"}
    path = ox.files_path(bucket)
    n_chunks = max(1, -(-size // CHUNK))
    fd = os.open(src, os.O_RDONLY)
    local = threading.local()
    conns = []
    lock = threading.Lock()

    def send(n, upload_id):
        conn = getattr(local, "conn", None)
        if conn is None:
            conn = local.conn = http.client.HTTPConnection("127.0.0.1", ox.port, timeout=600)
            with lock:
                conns.append(conn)
        start = n * CHUNK
        end = min(size, start + CHUNK) - 1
        data = os.pread(fd, end - start + 1, start)
        h = dict(base)
        h["Content-Range"] = f"bytes {start}-{end}/{size}"
        if upload_id:
            h["X-Appwrite-Id"] = upload_id
        t = time.perf_counter()
        status, body, sent = post_form(conn, path, h, head, data, tail)
        done = time.perf_counter()
        if status not in (200, 201):
            raise RuntimeError(f"chunk {n + 1}/{n_chunks}: {status} {body[:300]!r}")
        return (done - t, sent, done), json.loads(body)

    try:
        t0 = time.perf_counter()
        took, doc = send(0, None)
        upload_id = doc["$id"]
        lat, final = [took[0]], doc if doc["chunksUploaded"] >= doc["chunksTotal"] else None
        final_took = took if final else None
        last_sent = took[1]
        if n_chunks > 1:
            pool = concurrent.futures.ThreadPoolExecutor(workers)
            try:
                for took, doc in pool.map(lambda n: send(n, upload_id), range(1, n_chunks)):
                    lat.append(took[0])
                    last_sent = max(last_sent, took[1])
                    if doc["chunksUploaded"] >= doc["chunksTotal"]:
                        final, final_took = doc, took
            finally:
                pool.shutdown(wait=True, cancel_futures=True)
        elapsed = time.perf_counter() - t0
    finally:
        os.close(fd)
        for c in conns:
            c.close()
    if final is None:
        raise RuntimeError(f"no response said the upload was complete (last: {doc})")
    # The completing request answers only after the server has read the whole file once (MD5);
    # `sent_s` is when the last byte of the last chunk had been sent.
    return {"seconds": elapsed, "doc": final, "chunk_p50_ms": 1000 * statistics.median(lat),
            "final_ms": 1000 * final_took[0], "after_last_byte_ms": 1000 * (final_took[2] - last_sent),
            "sent_s": last_sent - t0, "chunks": n_chunks}


# ---------------------------------------------------------------- transfer

def make_source(path, size):
    with open(path, "wb") as f:
        left = size
        while left:
            n = min(left, 4 * MIB)
            f.write(os.urandom(n))
            left -= n
    md5 = hashlib.md5()
    with open(path, "rb") as f:  # reads it once more, so it is resident like a just-used file
        while block := f.read(4 * MIB):
            md5.update(block)
    return md5.hexdigest()


def disk_copy(src, dst, size):
    if os.path.exists(dst):
        os.remove(dst)
    sync()
    cmd = ["dd", f"if={src}", f"of={dst}", "bs=1M"]
    t = time.perf_counter()
    out = subprocess.run(cmd, check=True, capture_output=True, text=True)
    wall = time.perf_counter() - t
    m = re.search(r"copied, ([0-9.]+) s", out.stderr)
    secs = float(m.group(1)) if m else wall
    got = os.path.getsize(dst)
    if got != size:
        raise RuntimeError(f"dd copied {got} of {size} bytes")
    os.remove(dst)
    return {"seconds": secs, "mibs": size / MIB / secs}


def download(ox, bucket, file_id, size, dest):
    url = f"{ox.url()}{ox.files_path(bucket)}/{file_id}/download"
    cmd = ["curl", "-sS", "--fail", "-o", dest, "-H", f"X-Appwrite-Project: {PROJECT}",
           "-H", f"X-Appwrite-Key: {ox.key}", "-w", "%{size_download} %{time_total} %{time_starttransfer}", url]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    got, total, first = out.split()
    if int(got) != size:
        raise RuntimeError(f"download got {got} of {size} bytes")
    return {"seconds": float(total), "mibs": size / MIB / float(total), "ttfb_ms": 1000 * float(first)}


def timed(ox, fn):
    """Runs fn with the server's memory and CPU watched; the server is idle and the disk synced first."""
    wait_idle(ox.proc.pid)
    sync()
    procs0 = all_cpu()
    cpu0, split0, own0, t0 = cpu_seconds(ox.proc.pid), machine_split(), own_cpu(), time.time()
    with RssSampler(ox.proc.pid) as mem:
        r = fn()
    wall = time.time() - t0
    split1, procs1 = machine_split(), all_cpu()
    r["server_cpu"] = cpu_seconds(ox.proc.pid) - cpu0
    # Other tasks: all task time but the server's and ours (children included: curl).
    r["others_cpu_pct"] = 100 * max(0.0, (split1["tasks"] - split0["tasks"]) - r["server_cpu"] - (own_cpu() - own0)) / wall
    r["irq_pct"] = 100 * (split1["irq"] - split0["irq"]) / wall
    r["steal_pct"] = 100 * (split1["steal"] - split0["steal"]) / wall
    r["top_others"] = top_others(procs0, procs1, {ox.proc.pid, os.getpid()}, wall)
    r["rss_before_mib"] = mem.before / 1024
    r["rss_peak_mib"] = max(mem.peak, mem.hwm if mem.hwm_reset else 0) / 1024
    r["hwm_reset"] = mem.hwm_reset
    return r


def run_transfer(ox, work, args, results):
    size = args.size_mib * MIB
    folder = os.path.join(work, "disk")
    os.makedirs(folder)
    src, dst = os.path.join(folder, "src.bin"), os.path.join(folder, "dst.bin")
    log(f"transfer: writing {args.size_mib} MiB of random bytes to {src}")
    md5 = make_source(src, size)
    results["resident_pct"] = resident_pct(src)
    ox.bucket(BIG_BUCKET, [])
    results["rounds"] = []
    for r in range(args.rounds):
        if r:
            wait_quiet_machine(args.quiet_wait, quiet_s=2)
        row = {}
        file_id = f"big{r}"

        def up():
            m0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            out = upload_chunked(ox, BIG_BUCKET, src, size, file_id, args.workers)
            out["client_maxrss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            out["client_maxrss_before_mib"] = m0 / 1024
            out["mibs"] = size / MIB / out["seconds"]
            return out

        steps = [("disk", lambda: timed(ox, lambda: disk_copy(src, dst, size))), ("upload", lambda: timed(ox, up)),
                 ("download", lambda: timed(ox, lambda: download(ox, BIG_BUCKET, file_id, size, "/dev/null")))]
        if args.download_to == "both":
            def to_file():
                dest = os.path.join(folder, "downloaded.bin")
                try:
                    return download(ox, BIG_BUCKET, file_id, size, dest)
                finally:
                    if os.path.exists(dest):
                        os.remove(dest)
            steps.append(("download_file", lambda: timed(ox, to_file)))
        if r % 2 == 1:
            steps = steps[1:] + steps[:1]  # disk copy last
        for name, fn in steps:
            row[name] = fn()
            m = row[name]
            extra = ""
            if name == "upload":
                if m["doc"]["signature"] != md5:
                    raise RuntimeError(f"signature {m['doc']['signature']} != md5 {md5}")
                extra = (f"  chunk p50 {m['chunk_p50_ms']:.0f} ms, completing chunk {m['final_ms']:.0f} ms "
                         f"(answered {m['after_last_byte_ms']:.0f} ms after the last byte was sent; until then "
                         f"{size / MIB / m['sent_s']:.0f} MiB/s), "
                         f"client maxrss {m['client_maxrss_mib']:.0f} MiB")
            if name == "disk":
                log(f"round {r + 1} {name:13} {m['mibs']:7.0f} MiB/s  ({m['seconds']:.2f} s)  others {m['others_cpu_pct']:.0f} % "
                    f"({m['top_others']}), softirq {m['irq_pct']:.0f} %, steal {m['steal_pct']:.0f} %")
                continue
            if "rss_peak_mib" in m:
                extra += (f"  server RSS {m['rss_before_mib']:.0f} -> peak {m['rss_peak_mib']:.0f} MiB, "
                          f"server CPU {m['server_cpu']:.2f} s, others {m['others_cpu_pct']:.0f} % "
                          f"({m['top_others']}), softirq {m['irq_pct']:.0f} %, steal {m['steal_pct']:.0f} %")
            log(f"round {r + 1} {name:13} {m['mibs']:7.0f} MiB/s  ({m['seconds']:.2f} s){extra}")
        ox.admin.ok("DELETE", f"{ox.files_path(BIG_BUCKET)}/{file_id}")
        results["rounds"].append(row)
    os.remove(src)


# ---------------------------------------------------------------- preview

GEN_JPEG = r"""
import random, sys
from PIL import Image, ImageDraw, ImageFilter
W, H = 1920, 1080
rnd = random.Random(20261122)
img = Image.merge("RGB", (Image.linear_gradient("L").resize((W, H)),
                          Image.radial_gradient("L").resize((W, H)),
                          Image.linear_gradient("L").rotate(90).resize((W, H))))
d = ImageDraw.Draw(img)
for _ in range(400):
    x, y, r = rnd.randrange(W), rnd.randrange(H), rnd.randrange(5, 120)
    d.ellipse((x - r, y - r, x + r, y + r), fill=tuple(rnd.randrange(256) for _ in range(3)))
img = img.filter(ImageFilter.GaussianBlur(2))
noise = Image.frombytes("L", (W, H), rnd.randbytes(W * H)).convert("RGB")
img = Image.blend(img, noise, 0.08)  # some sensor-like noise, so it encodes like a photo
img.save(sys.argv[1], "JPEG", quality=85)
"""


def ensure_pillow():
    py = os.path.join(VENV, "bin", "python")
    check = f"import PIL; assert PIL.__version__ == {PILLOW.split('==')[1]!r}"
    if not os.access(py, os.X_OK) or subprocess.run([py, "-c", check], capture_output=True).returncode != 0:
        log(f"creating {VENV} ({PILLOW})")
        subprocess.run([sys.executable, "-m", "venv", VENV], check=True)
        subprocess.run([os.path.join(VENV, "bin", "pip"), "install", "--quiet", PILLOW], check=True)
    return py


def jpeg_variant(jpeg, tag):
    """The same image with a COM segment after SOI: other bytes (and MD5), same pixels."""
    text = tag.encode()
    return jpeg[:2] + b"\xff\xfe" + (len(text) + 2).to_bytes(2, "big") + text + jpeg[2:]


def jpeg_size(data):
    """(width, height) from a JPEG's SOF segment, or None."""
    i = 2
    while i + 9 < len(data):
        if data[i] != 0xFF:
            return None
        marker = data[i + 1]
        length = int.from_bytes(data[i + 2:i + 4], "big")
        if marker in (0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF):
            return int.from_bytes(data[i + 7:i + 9], "big"), int.from_bytes(data[i + 5:i + 7], "big")
        i += 2 + length
    return None


def image_size(data):
    if data[:2] == b"\xff\xd8":
        return jpeg_size(data)
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    return None


def one_get(port, path):
    """One GET on a new connection: (ms to the last byte, status, content-type, body)."""
    t = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        conn.request("GET", path)
        resp = conn.getresponse()
        body = resp.read()
    finally:
        conn.close()
    return 1000 * (time.perf_counter() - t), resp.status, resp.getheader("Content-Type", ""), body


def upload_photo_ox(ox, file_id, data):
    boundary = "oxwriteBench" + os.urandom(8).hex()
    head, tail = form_parts(boundary, file_id, "photo.jpg", "image/jpeg", [])
    conn = http.client.HTTPConnection("127.0.0.1", ox.port, timeout=120)
    try:
        status, body, _ = post_form(conn, ox.files_path(PHOTO_BUCKET), {
            "X-Appwrite-Project": PROJECT, "X-Appwrite-Key": ox.key,
            "Content-Type": f"multipart/form-data; boundary={boundary}"}, head, data, tail)
    finally:
        conn.close()
    if status != 201:
        raise RuntimeError(f"Oxwrite photo upload: {status} {body[:300]!r}")
    return f"/v1/storage/buckets/{PHOTO_BUCKET}/files/{file_id}/preview?width=100&height=100&project={PROJECT}"


def upload_photo_pb(pb, data):
    boundary = "pbBench" + os.urandom(8).hex()
    head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"photo.jpg\"\r\n"
            f"Content-Type: image/jpeg\r\n\r\n").encode()
    tail = f"\r\n--{boundary}--\r\n".encode()
    conn = http.client.HTTPConnection("127.0.0.1", pb.port, timeout=120)
    try:
        status, body, _ = post_form(conn, "/api/collections/photos/records", {
            "Authorization": pb.admin.headers["Authorization"],
            "Content-Type": f"multipart/form-data; boundary={boundary}"}, head, data, tail)
    finally:
        conn.close()
    if status != 200:
        raise RuntimeError(f"PocketBase photo upload: {status} {body[:300]!r}")
    rec = json.loads(body)
    return f"/api/files/photos/{rec['id']}/{rec['file']}?thumb={THUMB}"


def to_ms(text):
    return tables.to_ms(text)


def wrk_get(port, path, seconds, connections):
    cmd = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", f"http://127.0.0.1:{port}{path}"]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    if re.search(r"Non-2xx or 3xx responses: (\d+)", out) or re.search(r"Socket errors: (.*)", out):
        raise RuntimeError(f"wrk {path}: failed requests\n{out}")
    return {"rps": float(re.search(r"Requests/sec:\s+([0-9.]+)", out).group(1)),
            "p50": to_ms(re.search(r"^\s+50%\s+(\S+)", out, re.M).group(1)),
            "p99": to_ms(re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1))}


def run_preview(ox, pb, work, args, results):
    py = ensure_pillow()
    jpg_path = os.path.join(work, "photo.jpg")
    subprocess.run([py, "-c", GEN_JPEG, jpg_path], check=True)
    with open(jpg_path, "rb") as f:
        jpeg = f.read()
    results["jpeg_bytes"] = len(jpeg)
    results["jpeg_sha"] = hashlib.sha256(jpeg).hexdigest()[:12]
    log(f"preview: 1920x1080 JPEG of {len(jpeg)} bytes (sha256 {results['jpeg_sha']})")
    servers = []
    if pb:
        pb.setup_photos()
        servers.append("pb")
    if ox:
        ox.bucket(PHOTO_BUCKET, ['read("any")'])
        path = upload_photo_ox(ox, "probe", jpeg_variant(jpeg, "probe"))
        ms, status, ctype, body = one_get(ox.port, path)
        if status == 200:
            servers.append("ox")
        else:
            results["ox_unavailable"] = f"{status} {body[:120].decode(errors='replace')}"
            log(f"preview: Oxwrite answers {results['ox_unavailable']}; measuring PocketBase alone")
    port = {"pb": pb.port if pb else None, "ox": ox.port if ox else None}
    wait_quiet_machine(args.quiet_wait, quiet_s=2)
    cold = {s: [] for s in servers}
    sizes = {}
    last = {}
    for k in range(args.cold):
        variant = jpeg_variant(jpeg, f"cold-{k}")
        paths = {}
        if "pb" in servers:
            paths["pb"] = upload_photo_pb(pb, variant)
        if "ox" in servers:
            paths["ox"] = upload_photo_ox(ox, f"cold{k}", variant)
        for s in (servers if k % 2 == 0 else servers[::-1]):
            wait_idle(pb.pid if s == "pb" else ox.proc.pid)
            ms, status, ctype, body = one_get(port[s], paths[s])
            if status != 200:
                raise RuntimeError(f"{s} cold preview: {status} {body[:200]!r}")
            sizes[s] = (image_size(body), ctype, len(body))
            cold[s].append(ms)
            log(f"cold {k + 1} {s}: {ms:.1f} ms  ({ctype}, {len(body)} bytes, {sizes[s][0]})")
        last = paths
    results["cold"], results["thumb"] = cold, sizes
    cached = {s: [] for s in servers}
    for s in servers:
        one_get(port[s], last[s])
        wrk_get(port[s], last[s], 1, args.connections)  # warm-up
    for r in range(args.rounds):
        wait_quiet_machine(args.quiet_wait, quiet_s=2)
        for s in (servers if r % 2 == 0 else servers[::-1]):
            m = wrk_get(port[s], last[s], args.seconds, args.connections)
            cached[s].append(m)
            log(f"cached round {r + 1} {s}: {m['rps']:.0f} req/s  p50 {m['p50']:.2f} ms  p99 {m['p99']:.2f} ms")
    results["cached"] = cached
    results["paths"] = last


# ---------------------------------------------------------------- report

def med(xs):
    return statistics.median(xs) if xs else float("nan")


def report(args, results, env):
    print(f"\n## Storage ({args.size_mib} MiB, {args.rounds} rounds)\n")
    print(f"- command: `{env['command']}`")
    print(f"- commit: `{env['commit']}`; binary: `{env['binary']}` (built {env['binary_mtime']})")
    print(f"- machine: {os.cpu_count()} cores; {env['quiet']}; load average during the run: "
          f"{env['load_start']} (start) / {env['load_end']} (end)")
    print(f"- data folder: {env['work']} ({env['fstype']})")
    t = results.get("transfer")
    if t:
        rounds = t["rounds"]
        disk = [r["disk"]["mibs"] for r in rounds]
        up = [r["upload"]["mibs"] for r in rounds]
        down = [r["download"]["mibs"] for r in rounds]
        res = t.get("resident_pct")
        print(f"\nTransfer: source file {res:.0f} % in the page cache (fincore) before round 1; `sync` before each step; "
              "no fsync in any step.\n" if res is not None else "\n")
        size_mib = args.size_mib
        print("| step | MiB/s (median) | per round | % of disk copy (median of per-round ratios; rounds) | median / median | target |")
        print("|---|---|---|---|---|---|")
        print(f"| disk copy `dd bs=1M` | {med(disk):.0f} | {', '.join(f'{x:.0f}' for x in disk)} | 100 % | 100 % | |")
        def line(label, xs, target):
            rs = [x / d for x, d in zip(xs, disk)]
            print(f"| {label} | {med(xs):.0f} | {', '.join(f'{x:.0f}' for x in xs)} | **{100 * med(rs):.0f} %** "
                  f"({', '.join(f'{100 * x:.0f}' for x in rs)}) | {100 * med(xs) / med(disk):.0f} % | {target} |")
        line(f"upload, 5 MiB chunks x {args.workers} workers", up, ">= 70 %")
        sent = [size_mib / r["upload"]["sent_s"] for r in rounds]
        line("… upload until its last byte was sent (before the completing answer)", sent, "")
        line("download to /dev/null (curl)", down, ">= 70 %")
        if "download_file" in rounds[0]:
            line("download to a file (curl)", [r["download_file"]["mibs"] for r in rounds], ">= 70 %")
        print("\nOther processes' CPU during each step (% of one core; disk / upload / download): " + "; ".join(
            f"round {i + 1}: " + " / ".join(f"{r[k]['others_cpu_pct']:.0f}" for k in ("disk", "upload", "download"))
            for i, r in enumerate(rounds)) + ".")
        u = [r["upload"] for r in rounds]
        d = [r["download"] for r in rounds]
        print("\n| | upload | download |")
        print("|---|---|---|")
        print(f"| server RSS before (first round) | {u[0]['rss_before_mib']:.0f} MiB | {d[0]['rss_before_mib']:.0f} MiB |")
        print(f"| server peak RSS (max over rounds; VmHWM reset{'' if u[0]['hwm_reset'] else ' NOT possible'}, 20 ms samples) | "
              f"**{max(x['rss_peak_mib'] for x in u):.0f} MiB** | **{max(x['rss_peak_mib'] for x in d):.0f} MiB** |")
        print(f"| largest growth during the step (peak - before) | {max(x['rss_peak_mib'] - x['rss_before_mib'] for x in u):.0f} MiB | "
              f"{max(x['rss_peak_mib'] - x['rss_before_mib'] for x in d):.0f} MiB |")
        print(f"| server CPU per GiB (median) | {med([x['server_cpu'] / (args.size_mib / 1024) for x in u]):.2f} s | "
              f"{med([x['server_cpu'] / (args.size_mib / 1024) for x in d]):.2f} s |")
        print(f"| other processes' CPU (max over rounds; % of one core) | {max(x['others_cpu_pct'] for x in u):.0f} % | "
              f"{max(x['others_cpu_pct'] for x in d):.0f} % |")
        print(f"| irq + softirq / steal (max over rounds; % of one core) | {max(x['irq_pct'] for x in u):.0f} % / "
              f"{max(x['steal_pct'] for x in u):.0f} % | {max(x['irq_pct'] for x in d):.0f} % / {max(x['steal_pct'] for x in d):.0f} % |")
        print(f"| upload: chunk latency p50 / the completing chunk (median) | {med([x['chunk_p50_ms'] for x in u]):.0f} ms / "
              f"{med([x['final_ms'] for x in u]):.0f} ms | |")
        print(f"| upload: completing answer after the last byte was sent (median) | {med([x['after_last_byte_ms'] for x in u]):.0f} ms | |")
        print(f"| download: time to first byte (median) | | {med([x['ttfb_ms'] for x in d]):.1f} ms |")
        print(f"| upload client peak RSS (this Python process) | {max(x['client_maxrss_mib'] for x in u):.0f} MiB "
              f"(before the first upload {u[0]['client_maxrss_before_mib']:.0f} MiB) | |")
    p = results.get("preview")
    if p:
        print(f"\nPreviews: one 1920x1080 JPEG ({p['jpeg_bytes']} bytes, sha256 {p['jpeg_sha']}), 100x100, no credentials "
              "(Oxwrite bucket read(\"any\") with `?project=`, PocketBase viewRule \"\").\n")
        if "ox_unavailable" in p:
            print(f"Oxwrite's preview answered **{p['ox_unavailable']}**: not measured.\n")
        names = {"pb": "PocketBase 0.40.6", "ox": "Oxwrite"}
        print("| | " + " | ".join(names[s] for s in p["cold"]) + (" | OX / PB |" if len(p["cold"]) == 2 else " |"))
        print("|---|" + "---|" * (len(p["cold"]) + (1 if len(p["cold"]) == 2 else 0)))
        row = [f"{med(p['cold'][s]):.1f} ms ({', '.join(f'{x:.0f}' for x in p['cold'][s])})" for s in p["cold"]]
        if len(p["cold"]) == 2:
            row.append(f"{med(p['cold']['ox']) / med(p['cold']['pb']):.2f}x time")
        print(f"| cold, first request for a new file (median, samples) | " + " | ".join(row) + " |")
        row = [f"{med([m['rps'] for m in p['cached'][s]]):.0f}" for s in p["cached"]]
        if len(p["cached"]) == 2:
            ratios = [o["rps"] / b["rps"] for b, o in zip(p["cached"]["pb"], p["cached"]["ox"])]
            row.append(f"**{med(ratios):.1f}x** ({', '.join(f'{x:.1f}' for x in ratios)})")
        print(f"| cached, req/s at {args.connections} connections (median of {args.rounds} x {args.seconds} s) | " + " | ".join(row) + " |")
        row = [f"{med([m['p50'] for m in p['cached'][s]]):.2f} / {med([m['p99'] for m in p['cached'][s]]):.2f}" for s in p["cached"]]
        if len(p["cached"]) == 2:
            row.append("")
        print("| cached, p50 / p99 ms | " + " | ".join(row) + " |")
        row = [f"{p['thumb'][s][0]} {p['thumb'][s][1]}, {p['thumb'][s][2]} B" for s in p["cold"]]
        if len(p["cold"]) == 2:
            row.append("")
        print("| thumbnail answered | " + " | ".join(row) + " |")
        print("\nURLs: " + "; ".join(f"`{p['paths'][s]}`" for s in p["paths"]))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--phases", default="transfer,preview", help="comma-separated subset of transfer,preview")
    ap.add_argument("--size-mib", type=int, default=1024)
    ap.add_argument("--rounds", type=int, default=5, help="transfer rounds, and cached-preview rounds per server")
    ap.add_argument("--workers", type=int, default=8, help="concurrent chunk uploads after the first chunk")
    ap.add_argument("--download-to", choices=("null", "both"), default="both")
    ap.add_argument("--cold", type=int, default=7, help="cold preview samples per server")
    ap.add_argument("--seconds", type=int, default=5, help="per cached-preview round and server")
    ap.add_argument("--connections", type=int, default=50)
    ap.add_argument("--oxwrite-bin", default=os.path.join(ROOT, "target", "release", "oxwrite"))
    ap.add_argument("--work-dir", default=os.path.join(ROOT, "target"), help="temp data folders go under it")
    ap.add_argument("--quiet-wait", type=int, default=1800, help="max seconds to wait for a quiet machine; 0 = no wait")
    ap.add_argument("--keep", action="store_true", help="keep the data folders")
    args = ap.parse_args()
    phases = [p for p in args.phases.split(",") if p]
    assert all(p in ("transfer", "preview") for p in phases), phases

    if shutil.which("wrk") is None and "preview" in phases:
        subprocess.run(["apt-get", "install", "-y", "-q", "wrk"], check=True)
    ensure_oxwrite(args.oxwrite_bin)
    os.makedirs(args.work_dir, exist_ok=True)
    fstype = fs_type(args.work_dir)
    if fstype in ("tmpfs", "ramfs"):
        raise SystemExit(f"{args.work_dir} is on {fstype}; pick a --work-dir on a disk")

    unwind_on_signals()

    env = dict(provenance(args.oxwrite_bin), fstype=fstype)
    work = tempfile.mkdtemp(prefix="storage-bench-", dir=args.work_dir)
    env["work"] = work
    ox = Ox(work, os.path.abspath(args.oxwrite_bin))
    pb = PB(work) if "preview" in phases else None
    results = {}
    try:
        env["quiet"] = wait_quiet_machine(args.quiet_wait)
        env["load_start"] = loadavg()
        log(f"machine: {env['quiet']}")
        ox.start()
        ok, why = ox.ready()
        if not ok:
            raise SystemExit(f"Oxwrite's storage is not ready ({why})")
        if "transfer" in phases:
            results["transfer"] = {}
            run_transfer(ox, work, args, results["transfer"])
        if "preview" in phases:
            pb.start()
            results["preview"] = {}
            run_preview(ox, pb, work, args, results["preview"])
        env["load_end"] = loadavg()
    except KeyboardInterrupt:
        log("interrupted")
        return 130
    finally:
        ox.stop()
        if pb:
            pb.stop()
        if args.keep:
            log(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    report(args, results, env)
    return 0


if __name__ == "__main__":
    sys.exit(main())
