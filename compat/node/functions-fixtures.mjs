// Function code for functions.test.mjs, and the code.tar.gz builder.
//
// Each fixture is a map of file name -> content. makeCodeArchive writes the files into a
// temp dir and packs them with the system tar (`tar -czf code.tar.gz -C dir .`), which is
// what a user (or the Appwrite CLI) uploads as a deployment.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** The node-appwrite version the functions install with `npm install` (the suite's own). */
export const NODE_APPWRITE_VERSION = '27.1.0';

const roots = new Set();

/**
 * Packs `files` ({ 'index.js': '...', 'lib/x.js': '...' }) into `<tmp>/code.tar.gz`.
 * Returns { path, bytes }.
 */
export function makeCodeArchive(files) {
  const root = mkdtempSync(path.join(tmpdir(), 'oxwrite-fn-'));
  roots.add(root);
  const src = path.join(root, 'src');
  mkdirSync(src);
  for (const [name, content] of Object.entries(files)) {
    const p = path.join(src, name);
    mkdirSync(path.dirname(p), { recursive: true });
    writeFileSync(p, content);
  }
  const archive = path.join(root, 'code.tar.gz');
  execFileSync('tar', ['-czf', archive, '-C', src, '.']);
  return { path: archive, bytes: readFileSync(archive) };
}

/** Removes every temp dir makeCodeArchive made. */
export function cleanupArchives() {
  for (const r of roots) rmSync(r, { recursive: true, force: true });
  roots.clear();
}

/** A package.json; `type` is 'module', 'commonjs' or undefined (no "type" field). */
export function packageJson({ type, sdk = false } = {}) {
  const pkg = { name: 'compat-function', version: '1.0.0', main: 'index.js' };
  if (type) pkg.type = type;
  if (sdk) pkg.dependencies = { 'node-appwrite': NODE_APPWRITE_VERSION };
  return JSON.stringify(pkg, null, 2) + '\n';
}

/** The build command for functions that need node-appwrite. */
export const NPM_INSTALL = 'npm install --no-audit --no-fund --no-update-notifier';

// ---------------------------------------------------------------------------
// echo: CommonJS, no dependencies. Reports what the runtime gave it.

export const ECHO_ENV_KEYS = [
  'APPWRITE_FUNCTION_API_ENDPOINT', 'APPWRITE_FUNCTION_ID', 'APPWRITE_FUNCTION_NAME', 'APPWRITE_FUNCTION_DEPLOYMENT',
  'APPWRITE_FUNCTION_PROJECT_ID', 'APPWRITE_FUNCTION_RUNTIME_NAME', 'APPWRITE_FUNCTION_RUNTIME_VERSION',
  'APPWRITE_FUNCTION_API_KEY', 'MY_SECRET', 'MY_PLAIN',
];

export function echoFunction() {
  return {
    'package.json': packageJson({ type: 'commonjs' }),
    'index.js': `
const ENV_KEYS = ${JSON.stringify(ECHO_ENV_KEYS)};
module.exports = async (context) => {
  const { req, res, log, error } = context;
  log('log-works');
  error('error-works');
  const h = req.headers;
  let body = req.bodyText;
  try { body = req.bodyText ? JSON.parse(req.bodyText) : null; } catch (e) { /* keep the text */ }
  return res.json({
    method: req.method,
    path: req.path,
    query: req.query,
    queryString: req.queryString,
    body,
    trigger: h['x-appwrite-trigger'] ?? null,
    userId: h['x-appwrite-user-id'] ?? null,
    hasUserJwt: Boolean(h['x-appwrite-user-jwt']),
    keyType: (h['x-appwrite-key'] ?? '').split('_')[0],
    executionId: h['x-appwrite-execution-id'] ?? null,
    custom: h['x-custom-header'] ?? null,
    openRuntimesHeaders: Object.keys(h).filter((k) => k.startsWith('x-open-runtimes-')),
    env: Object.fromEntries(ENV_KEYS.map((k) => [k, process.env[k] ?? null])),
    serverEnv: Object.keys(process.env).filter((k) => k.startsWith('OXWRITE')),
  }, 200, { 'x-echo': 'yes' });
};
`,
  };
}

// ---------------------------------------------------------------------------
// The seeds' function example (/work/notes/functions-behaviour.md §8), verbatim but for the
// ids. `withImport` prepends the import the sample lacks (§0.7). ESM syntax in index.js and a
// package.json without "type" (§0.6: the runtime must load it anyway).

export function seedFunction({ databaseId, tableId, withImport }) {
  const sample = `export default async ({ req, res, log, error }) => {
  const client = new Client()
    .setEndpoint(process.env.APPWRITE_FUNCTION_API_ENDPOINT)
    .setProject(process.env.APPWRITE_FUNCTION_PROJECT_ID)
    .setKey(req.headers["x-appwrite-key"]);

  const tablesDB = new TablesDB(client);

  // Perform elevated operations
  const result = await tablesDB.listRows({
    databaseId: "${databaseId}",
    tableId: "${tableId}",
  });

  return res.json(result);
};
`;
  return {
    'package.json': packageJson({ sdk: withImport }),
    'index.js': (withImport ? 'import { Client, TablesDB } from "node-appwrite";\n\n' : '') + sample,
  };
}

// ---------------------------------------------------------------------------
// Pattern 3: subscribed to databases.*.tables.*.rows.*.create; writes an audit row with the
// injected key for rows of `sourceTable` (its own audit rows raise events too: ignored).

