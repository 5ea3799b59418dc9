// An async execution survives the server dying while it runs: after a restart on the same
// data it is taken from the queue again and completes (node-appwrite 27.1.0).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import { Client, Functions, ID } from 'node-appwrite';
import { InputFile } from 'node-appwrite/file';
import { setup, startServer } from './harness.mjs';
import { makeCodeArchive, cleanupArchives, sleepyFunction } from './functions-fixtures.mjs';

let env;
let restarted;
after(async () => {
  await restarted?.stop();
  await env?.stop();
  cleanupArchives();
});

async function poll(what, get, done, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await get();
    if (done(value)) return value;
    if (Date.now() > deadline) assert.fail(`${what}: not reached within ${timeoutMs} ms; last: ${JSON.stringify(value)}`);
    await delay(100);
  }
}

const functionsAt = (endpoint) => new Functions(new Client().setEndpoint(endpoint).setProject(env.projectId).setKey(env.adminKey));

test('an async execution interrupted by a crash runs again after the restart', async () => {
  env = await setup();
  let functions = functionsAt(env.endpoint);
  const runtimes = await functions.listRuntimes();
  const runtime = runtimes.runtimes.find((r) => r.key === 'node').$id;
  await functions.create({ functionId: 'sleepy', name: 'Sleepy', runtime, entrypoint: 'index.js', timeout: 30 });
  const archive = makeCodeArchive(sleepyFunction(2));
  const d = await functions.createDeployment({ functionId: 'sleepy', code: InputFile.fromPath(archive.path, 'code.tar.gz'), activate: true });
  await poll('the build', () => functions.getDeployment({ functionId: 'sleepy', deploymentId: d.$id }), (x) => x.status === 'ready');
  await poll('activation', () => functions.get({ functionId: 'sleepy' }), (f) => f.deploymentId === d.$id);

  const queued = await functions.createExecution({ functionId: 'sleepy', async: true, body: 'x' });
  assert.equal(queued.status, 'waiting');
  await poll('the run to start', () => functions.getExecution({ functionId: 'sleepy', executionId: queued.$id }), (x) => x.status === 'processing');
  // The server dies mid-run (no graceful stop), its data stays.
  await env.server.stop({ keepData: true, signal: 'SIGKILL' });

  restarted = await startServer({ dataDir: env.server.dataDir });
  functions = functionsAt(restarted.endpoint);
  const done = await poll('the execution after the restart',
    () => functions.getExecution({ functionId: 'sleepy', executionId: queued.$id }), (x) => x.status === 'completed' || x.status === 'failed');
  assert.equal(done.status, 'completed', JSON.stringify(done));
  assert.equal(done.responseStatusCode, 200);
  assert.match(done.logs, /woke up/);
});
