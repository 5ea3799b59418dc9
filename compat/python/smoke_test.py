#!/usr/bin/env python3
"""Smoke test of the official Appwrite Python SDK against Oxwrite.

Starts its own `oxwrite serve` (port 0, temp data folder), creates a project
and an API key with the CLI, then runs the SSR flow with the SDK:
create a user with the key, log in with the key client, read session.secret,
act as the user with a fresh client (set_session), list users, log out.
Then TablesDB rows, and Storage: a bucket, a ~6 MiB upload through the SDK's
chunked path (InputFile.from_bytes), its download, a small file, deletes.
Then Functions: a node function deployed from a tar.gz built with tarfile,
executed synchronously, deleted.

Run:  python3 compat/python/smoke_test.py   (binary: $OXWRITE_BIN or
      <repo>/target/debug/oxwrite). Prints "N passed, M failed" and exits
      non-zero on failure.
"""

import hashlib
import io
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
import traceback
import uuid

from appwrite.client import Client
from appwrite.exception import AppwriteException
from appwrite.id import ID
from appwrite.input_file import InputFile
from appwrite.query import Query
from appwrite.permission import Permission
from appwrite.role import Role
from appwrite.services.account import Account
from appwrite.services.functions import Functions
from appwrite.services.storage import Storage
from appwrite.services.tables_db import TablesDB
from appwrite.services.tokens import Tokens
from appwrite.services.users import Users

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
BIN = os.path.abspath(os.environ.get("OXWRITE_BIN") or os.path.join(REPO, "target", "debug", "oxwrite"))
LISTEN_RE = re.compile(r"listening on (http://\S+)")
PASSWORD = "Python-Pass-1234"
PROJECT_ID = "python-smoke"


