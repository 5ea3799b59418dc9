// The web SDK `appwrite` 27.0.0 in real headless Chromium against Oxwrite's storage: users
// sign up and sign in inside the page (cookie sessions), upload to a bucket with fileSecurity
// and create("users") through `storage.createFile` (a small PNG in one request, 6 MiB in
// chunks with content-range / x-appwrite-id across origins), read their files back through
// the URLs the SDK builds, and a second user in another browser context cannot see them.
// `getFilePreview` must give an image of exactly the requested size in an <img>.
//
// The page is served from a small static server on 127.0.0.1:0 (the SDK's IIFE bundle plus a
// bare HTML page); Oxwrite runs on another port of the same host. The bucket is made with a key.

import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { openBrowser } from './browser.mjs';
import { setup, raw } from '../node/harness.mjs';
import { makePng } from '../node/png.mjs';

const PASSWORD = 'Web-Pass-12345';
const BUCKET = 'photos';

let env;
let web; // the page server and the browser (browser.mjs)
let browser;
let alice; // { context, page, id }
let bob;
let png; // the PNG Alice uploads (200×100)
let fileId;


/** A fresh browser context whose page has signed up and signed in `email` with the web SDK. */
async function signedInPage(email, name) {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${web.origin}/`);
  const id = await page.evaluate(async ({ endpoint, project, email, name, password }) => {
    const client = new Appwrite.Client().setEndpoint(endpoint).setProject(project);
    window.client = client;
    window.storage = new Appwrite.Storage(client);
    const account = new Appwrite.Account(client);
    await account.create({ userId: Appwrite.ID.unique(), email, password, name });
    await account.createEmailPasswordSession({ email, password });
    return (await account.get()).$id;
  }, { endpoint: env.endpoint, project: env.projectId, email, name, password: PASSWORD });
  return { context, page, id };
}

before(async () => {
  env = await setup({ projectId: 'web-storage' });
  const res = await raw(env, '/storage/buckets', {
    method: 'POST',
    headers: { 'X-Appwrite-Key': env.adminKey },
    body: { bucketId: BUCKET, name: 'Photos', fileSecurity: true, permissions: ['create("users")'] },
  });
  assert.equal(res.status, 201, res.text);
  png = makePng(200, 100);

  web = await openBrowser();
  browser = web.browser;
  alice = await signedInPage('alice@example.com', 'Alice');
  bob = await signedInPage('bob@example.com', 'Bob');
});

after(async () => {
  await web?.close();
  await env?.stop();
});

describe('storage in the browser', () => {
  test('a signed-in user uploads a PNG with storage.createFile and reads it back', async () => {
    const out = await alice.page.evaluate(async ({ bucketId, b64 }) => {
      const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
      const file = new File([bytes], 'pic.png', { type: 'image/png' });
      const created = await window.storage.createFile({ bucketId, fileId: Appwrite.ID.unique(), file });
      const got = await window.storage.getFile({ bucketId, fileId: created.$id });
      // The SDK builds the view URL; the session cookie goes with a credentialed fetch.
      const url = window.storage.getFileView({ bucketId, fileId: created.$id });
      const res = await fetch(url, { credentials: 'include' });
      const body = new Uint8Array(await res.arrayBuffer());
      return { created, got, url, status: res.status, type: res.headers.get('content-type'), body: Array.from(body) };
    }, { bucketId: BUCKET, b64: png.toString('base64') });
    fileId = out.created.$id;
    assert.equal(out.created.name, 'pic.png');
    assert.equal(out.created.mimeType, 'image/png');
    assert.equal(out.created.sizeOriginal, png.length);
    assert.equal(out.created.chunksTotal, 1);
    assert.equal(out.created.signature, createHash('md5').update(png).digest('hex'));
    assert.deepEqual([...out.created.$permissions].sort(),
      [`delete("user:${alice.id}")`, `read("user:${alice.id}")`, `update("user:${alice.id}")`]);
    assert.equal(out.got.$id, fileId);
    assert.ok(out.url.includes(`project=${env.projectId}`), out.url);
    assert.equal(out.status, 200);
    assert.equal(out.type, 'image/png');
    assert.ok(Buffer.from(out.body).equals(png), 'view returns the uploaded bytes');
  });

  test('another user in another browser context gets 404 for it', async () => {
    const out = await bob.page.evaluate(async ({ bucketId, fileId }) => {
      let error;
      try {
        await window.storage.getFile({ bucketId, fileId });
      } catch (e) {
        error = { code: e.code, type: e.type };
      }
      const list = await window.storage.listFiles({ bucketId });
      const res = await fetch(window.storage.getFileDownload({ bucketId, fileId }), { credentials: 'include' });
      return { error, total: list.total, status: res.status, body: await res.json() };
    }, { bucketId: BUCKET, fileId });
    assert.deepEqual(out.error, { code: 404, type: 'storage_file_not_found' });
    assert.equal(out.total, 0);
    assert.equal(out.status, 404);
    assert.equal(out.body.type, 'storage_file_not_found');
  });

  test('a 6 MiB file goes up in chunks from the page and downloads identical', async () => {
    const out = await alice.page.evaluate(async ({ bucketId }) => {
      const bytes = new Uint8Array(6 * 1024 * 1024 + 777);
      for (let i = 0; i < bytes.length; i += 65536) crypto.getRandomValues(bytes.subarray(i, Math.min(i + 65536, bytes.length)));
      const hex = async (b) => Array.from(new Uint8Array(await crypto.subtle.digest('SHA-256', b)), (x) => x.toString(16).padStart(2, '0')).join('');
      const created = await window.storage.createFile({ bucketId, fileId: Appwrite.ID.unique(), file: new File([bytes], 'big.bin') });
      const res = await fetch(window.storage.getFileDownload({ bucketId, fileId: created.$id }), { credentials: 'include' });
      const down = await res.arrayBuffer();
      return { created, status: res.status, type: res.headers.get('content-type'), sent: await hex(bytes), got: await hex(down), size: bytes.length };
    }, { bucketId: BUCKET });
    assert.equal(out.created.chunksTotal, 2);
    assert.equal(out.created.chunksUploaded, 2);
    assert.equal(out.created.sizeOriginal, out.size);
    assert.equal(out.status, 200);
    // Content-Disposition is not readable cross-origin (Appwrite exposes only X-Appwrite-Session
    // and X-Fallback-Cookies); Content-Type is.
    assert.equal(out.type, 'application/octet-stream');
    assert.equal(out.got, out.sent);
  });

  test('getFilePreview(bucket, file, 100, 50) loads in an <img> at 100×50', async () => {
    const out = await alice.page.evaluate(async ({ bucketId, fileId }) => {
      const url = window.storage.getFilePreview({ bucketId, fileId, width: 100, height: 50 });
      const size = await new Promise((resolve) => {
        const img = new Image();
        img.onload = () => resolve({ width: img.naturalWidth, height: img.naturalHeight });
        img.onerror = () => resolve(null);
        img.src = url;
        document.body.appendChild(img);
      });
      // On failure, what the server answered (for the report).
      let answer = null;
      if (!size) {
        const res = await fetch(url, { credentials: 'include' });
        answer = `${res.status} ${(await res.text()).slice(0, 300)}`;
      }
      return { url, size, answer };
    }, { bucketId: BUCKET, fileId });
    assert.equal(typeof out.url, 'string');
    assert.ok(out.url.includes('/preview?') && out.url.includes('width=100') && out.url.includes('height=50'), out.url);
    assert.ok(out.size, `the preview did not load as an image: ${out.answer}`);
    assert.deepEqual(out.size, { width: 100, height: 50 });

    // Bob's browser cannot load Alice's preview.
    const bobs = await bob.page.evaluate(async ({ bucketId, fileId }) => {
      const url = window.storage.getFilePreview({ bucketId, fileId, width: 100, height: 50 });
      const res = await fetch(url, { credentials: 'include' });
      return { status: res.status, body: await res.text() };
    }, { bucketId: BUCKET, fileId });
    assert.equal(bobs.status, 404, bobs.body);
    assert.equal(JSON.parse(bobs.body).type, 'storage_file_not_found');
  });
});