export function auditFunction({ sourceTable, auditTable }) {
  return {
    'package.json': packageJson({ type: 'module', sdk: true }),
    'index.js': `import { Client, TablesDB, ID } from 'node-appwrite';

export default async ({ req, res, log }) => {
  const row = req.bodyJson;
  if (row.$tableId !== ${JSON.stringify(sourceTable)}) return res.empty();
  const client = new Client()
    .setEndpoint(process.env.APPWRITE_FUNCTION_API_ENDPOINT)
    .setProject(process.env.APPWRITE_FUNCTION_PROJECT_ID)
    .setKey(req.headers['x-appwrite-key']);
  const tablesDB = new TablesDB(client);
  const entry = await tablesDB.createRow({
    databaseId: row.$databaseId,
    tableId: ${JSON.stringify(auditTable)},
    rowId: ID.unique(),
    data: {
      sourceId: row.$id,
      title: row.title,
      event: req.headers['x-appwrite-event'] ?? '',
      userId: req.headers['x-appwrite-user-id'] ?? '',
      trigger: req.headers['x-appwrite-trigger'] ?? '',
      userJwt: req.headers['x-appwrite-user-jwt'] ? 'set' : 'empty',
    },
  });
  log('audited ' + row.$id + ' as ' + entry.$id);
  return res.json({ audited: entry.$id });
};
`,
  };
}

// ---------------------------------------------------------------------------
// Pattern 4: a cron job that moves rows flagged `done` from `tasksTable` to `archiveTable`.

export function archiveFunction({ databaseId, tasksTable, archiveTable }) {
  return {
    'package.json': packageJson({ type: 'module', sdk: true }),
    'index.js': `import { Client, TablesDB, Query, AppwriteException } from 'node-appwrite';

export default async ({ req, res, log }) => {
  const client = new Client()
    .setEndpoint(process.env.APPWRITE_FUNCTION_API_ENDPOINT)
    .setProject(process.env.APPWRITE_FUNCTION_PROJECT_ID)
    .setKey(req.headers['x-appwrite-key']);
  const db = new TablesDB(client);
  const databaseId = ${JSON.stringify(databaseId)};
  const done = await db.listRows({ databaseId, tableId: ${JSON.stringify(tasksTable)}, queries: [Query.equal('done', [true]), Query.limit(100)] });
  const archived = [];
  for (const row of done.rows) {
    try {
      await db.createRow({ databaseId, tableId: ${JSON.stringify(archiveTable)}, rowId: row.$id,
        data: { title: row.title, trigger: req.headers['x-appwrite-trigger'] ?? '' } });
    } catch (e) {
      if (!(e instanceof AppwriteException && e.code === 409)) throw e;
    }
    await db.deleteRow({ databaseId, tableId: ${JSON.stringify(tasksTable)}, rowId: row.$id });
    archived.push(row.$id);
  }
  log('archived ' + archived.length);
  return res.json({ archived });
};
`,
  };
}

// ---------------------------------------------------------------------------
// Scopes: reads and writes rows with the injected key and reports what the API answered.

export function scopesFunction({ databaseId, tableId }) {
  return {
    'package.json': packageJson({ type: 'module', sdk: true }),
    'index.js': `import { Client, TablesDB, ID } from 'node-appwrite';

const outcome = async (fn) => {
  try {
    const v = await fn();
    return { ok: true, total: v.total ?? null };
  } catch (e) {
    return { ok: false, code: e.code ?? null, type: e.type ?? null, message: e.message ?? String(e) };
  }
};

export default async ({ req, res }) => {
  const client = new Client()
    .setEndpoint(process.env.APPWRITE_FUNCTION_API_ENDPOINT)
    .setProject(process.env.APPWRITE_FUNCTION_PROJECT_ID)
    .setKey(req.headers['x-appwrite-key']);
  const db = new TablesDB(client);
  const where = { databaseId: ${JSON.stringify(databaseId)}, tableId: ${JSON.stringify(tableId)} };
  const read = await outcome(() => db.listRows(where));
  const write = await outcome(() => db.createRow({ ...where, rowId: ID.unique(), data: { title: 'from a function' } }));
  return res.json({ read, write });
};
`,
  };
}

// ---------------------------------------------------------------------------
// Timeout: sleeps `seconds` before answering.

export function sleepyFunction(seconds) {
  return {
    'index.js': `module.exports = async ({ res, log }) => {
  log('going to sleep');
  await new Promise((resolve) => setTimeout(resolve, ${Math.round(seconds * 1000)}));
  log('woke up');
  return res.json({ woke: true });
};
`,
  };
}

// ---------------------------------------------------------------------------
// Python: def main(context) reading context.req.body_json.

export function pythonFunction() {
  return {
    'main.py': `import os


def main(context):
    data = context.req.body_json
    context.log("python-log-works")
    return context.res.json({
        "greeting": "hello " + data["name"],
        "doubled": [n * 2 for n in data["numbers"]],
        "bodyIsDict": isinstance(context.req.body, dict),
        "method": context.req.method,
        "path": context.req.path,
        "runtimeName": os.environ.get("APPWRITE_FUNCTION_RUNTIME_NAME"),
        "runtimeVersion": os.environ.get("APPWRITE_FUNCTION_RUNTIME_VERSION"),
        "functionId": os.environ.get("APPWRITE_FUNCTION_ID"),
    })
`,
  };
}
