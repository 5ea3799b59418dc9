// Test harness for the node-appwrite compatibility suite.
//
// Starts one `oxwrite serve` per test file on 127.0.0.1:0 with a fresh data
// folder, creates a project and API keys through the `oxwrite` CLI, and hands
// the tests an endpoint to point the official SDK at.
//
// Contract relied on (see the issue / scripts/test):
//   - binary: $OXWRITE_BIN or <repo>/target/debug/oxwrite
//   - `oxwrite serve` with OXWRITE_DATA + OXWRITE_LISTEN prints a line
//     containing `listening on http://127.0.0.1:<port>/v1` when ready
//   - `oxwrite project create --id ID --name NAME`
//   - `oxwrite key create --project ID --name NAME --scopes all|a,b,c`
//     prints the key secret as the last line of stdout
//   - SIGTERM stops the server gracefully
//
// Environment knobs:
//   OXWRITE_BIN          path of the server binary
//   OXWRITE_TEST_LOG=1   echo the server's stdout/stderr to this process' stderr
//   OXWRITE_KEEP_DATA=1  keep the temp data folder (its path is printed)
//   OXWRITE_START_TIMEOUT_MS  how long to wait for the listening line (default 60000)

import { spawn, execFile } from 'node:child_process';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import assert from 'node:assert/strict';
import { Client, AppwriteException } from 'node-appwrite';

const here = path.dirname(fileURLToPath(import.meta.url));
export const repoRoot = path.resolve(here, '..', '..');
export const oxwriteBin = process.env.OXWRITE_BIN
  ? path.resolve(process.env.OXWRITE_BIN)
  : path.join(repoRoot, 'target', 'debug', 'oxwrite');

const LISTEN_RE = /listening on (http:\/\/\S+)/;

// Every server started by this process, so that they can be killed on exit
// even when a test throws or the runner aborts the file.
const liveServers = new Set();

function killAllSync() {
  for (const child of liveServers) {
    try {
      child.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
  liveServers.clear();
}

process.on('exit', killAllSync);
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.once(sig, () => {
    killAllSync();
    process.exit(128 + ({ SIGINT: 2, SIGTERM: 15, SIGHUP: 1 })[sig]);
  });
}

/** Run the oxwrite CLI against a data folder; resolves with stdout. */
export function runCli(dataDir, args) {
  return new Promise((resolve, reject) => {
    execFile(
      oxwriteBin,
      args,
      { env: { ...process.env, OXWRITE_DATA: dataDir }, timeout: 60_000, maxBuffer: 4 * 1024 * 1024 },
      (err, stdout, stderr) => {
        if (err) {
          err.message += `\n$ oxwrite ${args.join(' ')}\nstdout:\n${stdout}\nstderr:\n${stderr}`;
          reject(err);
        } else {
          resolve(stdout);
        }
      },
    );
  });
}

function lastLine(text) {
  const lines = text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l.length > 0);
  return lines[lines.length - 1] ?? '';
}

/**
 * Start `oxwrite serve`. Resolves once the listening line was printed.
 * Returns { endpoint, dataDir, child, logs(), cli(args), createProject(), createKey(), stop() }.
 */
