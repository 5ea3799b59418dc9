// Oxwrite's open-runtimes v5 server for Node.js (behaviour notes §7.1–7.3).
//
// It runs one function: the module OPEN_RUNTIMES_ENTRYPOINT, relative to the working directory
// (the deployment's code folder). It uses node's own `http` module only, listens on 127.0.0.1
// at PORT (0 = any free port) and prints `listening <port>` as its first line on stdout, which
// the Rust side waits for. With OPEN_RUNTIMES_WATCH_STDIN=1 it exits when its stdin closes, so an
// instance never outlives the process that started it.

import http from "node:http";
import fs from "node:fs";
import path from "node:path";
import { AsyncLocalStorage } from "node:async_hooks";
import { pathToFileURL } from "node:url";
import { format } from "node:util";

const SECRET = process.env.OPEN_RUNTIMES_SECRET ?? "";
const ENTRYPOINT = process.env.OPEN_RUNTIMES_ENTRYPOINT ?? "";
const LOGS_DIR = process.env.OPEN_RUNTIMES_LOGS_DIR ?? "/mnt/logs";
const ENV = process.env.OPEN_RUNTIMES_ENV ?? "";
const CODE_DIR = process.cwd();
const BODY_LIMIT = 20 * 1024 * 1024;
const LOG_LIMIT = 8000;

let forcedHeaders = {};
try {
  forcedHeaders = JSON.parse(process.env.OPEN_RUNTIMES_HEADERS || "{}") ?? {};
} catch {
  forcedHeaders = {};
}

// The original console methods; native logs of a running function go to its log file instead
// (found through AsyncLocalStorage, so concurrent requests never mix their logs).
const nativeConsole = {
  log: console.log.bind(console),
  info: console.info.bind(console),
  debug: console.debug.bind(console),
  warn: console.warn.bind(console),
  error: console.error.bind(console),
};
const currentLogger = new AsyncLocalStorage();
for (const name of Object.keys(nativeConsole)) {
  console[name] = (...args) => {
    const logger = currentLogger.getStore();
    if (logger) {
      logger.write(args, "log", true);
    } else {
      nativeConsole[name](...args);
    }
  };
}

// PHP's uniqid() plus 7 random hex digits, as open-runtimes builds its log ids.
function generateId() {
  const now = Date.now();
  const sec = Math.floor(now / 1000);
  const msec = now % 1000;
  let id = sec.toString(16) + msec.toString(16).padStart(5, "0");
  for (let i = 0; i < 7; i++) {
    id += Math.floor(Math.random() * 16).toString(16);
  }
  return id;
}

function stringify(message) {
  if (message instanceof Error) {
    return message.stack || String(message);
  }
  if (typeof message === "string") {
    return message;
  }
  try {
    const json = JSON.stringify(message);
    return json === undefined ? String(message) : json;
  } catch {
    return format(message);
  }
}

class Logger {
  constructor(status, id) {
    this.enabled = (status ? status : "enabled") === "enabled";
    this.id = "";
    this.nativeNoticed = false;
    this.fds = { log: null, error: null };
    if (this.enabled) {
      // The id names files: keep it to a safe alphabet whatever the caller sent.
      const safe = id && /^[A-Za-z0-9_.-]+$/.test(id) && !id.startsWith(".");
      this.id = safe ? id : ENV === "development" ? "dev" : generateId();
    }
  }

  write(messages, type = "log", native = false) {
    if (!this.enabled) {
      return;
    }
    if (native && !this.nativeNoticed) {
      this.nativeNoticed = true;
      this.write([
        "Native logs detected. Use context.log() or context.error() for better experience.",
      ]);
    }
    let line = messages.map(stringify).join(" ");
    if (line.length > LOG_LIMIT) {
      line =
        line.substring(0, LOG_LIMIT) +
        `... Log truncated due to size limit (${LOG_LIMIT} characters)`;
    }
    try {
      // Written synchronously so that a function killed for hanging still leaves its logs.
      if (this.fds[type] === null) {
        const suffix = type === "error" ? "errors" : "logs";
        this.fds[type] = fs.openSync(
          path.join(LOGS_DIR, `${this.id}_${suffix}.log`),
          "a",
        );
      }
      fs.writeSync(this.fds[type], line + "\n");
    } catch {
      // A log that cannot be written must not fail the function.
    }
  }

  end() {
    for (const key of Object.keys(this.fds)) {
      if (this.fds[key] !== null) {
        try {
          fs.closeSync(this.fds[key]);
        } catch {
          // Nothing more to do for a descriptor that will not close.
        }
        this.fds[key] = null;
      }
    }
    this.enabled = false;
  }
}

// The user's module, loaded once. `import()` loads CommonJS as well as ES modules; on node 20.19+
// a `.js` file with ESM syntax and no `"type"` in package.json is detected as ESM. Where the
// package says `"type": "commonjs"` the import fails with a SyntaxError, and we retry through an
// `.mjs` copy beside the original (so its relative imports still resolve).
let userModule = null;

