"""Oxwrite's open-runtimes v5 server for Python (behaviour notes sections 7.1, 7.2 and 7.4).

It runs one function: the module OPEN_RUNTIMES_ENTRYPOINT, relative to the working directory
(the deployment's code folder), imported as `function.<module>`. It uses the standard library
only, listens on 127.0.0.1 at PORT (0 = any free port) and prints `listening <port>` as its
first line on stdout, which the Rust side waits for. With OPEN_RUNTIMES_WATCH_STDIN=1 it exits
when its stdin closes, so an instance never outlives the process that started it.
"""

import importlib
import importlib.util
import io
import json
import os
import random
import re
import socket
import sys
import threading
import time
import traceback
import types
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SECRET = os.environ.get("OPEN_RUNTIMES_SECRET", "")
ENTRYPOINT = os.environ.get("OPEN_RUNTIMES_ENTRYPOINT", "")
LOGS_DIR = os.environ.get("OPEN_RUNTIMES_LOGS_DIR", "/mnt/logs")
ENV = os.environ.get("OPEN_RUNTIMES_ENV", "")
CODE_DIR = os.getcwd()
BODY_LIMIT = 20 * 1024 * 1024
LOG_LIMIT = 8000
SAFE_ID = re.compile(r"^[A-Za-z0-9_.-]+$")

try:
    FORCED_HEADERS = json.loads(os.environ.get("OPEN_RUNTIMES_HEADERS", "") or "{}") or {}
except ValueError:
    FORCED_HEADERS = {}


def generate_id():
    """PHP's uniqid() plus 7 random hex digits, as open-runtimes builds its log ids."""
    now = time.time()
    sec = int(now)
    msec = int((now - sec) * 1000)
    return "%x%05x" % (sec, msec) + "".join(random.choice("0123456789abcdef") for _ in range(7))


class Logger:
    TYPE_LOG = "log"
    TYPE_ERROR = "error"

    def __init__(self, status, log_id):
        self.enabled = (status or "enabled") == "enabled"
        self.id = ""
        self.native_noticed = False
        self.files = {}
        self.lock = threading.Lock()
        if self.enabled:
            safe = log_id and SAFE_ID.match(log_id) and not log_id.startswith(".")
            if safe:
                self.id = log_id
            elif ENV == "development":
                self.id = "dev"
            else:
                self.id = generate_id()

    def write(self, messages, kind=TYPE_LOG, native=False):
        if not self.enabled:
            return
        if native and not self.native_noticed:
            self.native_noticed = True
            self.write(
                ["Native logs detected. Use context.log() or context.error() for better experience."]
            )
        parts = []
        for message in messages:
            if isinstance(message, (list, dict, tuple)):
                try:
                    parts.append(json.dumps(message, separators=(",", ":")))
                except (TypeError, ValueError):
                    parts.append(str(message))
            else:
                parts.append(str(message))
        line = " ".join(parts)
        if len(line) > LOG_LIMIT:
            line = line[:LOG_LIMIT] + "... Log truncated due to size limit (%d characters)" % LOG_LIMIT
        with self.lock:
            try:
                handle = self.files.get(kind)
                if handle is None:
                    suffix = "errors" if kind == Logger.TYPE_ERROR else "logs"
                    path = os.path.join(LOGS_DIR, "%s_%s.log" % (self.id, suffix))
                    handle = open(path, "a", encoding="utf-8")
                    self.files[kind] = handle
                # Flushed at once, so a function killed for hanging still leaves its logs.
                handle.write(line + "\n")
                handle.flush()
            except OSError:
                pass

    def end(self):
        with self.lock:
            for handle in self.files.values():
                try:
                    handle.close()
                except OSError:
                    pass
            self.files = {}
            self.enabled = False


class _NativeCapture(io.TextIOBase):
    """Stands in for sys.stdout/sys.stderr: text printed by a function's thread goes to its
    buffer (written to its logs when it finishes); anything else to the real stream."""

    def __init__(self, real):
        self.real = real
        self.local = threading.local()

    def writable(self):
        return True

    def write(self, text):
        buffer = getattr(self.local, "buffer", None)
        if buffer is not None:
            return buffer.write(text)
        return self.real.write(text)

    def flush(self):
        buffer = getattr(self.local, "buffer", None)
        if buffer is None:
            self.real.flush()


REAL_STDOUT = sys.stdout
STDOUT = _NativeCapture(sys.stdout)
STDERR = _NativeCapture(sys.stderr)


class Response:
    def binary(self, bytes, statusCode=200, headers=None):
        return {"body": bytes, "statusCode": statusCode, "headers": {} if headers is None else headers}

    def text(self, body, statusCode=200, headers=None):
        return self.binary(str(body).encode("utf-8"), statusCode, headers)

    def send(self, body, statusCode=200, headers=None):
        return {"body": body, "statusCode": statusCode, "headers": {} if headers is None else headers}

    def json(self, obj, statusCode=200, headers=None):
        headers = {} if headers is None else headers
        headers["content-type"] = "application/json"
        return self.text(json.dumps(obj, separators=(",", ":")), statusCode, headers)

    def empty(self):
        return self.text("", 204, {})

    def redirect(self, url, statusCode=301, headers=None):
        headers = {} if headers is None else headers
        headers["location"] = url
        return self.text("", statusCode, headers)


