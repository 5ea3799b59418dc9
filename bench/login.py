#!/usr/bin/env python3
"""Password logins per second against a running Oxwrite (release build), compared with the bare
Argon2id verification rate (Appwrite's parameters, all cores) on the same machine.

The machine's speed drifts by 10-20 % within minutes (shared hosts), so bare and server rounds
are interleaved and the median of the per-round ratios is reported. Load comes from wrk (one C
thread) so the client takes as little CPU as possible. Loopback only; bounded in time.

  bench/login.py     env: BENCH_ROUNDS (5), BENCH_SECONDS per round (8), BENCH_CONCURRENCY (8)
"""
import http.client
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "5"))
SECONDS = int(os.environ.get("BENCH_SECONDS", "8"))
CONCURRENCY = int(os.environ.get("BENCH_CONCURRENCY", "8"))


def run(cmd, env=None):
    return subprocess.run(cmd, cwd=ROOT, env=env, check=True, capture_output=True, text=True).stdout


def main():
    if subprocess.run(["which", "wrk"], capture_output=True).returncode != 0:
        subprocess.run(["apt-get", "install", "-y", "-q", "wrk"], check=True)
    # Two builds: selecting an example alone would skip the binary.
    run(["cargo", "build", "--release", "-p", "oxwrite"])
    run(["cargo", "build", "--release", "-p", "oxwrite-core", "--example", "argon2_rate"])
    bare_bin = os.path.join(ROOT, "target", "release", "examples", "argon2_rate")
    binary = os.path.join(ROOT, "target", "release", "oxwrite")

    data = tempfile.mkdtemp(prefix="oxwrite-bench-")
    env = dict(os.environ, OXWRITE_DATA=data, OXWRITE_LISTEN="127.0.0.1:0", OXWRITE_RATE_LIMITS="disabled", OXWRITE_LOG="warn")
    run([binary, "project", "create", "--id", "bench", "--name", "Bench"], env)
    key = run([binary, "key", "create", "--project", "bench", "--name", "k", "--scopes", "users.write"], env).strip().splitlines()[-1]
    server = subprocess.Popen([binary, "serve"], env=env, stdout=subprocess.PIPE, text=True)
    rounds = []
    try:
        port = int(re.search(r"127\.0\.0\.1:(\d+)", server.stdout.readline()).group(1))
        body = json.dumps({"userId": "u1", "email": "bench@example.com", "password": "bench-password-123"})
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        conn.request("POST", "/v1/users", body, {"Content-Type": "application/json", "X-Appwrite-Project": "bench", "X-Appwrite-Key": key})
        assert conn.getresponse().status == 201
        conn.close()
        url = f"http://127.0.0.1:{port}/v1/account/sessions/email"
        script = os.path.join(ROOT, "bench", "login.lua")
        for _ in range(ROUNDS):
            bare = float(re.search(r"= ([0-9.]+)/s", run([bare_bin, str(SECONDS)])).group(1))
            out = run(["wrk", "-t1", f"-c{CONCURRENCY}", f"-d{SECONDS}s", "-s", script, url])
            if "Non-2xx or 3xx responses" in out:
                raise SystemExit("some logins failed:\n" + out)
            logins = float(re.search(r"Requests/sec:\s+([0-9.]+)", out).group(1))
            rounds.append((bare, logins, logins / bare))
    finally:
        server.terminate()
        server.wait(timeout=10)
    print("| round | bare Argon2id verify/s | logins/s | ratio |")
    print("|---|---|---|---|")
    for i, (bare, logins, ratio) in enumerate(rounds, 1):
        print(f"| {i} | {bare:.1f} | {logins:.1f} | {100 * ratio:.0f}% |")
    print(f"| median | | | **{100 * statistics.median(r[2] for r in rounds):.0f}%** (goal >= 90%) |")


if __name__ == "__main__":
    sys.exit(main())