async function loadEntrypoint(file) {
  const url = pathToFileURL(file).href;
  try {
    return await import(url);
  } catch (e) {
    const esmSyntax =
      e instanceof SyntaxError &&
      /\b(export|import)\b/.test(String(e.message)) &&
      !file.endsWith(".mjs");
    if (!esmSyntax) {
      throw e;
    }
    const copy = path.join(
      path.dirname(file),
      `.${path.basename(file, path.extname(file))}.oxwrite-esm.mjs`,
    );
    fs.copyFileSync(file, copy);
    return await import(pathToFileURL(copy).href);
  }
}

function parseHost(hostHeader, scheme) {
  const defaultPort = scheme === "https" ? 443 : 80;
  const hostValue = hostHeader ?? "";
  const colon = hostValue.indexOf(":");
  if (colon === -1) {
    return { host: hostValue, port: defaultPort, defaultPort };
  }
  const port = Number.parseInt(hostValue.substring(colon + 1), 10);
  return {
    host: hostValue.substring(0, colon),
    port: Number.isNaN(port) ? defaultPort : port,
    defaultPort,
  };
}

function parseQuery(queryString) {
  const query = {};
  for (const param of queryString.split("&")) {
    const eq = param.indexOf("=");
    const key = eq === -1 ? param : param.substring(0, eq);
    if (key) {
      query[key] = eq === -1 ? "" : param.substring(eq + 1);
    }
  }
  return query;
}

function makeResponse() {
  return {
    send(body, statusCode = 200, headers = {}) {
      return { body, statusCode, headers };
    },
    text(body, statusCode = 200, headers = {}) {
      return this.binary(Buffer.from(String(body), "utf8"), statusCode, headers);
    },
    binary(bytes, statusCode = 200, headers = {}) {
      return { body: bytes, statusCode, headers };
    },
    json(obj, statusCode = 200, headers = {}) {
      headers["content-type"] = "application/json";
      return this.text(JSON.stringify(obj), statusCode, headers);
    },
    empty() {
      return this.text("", 204, {});
    },
    redirect(url, statusCode = 301, headers = {}) {
      headers["location"] = url;
      return this.text("", statusCode, headers);
    },
  };
}