class Request:
    def __init__(self):
        self.body_binary = b""
        self.headers = {}
        self.method = ""
        self.url = ""
        self.path = "/"
        self.port = 80
        self.query = {}
        self.query_string = ""
        self.scheme = "http"
        self.host = ""

    @property
    def body_text(self):
        return self.body_binary.decode("utf-8")

    @property
    def body_raw(self):
        return self.body_text

    @property
    def body_json(self):
        return json.loads(self.body_text)

    @property
    def body(self):
        content_type = self.headers.get("content-type", "text/plain").lower()
        if content_type.startswith("application/json"):
            return self.body_json if len(self.body_binary) > 0 else {}
        return self.body_text


class Context:
    def __init__(self, logger):
        self.req = Request()
        self.res = Response()
        self.logger = logger

    def log(self, *messages):
        self.logger.write(messages, Logger.TYPE_LOG)

    def error(self, *messages):
        self.logger.write(messages, Logger.TYPE_ERROR)


_module = None
_module_lock = threading.Lock()


def load_module():
    """Imports the entrypoint as `function.<module path>`, with the code folder as the package
    `function` (so relative imports work) and on sys.path (so sibling imports work)."""
    global _module
    with _module_lock:
        if _module is not None:
            return _module
        package = sys.modules.get("function")
        if package is None:
            package = types.ModuleType("function")
            package.__path__ = [CODE_DIR]
            sys.modules["function"] = package
        if CODE_DIR not in sys.path:
            sys.path.insert(0, CODE_DIR)
        name = ENTRYPOINT[:-3] if ENTRYPOINT.endswith(".py") else ENTRYPOINT
        name = name.strip("/").replace("/", ".")
        module = importlib.import_module("function." + name)
        if not callable(getattr(module, "main", None)):
            raise AttributeError(
                "Function signature invalid. Did you forget to export a 'main' function?"
            )
        _module = module
        return module


def run_user(main, context, timeout, native):
    """Runs main(context) on its own thread, which may be abandoned on timeout. Returns
    (finished, output, error traceback)."""
    outcome = {}

    def target():
        STDOUT.local.buffer = native
        STDERR.local.buffer = native
        try:
            # asyncio costs ~30 ms to import: only async functions pay for it.
            result = main(context)
            if isinstance(result, types.CoroutineType):
                import asyncio

                result = asyncio.run(result)
            outcome["output"] = result
        except BaseException:  # noqa: BLE001 - the function's failure is reported, not raised
            outcome["error"] = traceback.format_exc()
        finally:
            STDOUT.local.buffer = None
            STDERR.local.buffer = None

    worker = threading.Thread(target=target, daemon=True)
    worker.start()
    worker.join(timeout)
    if worker.is_alive():
        return False, None, None
    return True, outcome.get("output"), outcome.get("error")