export async function startServer({ dataDir: reuse } = {}) {
  if (!existsSync(oxwriteBin)) {
    throw new Error(`oxwrite binary not found at ${oxwriteBin} (build it with \`cargo build -p oxwrite\` or set OXWRITE_BIN)`);
  }
  // `dataDir`: start on an earlier server's data (a restart).
  const dataDir = reuse ?? mkdtempSync(path.join(tmpdir(), 'oxwrite-compat-'));
  const child = spawn(oxwriteBin, ['serve'], {
    env: { ...process.env, OXWRITE_DATA: dataDir, OXWRITE_LISTEN: '127.0.0.1:0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  liveServers.add(child);

  const logLines = [];
  const remember = (stream, chunk) => {
    const text = chunk.toString();
    if (process.env.OXWRITE_TEST_LOG === '1') process.stderr.write(`[oxwrite ${stream}] ${text}`);
    logLines.push(text);
    if (logLines.length > 400) logLines.splice(0, logLines.length - 400);
  };
  child.stderr.on('data', (c) => remember('stderr', c));

  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));

  const endpoint = await new Promise((resolve, reject) => {
    let buf = '';
    let done = false;
    const timeoutMs = Number(process.env.OXWRITE_START_TIMEOUT_MS ?? 60_000);
    const timer = setTimeout(() => {
      if (done) return;
      done = true;
      child.kill('SIGKILL');
      reject(new Error(`oxwrite did not print "listening on" within ${timeoutMs} ms\n${logLines.join('')}`));
    }, timeoutMs);
    child.stdout.on('data', (chunk) => {
      remember('stdout', chunk);
      if (done) return;
      buf += chunk.toString();
      const m = LISTEN_RE.exec(buf);
      if (m) {
        done = true;
        clearTimeout(timer);
        resolve(m[1].replace(/\/+$/, ''));
      }
    });
    child.once('error', (err) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      reject(err);
    });
    exited.then(({ code, signal }) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      reject(new Error(`oxwrite serve exited early (code ${code}, signal ${signal})\n${logLines.join('')}`));
    });
  });

  let stopped = false;
  const server = {
    endpoint,
    dataDir,
    child,
    logs: () => logLines.join(''),
    cli: (args) => runCli(dataDir, args),
    async createProject(id, name = id) {
      await runCli(dataDir, ['project', 'create', '--id', id, '--name', name]);
      return id;
    },
    /** scopes: 'all' or an array of scope names. Returns the key secret. */
    async createKey(projectId, scopes = 'all', name = undefined) {
      const scopeArg = Array.isArray(scopes) ? scopes.join(',') : scopes;
      const keyName = name ?? `key-${scopeArg.replace(/[^a-z0-9]+/gi, '-').slice(0, 40)}-${randomBytes(3).toString('hex')}`;
      const out = await runCli(dataDir, ['key', 'create', '--project', projectId, '--name', keyName, '--scopes', scopeArg]);
      const secret = lastLine(out);
      if (!secret.startsWith('standard_')) {
        throw new Error(`unexpected key create output (expected a standard_ secret on the last line):\n${out}`);
      }
      return secret;
    },
    /** `keepData`: leave the data folder for a restart (`startServer({ dataDir })`). */
    async stop({ keepData = false, signal = 'SIGTERM' } = {}) {
      if (stopped) return;
      stopped = true;
      if (child.exitCode === null && child.signalCode === null) {
        child.kill(signal);
        const killTimer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(killTimer);
      }
      liveServers.delete(child);
      if (keepData) return;
      if (process.env.OXWRITE_KEEP_DATA === '1') {
        process.stderr.write(`oxwrite data kept at ${dataDir}\n`);
      } else {
        rmSync(dataDir, { recursive: true, force: true });
      }
    },
  };
  return server;
}

/**
 * One server + one project + an all-scopes key. What most test files need.
 * Returns { endpoint, projectId, adminKey, key(scopes), server, stop() }.
 */
export async function setup({ projectId, projectName } = {}) {
  const pid = projectId ?? `p${randomBytes(6).toString('hex')}`;
  const server = await startServer();
  try {
    await server.createProject(pid, projectName ?? `Compat ${pid}`);
    const adminKey = await server.createKey(pid, 'all', 'compat-admin');
    return {
      endpoint: server.endpoint,
      projectId: pid,
      adminKey,
      server,
      key: (scopes = 'all', name) => server.createKey(pid, scopes, name),
      stop: () => server.stop(),
    };
  } catch (err) {
    await server.stop();
    throw err;
  }
}

// ---------------------------------------------------------------------------
// Small helpers shared by the test files.

/** A client for the project with no credentials (a guest, like a browser). */
export function guestClient(env) {
  return new Client().setEndpoint(env.endpoint).setProject(env.projectId);
}

/** A server-side client with an API key (defaults to the all-scopes key). */
export function keyClient(env, key = env.adminKey) {
  return guestClient(env).setKey(key);
}

/** A server-side client acting as a user through the SSR session secret. */
export function sessionClient(env, secret) {
  return guestClient(env).setSession(secret);
}

let counter = 0;
/** Unique, lowercase email address for one test. */
export function uniqueEmail(tag = 'user') {
  counter += 1;
  return `${tag}-${Date.now().toString(36)}-${counter}-${randomBytes(3).toString('hex')}@example.com`.toLowerCase();
}

