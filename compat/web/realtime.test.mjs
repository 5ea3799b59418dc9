// The web SDK `appwrite` 27.0.0 in real headless Chromium against Oxwrite's realtime: a page
// signs in with its cookie session, subscribes to a table's rows and to its account, and
// receives only what its user may read; unsubscribing stops the rows.
//
// The page is served from a small static server on 127.0.0.1:0 (the SDK's IIFE bundle plus
// a bare HTML page); Oxwrite runs on another port of the same host, so the session cookie
// travels with the WebSocket upgrade. Data is written through the REST API with a key.

import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { openBrowser } from './browser.mjs';
import { setup, raw } from '../node/harness.mjs';

const PASSWORD = 'Web-Pass-12345';

let env;
let web; // the page server and the browser (browser.mjs)
let browser;
let page;

function key(apiPath, method, body) {
  return raw(env, apiPath, { method, body, headers: { 'X-Appwrite-Key': env.adminKey } }).then((r) => {
    assert.ok(r.status < 300, `${method} ${apiPath}: ${r.status} ${r.text}`);
    return r.json;
  });
}

/** Subscribes the page's client to `channel` and resolves once the server acknowledged it. */
async function subscribe(channel, name) {
  await page.evaluate(({ channel, name }) => {
    window[name] = window.client.subscribe(channel, (e) => window.events.push(e));
  }, { channel, name });
  await page.waitForFunction((ch) => window.raw.some((m) => m.type === 'response' && m.data.to === 'subscribe'
    && m.data.subscriptions.some((s) => s.channels.some((c) => c === ch || c.startsWith(`${ch}.`)))), channel, { timeout: 10_000 });
}

/** Resolves with the first of the page's collected events for which `pick` is true. */
function nextEvent(pick) {
  return page.waitForFunction((src) => {
    const f = new Function('e', `return (${src})(e)`);
    return (window.events ?? []).find((e) => f(e)) ?? null;
  }, pick.toString(), { timeout: 10_000 }).then((h) => h.jsonValue());
}

before(async () => {
  env = await setup({ projectId: 'web-realtime' });
  await key('/tablesdb', 'POST', { databaseId: 'db', name: 'DB' });
  await key('/tablesdb/db/tables', 'POST', { tableId: 'notes', name: 'Notes', rowSecurity: true });
  await key('/tablesdb/db/tables/notes/columns/varchar', 'POST', { key: 'title', size: 64, required: true });
  await key('/users', 'POST', { userId: 'alice', email: 'alice@example.com', password: PASSWORD, name: 'Alice' });
  await key('/users', 'POST', { userId: 'bob', email: 'bob@example.com', password: PASSWORD, name: 'Bob' });

  web = await openBrowser();
  browser = web.browser;
  page = await browser.newPage();
  await page.goto(`${web.origin}/`);
  // Sign in from the page, the way a browser app does (cookie session).
  const user = await page.evaluate(async ({ endpoint, project, password }) => {
    // Every message the SDK's sockets receive, to see the server's acknowledgements.
    window.raw = [];
    const Native = window.WebSocket;
    window.WebSocket = class extends Native {
      constructor(...args) {
        super(...args);
        this.addEventListener('message', (m) => window.raw.push(JSON.parse(m.data)));
      }
    };
    const client = new Appwrite.Client().setEndpoint(endpoint).setProject(project);
    window.client = client;
    window.events = [];
    const account = new Appwrite.Account(client);
    await account.createEmailPasswordSession({ email: 'alice@example.com', password });
    return (await account.get()).$id;
  }, { endpoint: env.endpoint, project: env.projectId, password: PASSWORD });
  assert.equal(user, 'alice');
});

after(async () => {
  await web?.close();
  await env?.stop();
});

describe('realtime in the browser', () => {
  test('a signed-in page gets the rows it may read, and only those', async () => {
    await subscribe('databases.db.tables.notes.rows', 'unsubscribeRows');
    // Bob's private row first, then Alice's: the first row event must be Alice's.
    await key('/tablesdb/db/tables/notes/rows', 'POST', { rowId: 'bobs', data: { title: 'bob' }, permissions: ['read("user:bob")'] });
    await key('/tablesdb/db/tables/notes/rows', 'POST', { rowId: 'alices', data: { title: 'alice' }, permissions: ['read("user:alice")'] });
    const event = await nextEvent((e) => e.payload && e.payload.$tableId === 'notes');
    assert.equal(event.payload.$id, 'alices');
    assert.ok(event.events.includes('databases.db.tables.notes.rows.alices.create'));
    assert.ok(event.channels.includes('databases.db.tables.notes.rows'));
    assert.equal(await page.evaluate(() => window.events.filter((e) => e.payload.$id === 'bobs').length), 0);
  });

  test('account events arrive on the account channel', async () => {
    await subscribe('account', 'unsubscribeAccount');
    await page.evaluate(() => new Appwrite.Account(window.client).updateName({ name: 'Alice 2' }));
    const event = await nextEvent((e) => e.events.some((n) => n.endsWith('.update.name')));
    assert.ok(event.channels.includes('account.alice'));
    assert.equal(event.payload.name, 'Alice 2');
  });

  test('after unsubscribing, rows stop arriving', async () => {
    await page.evaluate(() => {
      window.unsubscribeRows();
      window.events = [];
    });
    await key('/tablesdb/db/tables/notes/rows', 'POST', { rowId: 'later', data: { title: 'later' }, permissions: ['read("any")'] });
    // The account subscription still works; once its event is in, the row would be too.
    await page.evaluate(() => new Appwrite.Account(window.client).updateName({ name: 'Alice last' }));
    await nextEvent((e) => e.payload && e.payload.name === 'Alice last');
    assert.equal(await page.evaluate(() => window.events.filter((e) => e.payload.$id === 'later').length), 0);
  });
});
