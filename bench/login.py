#!/usr/bin/env python3
"""Password logins per second against a running Oxwrite (release build), compared with the bare
Argon2id verification rate on the same machine. Loopback only; bounded in time.

  bench/login.py            builds release, starts a server on port 0, measures, prints a table
"""
import concurrent.futures
import http.client
import json
import os
import re
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SECONDS = float(os.environ.get("BENCH_SECONDS", "10"))
CONCURRENCY = int(os.environ.get("BENCH_CONCURRENCY", "8"))


def run(cmd, env=None):
    return subprocess.run(cmd, cwd=ROOT, env=env, check=True, capture_output=True, text=True).stdout


def main():
    # Two builds: selecting an example alone would skip the binary.
    run(["cargo", "build", "--release", "-p", "oxwrite"])
    run(["cargo", "build", "--release", "-p", "oxwrite-core", "--example", "argon2_rate"])
    bare = run(["cargo", "run", "--release", "-q", "-p", "oxwrite-core", "--example", "argon2_rate", "--", str(int(SECONDS))])
    bare_rate = float(re.search(r"= ([0-9.]+)/s", bare).group(1))

    data = tempfile.mkdtemp(prefix="oxwrite-bench-")
    env = dict(os.environ, OXWRITE_DATA=data, OXWRITE_LISTEN="127.0.0.1:0", OXWRITE_RATE_LIMITS="disabled", OXWRITE_LOG="warn")
    binary = os.path.join(ROOT, "target", "release", "oxwrite")
    run([binary, "project", "create", "--id", "bench", "--name", "Bench"], env)
    key = run([binary, "key", "create", "--project", "bench", "--name", "k", "--scopes", "users.write"], env).strip().splitlines()[-1]
    server = subprocess.Popen([binary, "serve"], env=env, stdout=subprocess.PIPE, text=True)
    try:
        line = server.stdout.readline()
        port = int(re.search(r"127\.0\.0\.1:(\d+)", line).group(1))

        def call(method, path, body, headers):
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            c.request(method, "/v1" + path, json.dumps(body), dict({"Content-Type": "application/json", "X-Appwrite-Project": "bench"}, **headers))
            r = c.getresponse()
            r.read()
            c.close()
            return r.status

        assert call("POST", "/users", {"userId": "u1", "email": "bench@example.com", "password": "bench-password-123"}, {"X-Appwrite-Key": key}) == 201

        def worker(deadline):
            n = 0
            while time.monotonic() < deadline:
                if call("POST", "/account/sessions/email", {"email": "bench@example.com", "password": "bench-password-123"}, {}) == 201:
                    n += 1
            return n

        start = time.monotonic()
        deadline = start + SECONDS
        with concurrent.futures.ThreadPoolExecutor(CONCURRENCY) as pool:
            total = sum(pool.map(worker, [deadline] * CONCURRENCY))
        rate = total / (time.monotonic() - start)
    finally:
        server.terminate()
        server.wait(timeout=10)
    print(f"| bare Argon2id verify (m=7168 KiB, t=5, p=1), all cores | {bare_rate:.1}/s |")
    print(f"| POST /account/sessions/email, {CONCURRENCY} clients | {rate:.1}/s |")
    print(f"| ratio | {100 * rate / bare_rate:.0f}% (goal >= 90%) |")


if __name__ == "__main__":
    sys.exit(main())