def to_bytes(body):
    if body is None:
        return b""
    if isinstance(body, (bytes, bytearray, memoryview)):
        return bytes(body)
    if isinstance(body, str):
        return body.encode("utf-8")
    if isinstance(body, (dict, list, tuple)):
        return json.dumps(body, separators=(",", ":")).encode("utf-8")
    return str(body).encode("utf-8")


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "open-runtimes"
    sys_version = ""

    def setup(self):
        super().setup()
        # Headers and body are separate writes: without this, Nagle's algorithm and delayed
        # ACKs add ~40 ms to every response on a kept-alive connection.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format, *args):  # noqa: A002 - the base class names it so
        pass

    def send_response(self, code, message=None):
        # No `Server` header: the response carries the function's headers only (and `date`).
        self.send_response_only(code, message)
        self.send_header("date", self.date_time_string())

    def _reply(self, status, headers, body):
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _plain(self, status, text):
        self._reply(status, [("content-type", "text/plain; charset=utf-8")], text.encode("utf-8"))

    def _handle(self):
        raw_path = self.path
        path_only = raw_path.split("?", 1)[0]
        if path_only == "/__opr/health":
            return self._plain(200, "OK")

        logger = Logger(
            self.headers.get("x-open-runtimes-logging", ""),
            self.headers.get("x-open-runtimes-log-id", ""),
        )
        try:
            self._action(logger)
        except Exception:  # noqa: BLE001 - an uncaught error of the server itself answers 500
            logger.write([traceback.format_exc()], Logger.TYPE_ERROR)
            log_id = logger.id
            logger.end()
            self._reply(500, [("x-open-runtimes-log-id", log_id)], b"")

    def _action(self, logger):
        timeout = self.headers.get("x-open-runtimes-timeout", "")
        safe_timeout = None
        if timeout != "":
            if not timeout.isdigit() or int(timeout) == 0:
                return self._plain(
                    500, 'Header "x-open-runtimes-timeout" must be an integer greater than 0.'
                )
            safe_timeout = int(timeout)

        if SECRET != "" and self.headers.get("x-open-runtimes-secret", "") != SECRET:
            return self._plain(500, 'Unauthorized. Provide correct "x-open-runtimes-secret" header.')

        length = int(self.headers.get("content-length", "0") or "0")
        if length > BODY_LIMIT:
            self.close_connection = True
            logger.end()
            return self._plain(413, "Body exceeded 20mb limit")
        body = self.rfile.read(length) if length > 0 else b""

        context = Context(logger)
        req = context.req
        req.body_binary = body
        req.method = self.command
        for name, value in self.headers.items():
            if not name.lower().startswith("x-open-runtimes-"):
                req.headers[name.lower()] = value
        for name, value in FORCED_HEADERS.items():
            req.headers[str(name).lower()] = str(value)

        req.path, _, req.query_string = self.path.partition("?")
        for param in req.query_string.split("&"):
            pair = param.split("=", 1)
            if pair[0]:
                req.query[pair[0]] = pair[1] if len(pair) > 1 else ""
        req.scheme = self.headers.get("x-forwarded-proto", "http")
        default_port = 443 if req.scheme == "https" else 80
        host = self.headers.get("host", "")
        if ":" in host:
            req.host, _, port = host.partition(":")
            req.port = int(port) if port.isdigit() else default_port
        else:
            req.host = host
            req.port = default_port
        req.url = req.scheme + "://" + req.host
        if req.port != default_port:
            req.url += ":" + str(req.port)
        req.url += req.path
        if req.query_string:
            req.url += "?" + req.query_string

        output = None
        module = None
        if ENTRYPOINT == "" or not os.path.isfile(os.path.join(CODE_DIR, ENTRYPOINT)):
            context.error("Failed to load entrypoint, file " + ENTRYPOINT + " does not exist.")
            output = context.res.text("", 503, {})

        if output is None:
            try:
                module = load_module()
            except ModuleNotFoundError as e:
                context.error("Module not found: " + str(e.name))
                output = context.res.text("", 503, {})
            except SyntaxError as e:
                context.error("Syntax error in %s:%s: %s" % (e.filename, e.lineno, e.msg))
                output = context.res.text("", 503, {})
            except AttributeError as e:
                context.error(str(e))
                output = context.res.text("", 503, {})
            except Exception as e:  # noqa: BLE001 - any other import failure is reported
                context.error(
                    "Failed to load module: "
                    + "".join(traceback.TracebackException.from_exception(e).format())
                )
                output = context.res.text("", 503, {})

        if output is None:
            native = io.StringIO()
            finished, output, error = run_user(module.main, context, safe_timeout, native)
            captured = native.getvalue()
            if captured:
                logger.write([captured.rstrip("\n")], Logger.TYPE_LOG, True)
            if not finished:
                context.error("Execution timed out.")
                output = context.res.text("", 500, {})
            elif error is not None:
                context.error(error)
                output = context.res.text("", 500, {})

        if output is None:
            context.error(
                "Return statement missing. return context.res.empty() if no response is expected."
            )
            output = context.res.text("", 500, {})

        if not isinstance(output, dict):
            output = {"body": output}
        status = output.get("statusCode", 200)
        try:
            status = int(status)
        except (TypeError, ValueError):
            status = 500
        headers = []
        content_type = "text/plain"
        for name, value in (output.get("headers") or {}).items():
            lower = str(name).lower()
            if lower.startswith("x-open-runtimes-") or lower == "content-length":
                continue
            if lower == "content-type":
                content_type = str(value).lower()
                continue
            values = value if isinstance(value, (list, tuple)) else [value]
            for item in values:
                headers.append((lower, str(item)))
        if not content_type.startswith("multipart/") and "charset=" not in content_type:
            content_type += "; charset=utf-8"
        headers.append(("content-type", content_type))
        headers.append(("x-open-runtimes-log-id", logger.id))
        logger.end()
        self._reply(status, headers, to_bytes(output.get("body", "")))

    do_GET = _handle
    do_POST = _handle
    do_PUT = _handle
    do_PATCH = _handle
    do_DELETE = _handle
    do_OPTIONS = _handle
    do_HEAD = _handle


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def watch_stdin():
    try:
        while sys.stdin.buffer.read(65536):
            pass
    except OSError:
        pass
    os._exit(0)


def main():
    try:
        port = int(os.environ.get("PORT", "3000"))
    except ValueError:
        port = 3000
    server = Server(("127.0.0.1", port), Handler)
    sys.stdout = STDOUT
    sys.stderr = STDERR
    REAL_STDOUT.write("listening %d\n" % server.server_address[1])
    REAL_STDOUT.flush()
    if os.environ.get("OPEN_RUNTIMES_WATCH_STDIN") == "1":
        threading.Thread(target=watch_stdin, daemon=True).start()
    server.serve_forever()


if __name__ == "__main__":
    main()