/** Unique valid custom ID (<= 36 chars, starts with a letter). */
export function uniqueId(tag = 'u') {
  counter += 1;
  return `${tag}${Date.now().toString(36)}${counter}${randomBytes(3).toString('hex')}`.slice(0, 36);
}

export const PASSWORD = 'Compat-Pass-1234';

/**
 * Asserts that `promiseOrFn` rejects with an AppwriteException of the given
 * HTTP status and error type. Returns the exception for further checks.
 */
export async function expectError(promiseOrFn, code, type, messageMatch) {
  let err;
  try {
    await (typeof promiseOrFn === 'function' ? promiseOrFn() : promiseOrFn);
  } catch (e) {
    err = e;
  }
  assert.ok(err, `expected an AppwriteException ${code} ${type}, but the call succeeded`);
  assert.ok(err instanceof AppwriteException, `expected AppwriteException, got ${err?.name}: ${err?.message}`);
  assert.equal(err.code, code, `status code (type=${err.type}, message=${err.message})`);
  assert.equal(err.type, type, `error type (code=${err.code}, message=${err.message})`);
  if (messageMatch instanceof RegExp) {
    assert.match(err.message, messageMatch);
  } else if (typeof messageMatch === 'string') {
    assert.equal(err.message, messageMatch);
  }
  // The error body is JSON {message, code, type, version}.
  const body = JSON.parse(err.response);
  assert.equal(body.code, code);
  assert.equal(body.type, type);
  assert.equal(typeof body.message, 'string');
  assert.equal(typeof body.version, 'string');
  return err;
}

/** Raw HTTP to the server (for cookies and headers the SDK hides). */
export async function raw(env, apiPath, { method = 'GET', headers = {}, body, project = true } = {}) {
  const h = { ...headers };
  if (project && !Object.keys(h).some((k) => k.toLowerCase() === 'x-appwrite-project')) {
    h['X-Appwrite-Project'] = env.projectId;
  }
  let payload = body;
  if (body !== undefined && typeof body !== 'string') {
    payload = JSON.stringify(body);
    if (!Object.keys(h).some((k) => k.toLowerCase() === 'content-type')) h['Content-Type'] = 'application/json';
  }
  const res = await fetch(env.endpoint + apiPath, { method, headers: h, body: payload, redirect: 'manual' });
  const text = await res.text();
  let json;
  try {
    json = text.length ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json, setCookies: res.headers.getSetCookie() };
}

/** Parse one Set-Cookie header into { name, value, attrs: Map(lowercased name -> value|true) }. */
export function parseSetCookie(header) {
  const parts = header.split(';').map((p) => p.trim());
  const [nameValue, ...attrParts] = parts;
  const eq = nameValue.indexOf('=');
  const attrs = new Map();
  for (const a of attrParts) {
    if (!a) continue;
    const i = a.indexOf('=');
    if (i === -1) attrs.set(a.toLowerCase(), true);
    else attrs.set(a.slice(0, i).trim().toLowerCase(), a.slice(i + 1).trim());
  }
  return { name: nameValue.slice(0, eq), value: nameValue.slice(eq + 1), attrs };
}

/** Decode a session blob (cookie value / SSR secret): base64 JSON {id, secret}. */
export function decodeSessionBlob(blob) {
  return JSON.parse(Buffer.from(decodeURIComponent(blob), 'base64').toString('utf8'));
}

/**
 * Create a user with the key, log them in through the SSR flow and return
 * { user, email, password, session, secret, client } where client acts as the user.
 */
export async function createLoggedInUser(env, { Users, Account, ID }, { tag = 'user', name } = {}) {
  const email = uniqueEmail(tag);
  const admin = keyClient(env);
  const user = await new Users(admin).create({ userId: ID.unique(), email, password: PASSWORD, name: name ?? `User ${tag}` });
  const session = await new Account(admin).createEmailPasswordSession({ email, password: PASSWORD });
  assert.ok(session.secret, 'SSR login with a key must return session.secret');
  return { user, email, password: PASSWORD, session, secret: session.secret, client: sessionClient(env, session.secret) };
}

/**
 * node-appwrite parses responses with json-bigint, which builds objects with a
 * null prototype; deepStrictEqual against a literal then fails on the
 * prototype alone. Compare plain copies instead.
 */
export function plain(value) {
  return JSON.parse(JSON.stringify(value));
}