class Server:
    def __init__(self):
        self.data = tempfile.mkdtemp(prefix="oxwrite-py-")
        self.env = dict(os.environ, OXWRITE_DATA=self.data, OXWRITE_LISTEN="127.0.0.1:0")
        self.proc = subprocess.Popen(
            [BIN, "serve"], env=self.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL, text=True, bufsize=1,
        )
        self.log = []
        threading.Thread(target=self._drain, args=(self.proc.stderr,), daemon=True).start()
        self.endpoint = None
        found = threading.Event()

        def read_stdout():
            for line in self.proc.stdout:
                self.log.append(line)
                if self.endpoint is None:
                    m = LISTEN_RE.search(line)
                    if m:
                        self.endpoint = m.group(1).rstrip("/")
                        found.set()
            found.set()  # EOF: the server exited

        threading.Thread(target=read_stdout, daemon=True).start()
        timeout = float(os.environ.get("OXWRITE_START_TIMEOUT_MS", "60000")) / 1000
        found.wait(timeout)
        if self.endpoint is None:
            self.stop()
            raise RuntimeError("oxwrite did not print 'listening on' (exit=%s)\n%s" % (self.proc.returncode, "".join(self.log)))

    def _drain(self, stream):
        for line in stream:
            self.log.append(line)

    def cli(self, *args):
        out = subprocess.run([BIN, *args], env=dict(os.environ, OXWRITE_DATA=self.data),
                             capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
        if out.returncode != 0:
            raise RuntimeError("oxwrite %s failed (%d)\n%s\n%s" % (" ".join(args), out.returncode, out.stdout, out.stderr))
        return out.stdout

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if os.environ.get("OXWRITE_KEEP_DATA") != "1":
            shutil.rmtree(self.data, ignore_errors=True)


results = {"passed": 0, "failed": 0}


def check(name, fn):
    try:
        fn()
        results["passed"] += 1
        print("ok   - %s" % name)
    except Exception:  # noqa: BLE001 - report every failure and go on
        results["failed"] += 1
        print("FAIL - %s" % name)
        traceback.print_exc(file=sys.stdout)


def expect_error(fn, code, type_):
    try:
        fn()
    except AppwriteException as e:
        assert e.code == code, "code %r != %r (%s: %s)" % (e.code, code, e.type, e.message)
        assert e.type == type_, "type %r != %r (%s)" % (e.type, type_, e.message)
        return e
    raise AssertionError("expected AppwriteException %d %s" % (code, type_))


def main():
    if not os.path.exists(BIN):
        print("oxwrite binary not found at %s (cargo build -p oxwrite, or set OXWRITE_BIN)" % BIN)
        print("0 passed, 1 failed")
        return 1

    server = Server()
    try:
        server.cli("project", "create", "--id", PROJECT_ID, "--name", "Python smoke")
        key_out = server.cli("key", "create", "--project", PROJECT_ID, "--name", "python-admin", "--scopes", "all")
        key = [line.strip() for line in key_out.splitlines() if line.strip()][-1]
        assert key.startswith("standard_"), key_out

        def client():
            return Client().set_endpoint(server.endpoint).set_project(PROJECT_ID)

        admin = client().set_key(key)
        email = "py-%s@example.com" % uuid.uuid4().hex[:12]
        state = {}

        def create_user():
            user = Users(admin).create(user_id=ID.unique(), email=email, password=PASSWORD, name="Py User")
            assert user.id and user.email == email and user.name == "Py User", user
            state["user_id"] = user.id

        def ssr_login():
            session = Account(admin).create_email_password_session(email=email, password=PASSWORD)
            assert session.userid == state["user_id"], session
            assert session.secret, "key client must see session.secret"
            assert session.current is True
            state["secret"] = session.secret

        def act_as_user():
            me = Account(client().set_session(state["secret"])).get()
            assert me.id == state["user_id"] and me.email == email, me

        def list_users():
            found = Users(admin).list(queries=[Query.equal("email", [email])])
            assert found.total == 1, found
            assert found.users[0].id == state["user_id"]
            everyone = Users(admin).list()
            assert everyone.total >= 1

        def guest_is_refused():
            expect_error(lambda: Account(client()).get(), 401, "general_unauthorized_scope")

        def logout():
            Account(client().set_session(state["secret"])).delete_session(session_id="current")
            expect_error(lambda: Account(client().set_session(state["secret"])).get(), 401, "general_unauthorized_scope")

        def wrong_password():
            expect_error(lambda: Account(admin).create_email_password_session(email=email, password="Wrong-Pass-1"),
                         401, "user_invalid_credentials")

        check("users.create with a key", create_user)
        check("account.create_email_password_session with the key returns secret", ssr_login)
        check("set_session(secret) -> account.get acts as the user", act_as_user)
        check("users.list (with Query.equal)", list_users)
        check("guest account.get -> 401 general_unauthorized_scope", guest_is_refused)
        check("delete_session('current') logs out (204 handled)", logout)
        check("wrong password -> 401 user_invalid_credentials", wrong_password)

        # TablesDB: the seeds' first pattern through the Python SDK.
        def tables_setup():
            db = TablesDB(admin)
            db.create(database_id="py", name="Py")
            db.create_table(database_id="py", table_id="notes", name="Notes", row_security=True,
                            permissions=[Permission.create(Role.users())])
            col = db.create_varchar_column(database_id="py", table_id="notes", key="title", size=64, required=True)
            assert getattr(col.status, "value", col.status) in ("available", "processing"), col
            db.create_integer_column(database_id="py", table_id="notes", key="n", required=False)

        def tables_user_rows():
            me = TablesDB(client().set_session(state["login2"]))
            for i in range(3):
                row = me.create_row(database_id="py", table_id="notes", row_id=ID.unique(), data={"title": "t%d" % i, "n": i})
                assert row.data["title"] == "t%d" % i, row
                assert row.permissions == ['read("user:%s")' % state["user_id"], 'update("user:%s")' % state["user_id"],
                                           'delete("user:%s")' % state["user_id"]], row.permissions
            page = me.list_rows(database_id="py", table_id="notes", queries=[Query.greater_than("n", 0), Query.order_desc("n")])
            assert page.total == 2 and [r.data["n"] for r in page.rows] == [2, 1], page
            guest = TablesDB(client()).list_rows(database_id="py", table_id="notes")
            assert guest.total == 0 and guest.rows == [], guest

        def tables_errors():
            expect_error(lambda: TablesDB(admin).create_row(database_id="py", table_id="notes", row_id=ID.unique(), data={"n": 1}),
                         400, "row_invalid_structure")
            expect_error(lambda: TablesDB(admin).get_row(database_id="py", table_id="notes", row_id="missing"), 404, "row_not_found")

        def login_again():
            state["login2"] = Account(admin).create_email_password_session(email=email, password=PASSWORD).secret

        check("login again for the rows", login_again)
        check("tablesDB: database, table, columns with a key", tables_setup)
        check("tablesDB: a user's private rows, queries, a guest sees none", tables_user_rows)
        check("tablesDB: structure and not-found errors", tables_errors)

        # Storage: a bucket, a chunked upload (> 5 MiB: the SDK probes GET, then sends 5 MiB
        # chunks with content-range and x-appwrite-id on every chunk), download, delete.
        big = os.urandom(6 * 1024 * 1024 + 12345)

        def storage_bucket():
            bucket = Storage(admin).create_bucket(bucket_id="pybucket", name="Py bucket", file_security=True,
                                                  permissions=[Permission.create(Role.users())])
            assert bucket.id == "pybucket" and bucket.name == "Py bucket", bucket
            assert bucket.filesecurity is True and bucket.enabled is True, bucket
            assert bucket.maximumfilesize == 30000000 and bucket.compression == "none", bucket
            found = Storage(admin).list_buckets(queries=[Query.equal("$id", ["pybucket"])])
            assert found.total == 1 and found.buckets[0].id == "pybucket", found

        def storage_chunked_upload():
            f = Storage(admin).create_file(bucket_id="pybucket", file_id=ID.unique(), file=InputFile.from_bytes(big, "big.bin"))
            assert f.chunkstotal == 2 and f.chunksuploaded == 2, f
            assert f.sizeoriginal == len(big), f
            assert f.signature == hashlib.md5(big).hexdigest(), f
            assert f.name == "big.bin" and f.bucketid == "pybucket", f
            # Python appwrite 23 requires `folder` and `key` (post-1.9 fields; root folder).
            assert f.folder == "" and f.key == "big.bin", f
            state["file_id"] = f.id
            got = Storage(admin).get_file(bucket_id="pybucket", file_id=f.id)
            assert got.chunksuploaded == 2 and got.signature == f.signature, got

        def storage_download():
            data = Storage(admin).get_file_download(bucket_id="pybucket", file_id=state["file_id"])
            assert isinstance(data, bytes), type(data)
            assert len(data) == len(big) and hashlib.sha256(data).digest() == hashlib.sha256(big).digest()

        def storage_small_file_as_user():
            me = Storage(client().set_session(state["login2"]))
            f = me.create_file(bucket_id="pybucket", file_id=ID.unique(), file=InputFile.from_bytes(b"hello python", "hello.txt"),
                               permissions=[Permission.read(Role.user(state["user_id"]))])
            assert f.chunkstotal == 1 and f.sizeoriginal == 12 and f.mimetype == "text/plain", f
            assert f.permissions == ['read("user:%s")' % state["user_id"]], f.permissions
            assert me.get_file_view(bucket_id="pybucket", file_id=f.id) == b"hello python"
            listed = me.list_files(bucket_id="pybucket")
            assert listed.total == 1 and listed.files[0].id == f.id, listed
            expect_error(lambda: Storage(client()).get_file(bucket_id="pybucket", file_id=f.id), 404, "storage_file_not_found")

        def storage_file_token():
            t = Tokens(admin).create_file_token(bucket_id="pybucket", file_id=state["file_id"])
            assert t.resourceid == "pybucket:%s" % state["file_id"] and t.resourcetype == "files", t
            assert t.expire == "" and t.accessedat == "" and t.secret.count(".") == 2, t
            guest = Storage(client()).get_file_download(bucket_id="pybucket", file_id=state["file_id"], token=t.secret)
            assert hashlib.sha256(guest).digest() == hashlib.sha256(big).digest()
            listed = Tokens(admin).list(bucket_id="pybucket", file_id=state["file_id"])
            assert listed.total == 1 and listed.tokens[0].id == t.id, listed
            Tokens(admin).delete(token_id=t.id)
            expect_error(lambda: Tokens(admin).get(token_id=t.id), 404, "token_not_found")

        def storage_delete():
            Storage(admin).delete_file(bucket_id="pybucket", file_id=state["file_id"])
            expect_error(lambda: Storage(admin).get_file(bucket_id="pybucket", file_id=state["file_id"]), 404, "storage_file_not_found")
            Storage(admin).delete_bucket(bucket_id="pybucket")
            expect_error(lambda: Storage(admin).get_bucket(bucket_id="pybucket"), 404, "storage_bucket_not_found")

        check("storage: create and list a bucket", storage_bucket)
        check("storage: a ~6 MiB file through the chunked upload (InputFile.from_bytes)", storage_chunked_upload)
        check("storage: get_file_download returns the same bytes", storage_download)
        check("storage: a user's small file, view, list; a guest gets 404", storage_small_file_as_user)
        check("tokens: a file token lets a guest download the file", storage_file_token)
        check("storage: delete the file and the bucket", storage_delete)

        # Functions: a node function from a tar.gz built here, deployed, built, executed.
        def functions_create():
            # The `public` scope: guests have it, API keys cannot (Appwrite 1.9.6).
            runtimes = Functions(client()).list_runtimes()
            node = [r for r in runtimes.runtimes if r.key == "node"]
            assert node, "no node runtime in %s" % [r.id for r in runtimes.runtimes]
            state["node_runtime"] = node[0].id
            fn = Functions(admin).create(function_id="pyfn", name="Py function", runtime=node[0].id,
                                         entrypoint="index.js", timeout=15)
            assert fn.id == "pyfn" and fn.runtime == node[0].id and fn.entrypoint == "index.js", fn
            assert fn.deploymentid == "" and fn.timeout == 15 and fn.enabled is True, fn

        def functions_deploy():
            source = (b"module.exports = async ({ req, res, log }) => {\n"
                      b"  log('python-smoke');\n"
                      b"  return res.json({ ok: true, echo: req.bodyJson, functionId: process.env.APPWRITE_FUNCTION_ID });\n"
                      b"};\n")
            buf = io.BytesIO()
            with tarfile.open(fileobj=buf, mode="w:gz") as tar:
                info = tarfile.TarInfo("index.js")
                info.size = len(source)
                info.mode = 0o644
                info.mtime = int(time.time())
                tar.addfile(info, io.BytesIO(source))
            code = buf.getvalue()
            d = Functions(admin).create_deployment(function_id="pyfn", code=InputFile.from_bytes(code, "code.tar.gz"), activate=True)
            assert d.resourceid == "pyfn" and d.sourcesize == len(code) and d.type == "manual", d
            deadline = time.monotonic() + 120
            while True:
                d = Functions(admin).get_deployment(function_id="pyfn", deployment_id=d.id)
                status = getattr(d.status, "value", d.status)
                if status in ("ready", "failed", "canceled"):
                    break
                assert time.monotonic() < deadline, "build still %s after 120 s: %s" % (status, d.buildlogs[-2000:])
                time.sleep(0.2)
            assert status == "ready", "build ended %s: %s" % (status, d.buildlogs[-3000:])
            deadline = time.monotonic() + 15
            while Functions(admin).get(function_id="pyfn").deploymentid != d.id:
                assert time.monotonic() < deadline, "deployment %s was not activated" % d.id
                time.sleep(0.1)

        def functions_execute():
            x = Functions(admin).create_execution(function_id="pyfn", body=json.dumps({"from": "python"}))
            status = getattr(x.status, "value", x.status)
            assert status == "completed" and x.responsestatuscode == 200, \
                "execution %s %s: errors=%s body=%s" % (status, x.responsestatuscode, x.errors[-2000:], x.responsebody[:2000])
            assert getattr(x.trigger, "value", x.trigger) == "http", x
            assert json.loads(x.responsebody) == {"ok": True, "echo": {"from": "python"}, "functionId": "pyfn"}, x.responsebody
            assert "python-smoke" in x.logs, x.logs
            got = Functions(admin).get_execution(function_id="pyfn", execution_id=x.id)
            assert got.id == x.id and got.responsebody == "" and got.responsestatuscode == 200, got

        def functions_delete():
            Functions(admin).delete(function_id="pyfn")
            expect_error(lambda: Functions(admin).get(function_id="pyfn"), 404, "function_not_found")

        check("functions: create a node function", functions_create)
        check("functions: deploy a tar.gz built with tarfile; the build gets ready", functions_deploy)
        check("functions: a synchronous execution returns the function's JSON", functions_execute)
        check("functions: delete the function", functions_delete)
    finally:
        server.stop()
        if results["failed"]:
            print("--- oxwrite log (last 60 lines) ---")
            print("".join(server.log[-60:]), end="")
            print("--- end of oxwrite log ---")

    print("%d passed, %d failed" % (results["passed"], results["failed"]))
    return 0 if results["failed"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