class BodyTooLarge extends Error {}

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    req.on("data", (chunk) => {
      size += chunk.length;
      if (size > BODY_LIMIT) {
        reject(new BodyTooLarge("Body exceeded 20mb limit"));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

function toBuffer(body) {
  if (body === null || body === undefined) {
    return Buffer.alloc(0);
  }
  if (Buffer.isBuffer(body)) {
    return body;
  }
  if (body instanceof Uint8Array) {
    return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  }
  if (body instanceof ArrayBuffer) {
    return Buffer.from(body);
  }
  if (typeof body === "string") {
    return Buffer.from(body, "utf8");
  }
  return Buffer.from(stringify(body), "utf8");
}

function finish(res, logger, statusCode, headers, body) {
  res.statusCode = statusCode;
  for (const [name, value] of Object.entries(headers)) {
    res.setHeader(name, value);
  }
  res.setHeader("x-open-runtimes-log-id", logger.id);
  logger.end();
  res.end(body);
}

function plain(res, statusCode, text) {
  res.statusCode = statusCode;
  res.setHeader("content-type", "text/plain; charset=utf-8");
  res.end(text);
}

async function action(logger, req, res) {
  const timeout = req.headers["x-open-runtimes-timeout"] ?? "";
  let safeTimeout = null;
  if (timeout !== "") {
    if (!/^[0-9]+$/.test(timeout) || Number(timeout) === 0) {
      return plain(
        res,
        500,
        'Header "x-open-runtimes-timeout" must be an integer greater than 0.',
      );
    }
    safeTimeout = Number(timeout);
  }

  if (SECRET !== "" && req.headers["x-open-runtimes-secret"] !== SECRET) {
    return plain(
      res,
      500,
      'Unauthorized. Provide correct "x-open-runtimes-secret" header.',
    );
  }

  const contentType = (req.headers["content-type"] ?? "text/plain").toLowerCase();
  const bodyBinary = await readBody(req);

  const headers = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (!name.toLowerCase().startsWith("x-open-runtimes-")) {
      headers[name.toLowerCase()] = value;
    }
  }
  for (const [name, value] of Object.entries(forcedHeaders)) {
    headers[name.toLowerCase()] = `${value}`;
  }

  const scheme = req.headers["x-forwarded-proto"] ?? "http";
  const { host, port, defaultPort } = parseHost(req.headers["host"], scheme);
  const rawUrl = req.url ?? "/";
  const q = rawUrl.indexOf("?");
  const reqPath = q === -1 ? rawUrl : rawUrl.substring(0, q);
  const queryString = q === -1 ? "" : rawUrl.substring(q + 1);
  const url =
    `${scheme}://${host}${port === defaultPort ? "" : `:${port}`}${reqPath}` +
    (queryString === "" ? "" : `?${queryString}`);

  const context = {
    req: {
      get body() {
        if (contentType.startsWith("application/json")) {
          return bodyBinary.length > 0 ? this.bodyJson : {};
        }
        return this.bodyText;
      },
      get bodyRaw() {
        return this.bodyText;
      },
      get bodyText() {
        return bodyBinary.toString("utf8");
      },
      get bodyJson() {
        return JSON.parse(this.bodyText);
      },
      get bodyBinary() {
        return bodyBinary;
      },
      headers,
      method: req.method,
      host,
      scheme,
      query: parseQuery(queryString),
      queryString,
      port,
      url,
      path: reqPath,
    },
    res: makeResponse(),
    log: (...messages) => logger.write(messages, "log"),
    error: (...messages) => logger.write(messages, "error"),
  };

  let output = null;
  let fn = null;
  const file = path.resolve(CODE_DIR, ENTRYPOINT);

  if (ENTRYPOINT === "" || !fs.existsSync(file)) {
    context.error(`Failed to load entrypoint, file ${ENTRYPOINT} does not exist.`);
    output = context.res.text("", 503, {});
  }

  if (output === null) {
    try {
      if (userModule === null) {
        userModule = await currentLogger.run(logger, () => loadEntrypoint(file));
      }
      fn = userModule.default || userModule;
      // A CommonJS module imported as ESM has its exports under `default`, and may itself
      // export `{ default }` when it was transpiled.
      if (typeof fn !== "function" && fn && typeof fn.default === "function") {
        fn = fn.default;
      }
      if (typeof fn !== "function") {
        throw new TypeError(
          "Function signature invalid. Did you forget to export a 'main' function?",
        );
      }
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      if (e instanceof SyntaxError) {
        context.error(`Syntax error in ${ENTRYPOINT}: ${message}`);
      } else if (e instanceof TypeError) {
        context.error(message);
      } else {
        context.error(`Failed to load module: ${message}`);
      }
      output = context.res.text("", 503, {});
    }
  }

  if (output === null) {
    try {
      const run = currentLogger.run(logger, async () => await fn(context));
      if (safeTimeout !== null) {
        let timer = null;
        const timedOut = Symbol("timeout");
        const expiry = new Promise((resolve) => {
          timer = setTimeout(() => resolve(timedOut), safeTimeout * 1000);
        });
        const result = await Promise.race([run, expiry]);
        clearTimeout(timer);
        if (result === timedOut) {
          // The function's promise is abandoned, not stopped (open-runtimes does the same);
          // the Rust side kills an instance that timed out.
          run.catch(() => {});
          context.error("Execution timed out.");
          output = context.res.text("", 500, {});
        } else {
          output = result;
        }
      } else {
        output = await run;
      }
    } catch (e) {
      context.error(e instanceof Error ? e.stack || e : e);
      output = context.res.text("", 500, {});
    }
  }

  if (output === null || output === undefined) {
    context.error(
      "Return statement missing. return context.res.empty() if no response is expected.",
    );
    output = context.res.text("", 500, {});
  }

  const statusCode = Number(output.statusCode ?? 200);
  const outHeaders = {};
  for (const [name, value] of Object.entries(output.headers ?? {})) {
    const lower = name.toLowerCase();
    // Node sets the length itself; a wrong one from the function would break the response.
    if (!lower.startsWith("x-open-runtimes-") && lower !== "content-length") {
      outHeaders[lower] = Array.isArray(value) ? value.map(String) : String(value);
    }
  }
  const ct = String(outHeaders["content-type"] ?? "text/plain").toLowerCase();
  outHeaders["content-type"] =
    ct.startsWith("multipart/") || ct.includes("charset=") ? ct : `${ct}; charset=utf-8`;

  finish(
    res,
    logger,
    Number.isInteger(statusCode) && statusCode >= 100 && statusCode <= 999 ? statusCode : 500,
    outHeaders,
    toBuffer(output.body),
  );
}

const server = http.createServer(async (req, res) => {
  const pathOnly = (req.url ?? "/").split("?")[0];
  if (pathOnly === "/__opr/health") {
    return plain(res, 200, "OK");
  }

  const logger = new Logger(
    req.headers["x-open-runtimes-logging"],
    req.headers["x-open-runtimes-log-id"],
  );
  try {
    await action(logger, req, res);
  } catch (e) {
    if (e instanceof BodyTooLarge) {
      logger.end();
      if (!res.headersSent) {
        plain(res, 413, e.message);
      }
      return;
    }
    logger.write([e], "error");
    if (res.headersSent) {
      logger.end();
      res.end();
      return;
    }
    for (const name of res.getHeaderNames()) {
      res.removeHeader(name);
    }
    finish(res, logger, 500, {}, Buffer.alloc(0));
  }
});

// Functions may run up to 15 minutes; node's default request timeout (5 min) would cut them.
server.requestTimeout = 0;
server.headersTimeout = 60_000;
server.keepAliveTimeout = 60_000;

if (process.env.OPEN_RUNTIMES_WATCH_STDIN === "1") {
  process.stdin.on("data", () => {});
  process.stdin.on("end", () => process.exit(0));
  process.stdin.on("error", () => process.exit(0));
}

const port = Number.parseInt(process.env.PORT ?? "3000", 10);
server.listen(Number.isNaN(port) ? 3000 : port, "127.0.0.1", () => {
  process.stdout.write(`listening ${server.address().port}\n`);
});
