// Storage and resource tokens through node-appwrite 27.1.0: buckets, uploads (whole, chunked
// and concurrent, resumed, out of order), downloads and views with Range, bucket limits,
// file security for session users and guests, file tokens, and the file create event.
// Behaviour references: /work/notes/storage-behaviour.md (Appwrite 1.9.6 source), PROTOCOL.md §12.
// Raw fetch is used where the SDK hides what must be checked (Range, chunk headers, ?token=).

import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { createHash, randomBytes } from 'node:crypto';
import { Storage, Tokens, Webhooks, Users, Account, ID, Permission, Role, Query } from 'node-appwrite';
import { InputFile } from 'node-appwrite/file';
import { makePng } from './png.mjs';
import { setup, keyClient, guestClient, expectError, createLoggedInUser, plain } from './harness.mjs';

const MiB = 1024 * 1024;
const CHUNK = 5 * MiB;
const md5 = (b) => createHash('md5').update(b).digest('hex');
const sha256 = (b) => createHash('sha256').update(b).digest('hex');
const bytesOf = (ab) => Buffer.from(ab);

// The 1.9 models' keys (Bucket/File/ResourceToken `addRule` order in Appwrite 1.9.6).
const BUCKET_KEYS = ['$id', '$createdAt', '$updatedAt', '$permissions', 'fileSecurity', 'name', 'enabled', 'maximumFileSize',
  'allowedFileExtensions', 'compression', 'encryption', 'antivirus', 'transformations', 'totalSize'];
const FILE_KEYS = ['$id', 'bucketId', '$createdAt', '$updatedAt', '$permissions', 'name', 'signature', 'mimeType', 'sizeOriginal',
  'sizeActual', 'chunksTotal', 'chunksUploaded', 'encryption', 'compression'];
const TOKEN_KEYS = ['$id', '$createdAt', 'resourceId', 'resourceType', 'expire', 'secret', 'accessedAt'];

let env;
let storage; // key client
let tokens;
let alice;
let bob;
let big; // 23 MiB of random bytes, uploaded once by the chunked-upload test
let bigFile;

before(async () => {
  env = await setup({ projectId: 'node-storage' });
  storage = new Storage(keyClient(env));
  tokens = new Tokens(keyClient(env));
  alice = await createLoggedInUser(env, { Users, Account, ID }, { tag: 'alice', name: 'Alice' });
  bob = await createLoggedInUser(env, { Users, Account, ID }, { tag: 'bob', name: 'Bob' });
  big = randomBytes(23 * MiB);
});
after(async () => { await env?.stop(); });

const as = (who) => new Storage(who.client);
const guest = () => new Storage(guestClient(env));
const sorted = (a) => [...a].sort();

/** The model's keys are Appwrite 1.9's (File may also carry `folder`/`key`, which Python appwrite 23 requires). */
function assertKeys(model, keys, extra = []) {
  const got = sorted(Object.keys(model)).filter((k) => !extra.includes(k));
  assert.deepEqual(got, sorted(keys));
}

/** A GET of a file's bytes with raw fetch: `kind` is download or view. */
async function fetchBytes(bucketId, fileId, { kind = 'download', range, key = true, query = '' } = {}) {
  const headers = {};
  if (key) {
    headers['X-Appwrite-Project'] = env.projectId;
    headers['X-Appwrite-Key'] = env.adminKey;
  }
  if (range) headers.Range = range;
  const res = await fetch(`${env.endpoint}/storage/buckets/${bucketId}/files/${fileId}/${kind}${query}`, { headers });
  const body = Buffer.from(await res.arrayBuffer());
  let json;
  if ((res.headers.get('content-type') ?? '').includes('application/json')) json = JSON.parse(body.toString('utf8'));
  return { status: res.status, headers: res.headers, body, json };
}

/**
 * Sends chunk `index` (0-based) of `whole` the way the SDKs do: multipart form with fileId and
 * file, `content-range: bytes start-end/total`, `x-appwrite-id` when `uploadId` is given.
 */
async function sendChunk(bucketId, { fileId, whole, index, name, uploadId }) {
  const start = index * CHUNK;
  const end = Math.min(start + CHUNK, whole.length);
  const form = new FormData();
  form.append('fileId', fileId);
  form.append('file', new Blob([whole.subarray(start, end)]), name);
  const headers = {
    'X-Appwrite-Project': env.projectId,
    'X-Appwrite-Key': env.adminKey,
    'content-range': `bytes ${start}-${end - 1}/${whole.length}`,
  };
  if (uploadId) headers['x-appwrite-id'] = uploadId;
  const res = await fetch(`${env.endpoint}/storage/buckets/${bucketId}/files`, { method: 'POST', headers, body: form });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : undefined, text };
}

// ---------------------------------------------------------------------------
describe('buckets', () => {
  test('create with settings, get, list with queries and search, update (PUT), delete', async () => {
    const created = await storage.createBucket({
      bucketId: 'photos', name: 'Holiday Photos', permissions: [Permission.read(Role.any()), Permission.write(Role.users())],
      fileSecurity: true, enabled: true, maximumFileSize: 1_000_000, allowedFileExtensions: ['jpg', 'png'],
      compression: 'gzip', encryption: false, antivirus: false, transformations: false,
    });
    assertKeys(created, BUCKET_KEYS);
    assert.equal(created.$id, 'photos');
    assert.equal(created.name, 'Holiday Photos');
    // `write` is expanded to create + update + delete (Permission::aggregate).
    const expanded = sorted(['read("any")', 'create("users")', 'update("users")', 'delete("users")']);
    assert.deepEqual(sorted(created.$permissions), expanded);
    assert.equal(created.fileSecurity, true);
    assert.equal(created.enabled, true);
    assert.equal(created.maximumFileSize, 1_000_000);
    assert.deepEqual(plain(created.allowedFileExtensions), ['jpg', 'png']);
    assert.equal(created.compression, 'gzip');
    assert.equal(created.encryption, false);
    assert.equal(created.antivirus, false);
    assert.equal(created.transformations, false);
    assert.equal(typeof created.totalSize, 'number');
    assert.ok(created.totalSize >= 0);
    assert.ok(!Number.isNaN(Date.parse(created.$createdAt)));

    // Defaults: fileSecurity false, enabled, 30 MB, every extension, no compression, encryption,
    // antivirus and transformations on.
    const plainBucket = await storage.createBucket({ bucketId: ID.unique(), name: 'Documents' });
    assert.match(plainBucket.$id, /^[0-9a-f]{20}$/);
    assert.deepEqual(plain(plainBucket.$permissions), []);
    assert.equal(plainBucket.fileSecurity, false);
    assert.equal(plainBucket.enabled, true);
    assert.equal(plainBucket.maximumFileSize, 30_000_000);
    assert.deepEqual(plain(plainBucket.allowedFileExtensions), []);
    assert.equal(plainBucket.compression, 'none');
    assert.equal(plainBucket.encryption, true);
    assert.equal(plainBucket.antivirus, true);
    assert.equal(plainBucket.transformations, true);

    await expectError(storage.createBucket({ bucketId: 'photos', name: 'Again' }), 409, 'storage_bucket_already_exists');

    const got = await storage.getBucket({ bucketId: 'photos' });
    assert.equal(got.name, 'Holiday Photos');
    assert.equal(got.compression, 'gzip');
    await expectError(storage.getBucket({ bucketId: 'missing' }), 404, 'storage_bucket_not_found');

    const all = await storage.listBuckets();
    assert.ok(all.total >= 2);
    assert.ok(all.buckets.some((b) => b.$id === 'photos'));
    const secured = await storage.listBuckets({ queries: [Query.equal('fileSecurity', [true])] });
    assert.deepEqual(secured.buckets.map((b) => b.$id), ['photos']);
    assert.equal(secured.total, 1);
    const small = await storage.listBuckets({ queries: [Query.lessThan('maximumFileSize', 2_000_000), Query.limit(5)] });
    assert.deepEqual(small.buckets.map((b) => b.$id), ['photos']);
    const ordered = await storage.listBuckets({ queries: [Query.orderAsc('name')] });
    const names = ordered.buckets.map((b) => b.name);
    assert.deepEqual(names, [...names].sort());
    const searched = await storage.listBuckets({ search: 'Holiday' });
    assert.deepEqual(searched.buckets.map((b) => b.$id), ['photos']);
    const noTotal = await storage.listBuckets({ total: false });
    assert.equal(noTotal.total, 0);
    assert.ok(noTotal.buckets.length >= 2);
    await expectError(storage.listBuckets({ queries: [Query.equal('secret', ['x'])] }), 400, 'general_argument_invalid');

    // PUT semantics: whatever is omitted returns to its default; omitted permissions are kept.
    const updated = await storage.updateBucket({ bucketId: 'photos', name: 'Renamed' });
    assert.equal(updated.name, 'Renamed');
    assert.deepEqual(sorted(updated.$permissions), expanded);
    assert.equal(updated.fileSecurity, false);
    assert.equal(updated.enabled, true);
    assert.equal(updated.maximumFileSize, 30_000_000);
    assert.deepEqual(plain(updated.allowedFileExtensions), []);
    assert.equal(updated.compression, 'none');
    assert.equal(updated.encryption, true);
    assert.equal(updated.antivirus, true);
    assert.equal(updated.transformations, true);
    assert.ok(Date.parse(updated.$updatedAt) >= Date.parse(created.$updatedAt));
    const again = await storage.updateBucket({ bucketId: 'photos', name: 'Renamed', permissions: [], enabled: false, compression: 'zstd' });
    assert.deepEqual(plain(again.$permissions), []);
    assert.equal(again.enabled, false);
    assert.equal(again.compression, 'zstd');
    assert.equal((await storage.getBucket({ bucketId: 'photos' })).enabled, false, 'a key still sees a disabled bucket');
    await expectError(storage.updateBucket({ bucketId: 'missing', name: 'x' }), 404, 'storage_bucket_not_found');

    await storage.deleteBucket({ bucketId: 'photos' });
    await expectError(storage.getBucket({ bucketId: 'photos' }), 404, 'storage_bucket_not_found');
    await expectError(storage.deleteBucket({ bucketId: 'photos' }), 404, 'storage_bucket_not_found');
    await storage.deleteBucket({ bucketId: plainBucket.$id });
  });

  test('validation: bad compression, maximumFileSize above the storage limit, bad id -> 400', async () => {
    await expectError(storage.createBucket({ bucketId: ID.unique(), name: 'x', compression: 'brotli' }), 400, 'general_argument_invalid',
      'Invalid `compression` param: Value must be one of (none, gzip, zstd)');
    await expectError(storage.createBucket({ bucketId: ID.unique(), name: 'x', maximumFileSize: 30_000_001 }), 400, 'general_argument_invalid',
      'Invalid `maximumFileSize` param: Value must be a valid range between 1 and 30,000,000');
    await expectError(storage.createBucket({ bucketId: ID.unique(), name: 'x', maximumFileSize: 0 }), 400, 'general_argument_invalid');
    await expectError(storage.createBucket({ bucketId: '_bad', name: 'x' }), 400, 'general_argument_invalid');
    await expectError(storage.createBucket({ bucketId: ID.unique(), name: 'n'.repeat(129) }), 400, 'general_argument_invalid');
    await storage.createBucket({ bucketId: 'valid', name: 'Valid' });
    await expectError(storage.updateBucket({ bucketId: 'valid', name: 'Valid', compression: 'lz4' }), 400, 'general_argument_invalid');
    await expectError(storage.updateBucket({ bucketId: 'valid', name: 'Valid', maximumFileSize: 60_000_000 }), 400, 'general_argument_invalid',
      /between 1 and 30,000,000/);
    // Sessions have no buckets scope.
    await expectError(as(alice).listBuckets(), 401, 'general_unauthorized_scope');
    await expectError(as(alice).createBucket({ bucketId: ID.unique(), name: 'mine' }), 401, 'general_unauthorized_scope');
    await storage.deleteBucket({ bucketId: 'valid' });
  });
});

// ---------------------------------------------------------------------------
describe('uploads and downloads', () => {
  before(async () => {
    await storage.createBucket({ bucketId: 'files', name: 'Files' });
  });

  test('a 23 MiB file goes up in concurrent 5 MiB chunks and downloads byte-identical', async () => {
    const fileId = ID.unique();
    const progress = [];
    const file = await storage.createFile({ bucketId: 'files', fileId, file: InputFile.fromBuffer(big, 'big.bin'), onProgress: (p) => progress.push(p) });
    bigFile = file;
    assertKeys(file, FILE_KEYS, ['folder', 'key']);
    assert.equal(file.$id, fileId);
    assert.equal(file.bucketId, 'files');
    assert.equal(file.name, 'big.bin');
    assert.equal(file.chunksTotal, 5);
    assert.equal(file.chunksUploaded, 5);
    assert.equal(file.sizeOriginal, big.length);
    assert.equal(file.signature, md5(big));
    assert.equal(file.mimeType, 'application/octet-stream');
    // Above 20 MB Appwrite neither compresses nor encrypts.
    assert.equal(file.compression, 'none');
    assert.equal(file.encryption, false);
    assert.equal(file.sizeActual, big.length);
    assert.deepEqual(plain(file.$permissions), [], 'a key upload without permissions has none');
    assert.equal(progress.length, 5);

    const got = await storage.getFile({ bucketId: 'files', fileId });
    assert.equal(got.chunksUploaded, 5);
    assert.equal(got.signature, md5(big));

    const down = bytesOf(await storage.getFileDownload({ bucketId: 'files', fileId }));
    assert.equal(down.length, big.length);
    assert.equal(sha256(down), sha256(big));

    const res = await fetchBytes('files', fileId);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-disposition'), 'attachment; filename="big.bin"');
    assert.equal(res.headers.get('cache-control'), 'private, max-age=3888000');
    assert.equal(res.headers.get('content-type'), 'application/octet-stream');
    assert.equal(sha256(res.body), sha256(big));
  });

  test('a small file is one request; view serves a text file back as text/plain', async () => {
    const text = 'Hello from Oxwrite storage!\n'.repeat(10);
    const file = await storage.createFile({ bucketId: 'files', fileId: 'hello', file: InputFile.fromPlainText(text, 'hello.txt') });
    assert.equal(file.$id, 'hello');
    assert.equal(file.name, 'hello.txt');
    assert.equal(file.chunksTotal, 1);
    assert.equal(file.chunksUploaded, 1);
    assert.equal(file.sizeOriginal, Buffer.byteLength(text));
    assert.equal(file.signature, md5(Buffer.from(text)));
    assert.equal(file.mimeType, 'text/plain');
    assert.equal(file.encryption, true, 'the bucket encrypts files up to 20 MB by default');
    assert.equal(file.compression, 'none');

    const view = bytesOf(await storage.getFileView({ bucketId: 'files', fileId: 'hello' }));
    assert.equal(view.toString('utf8'), text);
    const res = await fetchBytes('files', 'hello', { kind: 'view' });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type'), /^text\/plain/);
    assert.equal(res.headers.get('content-disposition'), 'inline; filename="hello.txt"');
    assert.equal(res.headers.get('content-security-policy'), 'script-src none;');
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(res.body.toString('utf8'), text);
    const down = bytesOf(await storage.getFileDownload({ bucketId: 'files', fileId: 'hello' }));
    assert.equal(down.toString('utf8'), text);

    // HTML is viewed as text/plain (not on Appwrite's mime allow-list); a PNG as image/png.
    await storage.createFile({ bucketId: 'files', fileId: 'page', file: InputFile.fromPlainText('<!doctype html><script>alert(1)</script>', 'page.html') });
    assert.match((await fetchBytes('files', 'page', { kind: 'view' })).headers.get('content-type'), /^text\/plain/);
    const png = makePng(40, 20);
    const pngFile = await storage.createFile({ bucketId: 'files', fileId: 'pic', file: InputFile.fromBuffer(png, 'pic.png') });
    assert.equal(pngFile.mimeType, 'image/png');
    const pngView = await fetchBytes('files', 'pic', { kind: 'view' });
    assert.equal(pngView.headers.get('content-type'), 'image/png');
    assert.ok(pngView.body.equals(png));

    // The same id again without a range: 409.
    await expectError(storage.createFile({ bucketId: 'files', fileId: 'hello', file: InputFile.fromPlainText('x', 'x.txt') }), 409,
      'storage_file_already_exists');
    await expectError(storage.getFile({ bucketId: 'files', fileId: 'nope' }), 404, 'storage_file_not_found');
    await expectError(storage.getFileDownload({ bucketId: 'files', fileId: 'nope' }), 404, 'storage_file_not_found');
    await expectError(storage.createFile({ bucketId: 'nope', fileId: ID.unique(), file: InputFile.fromPlainText('x', 'x.txt') }), 404,
      'storage_bucket_not_found');
  });

  test('list, update and delete files', async () => {
    const list = await storage.listFiles({ bucketId: 'files' });
    assert.ok(list.total >= 4);
    assert.ok(list.files.some((f) => f.$id === 'hello'));
    const txt = await storage.listFiles({ bucketId: 'files', queries: [Query.equal('mimeType', ['text/plain'])] });
    assert.deepEqual(txt.files.map((f) => f.name), ['hello.txt']);
    const named = await storage.listFiles({ bucketId: 'files', queries: [Query.startsWith('name', 'p'), Query.orderDesc('name')] });
    assert.deepEqual(named.files.map((f) => f.name), ['pic.png', 'page.html']);
    const searched = await storage.listFiles({ bucketId: 'files', search: 'hello' });
    assert.deepEqual(searched.files.map((f) => f.$id), ['hello']);
    const bigOnes = await storage.listFiles({ bucketId: 'files', queries: [Query.greaterThan('sizeOriginal', 10 * MiB)] });
    assert.deepEqual(bigOnes.files.map((f) => f.$id), [bigFile.$id]);
    await expectError(storage.listFiles({ bucketId: 'files', queries: [Query.equal('path', ['x'])] }), 400, 'general_argument_invalid');

    const renamed = await storage.updateFile({ bucketId: 'files', fileId: 'page', name: 'renamed.html', permissions: [Permission.read(Role.any())] });
    assert.equal(renamed.name, 'renamed.html');
    assert.deepEqual(plain(renamed.$permissions), ['read("any")']);
    const kept = await storage.updateFile({ bucketId: 'files', fileId: 'page', name: 'again.html' });
    assert.deepEqual(plain(kept.$permissions), ['read("any")'], 'omitted permissions are kept');
    await storage.deleteFile({ bucketId: 'files', fileId: 'page' });
    await expectError(storage.getFile({ bucketId: 'files', fileId: 'page' }), 404, 'storage_file_not_found');
    await expectError(storage.deleteFile({ bucketId: 'files', fileId: 'page' }), 404, 'storage_file_not_found');
  });

  test('a gzip bucket compresses and still serves the original bytes', async () => {
    await storage.createBucket({ bucketId: 'zipped', name: 'Zipped', compression: 'gzip', encryption: true });
    const text = Buffer.from('compress me please '.repeat(5000));
    const file = await storage.createFile({ bucketId: 'zipped', fileId: ID.unique(), file: InputFile.fromBuffer(text, 'c.txt') });
    assert.equal(file.compression, 'gzip');
    assert.equal(file.encryption, true);
    assert.equal(file.sizeOriginal, text.length);
    assert.ok(file.sizeActual < text.length / 4, `sizeActual ${file.sizeActual}`);
    const down = bytesOf(await storage.getFileDownload({ bucketId: 'zipped', fileId: file.$id }));
    assert.ok(down.equals(text));
    const part = await fetchBytes('zipped', file.$id, { range: 'bytes=19-37' });
    assert.equal(part.status, 206);
    assert.equal(part.body.toString(), text.subarray(19, 38).toString());
  });
});

// ---------------------------------------------------------------------------
describe('range requests', () => {
  test('206 with Content-Range and the exact bytes, also across chunk boundaries', async () => {
    assert.ok(bigFile, 'needs the 23 MiB file of the upload test');
    const size = big.length;
    const cases = [
      [0, 99],
      [CHUNK - 100, CHUNK + 99], // crosses the first 5 MiB boundary
      [CHUNK - 1, 2 * CHUNK], // the last byte of chunk 1, all of chunk 2, the first of chunk 3
      [3 * CHUNK + 12345, 4 * CHUNK + 54321],
      [size - 10, size - 1], // the end of the file
    ];
    for (const [start, end] of cases) {
      const res = await fetchBytes(bigFile.bucketId, bigFile.$id, { range: `bytes=${start}-${end}` });
      assert.equal(res.status, 206, `bytes=${start}-${end}: ${res.status} ${res.json?.type}`);
      assert.equal(res.headers.get('content-range'), `bytes ${start}-${end}/${size}`);
      assert.equal(res.headers.get('accept-ranges'), 'bytes');
      assert.equal(res.headers.get('content-length'), String(end - start + 1));
      assert.equal(res.body.length, end - start + 1);
      assert.ok(res.body.equals(big.subarray(start, end + 1)), `bytes=${start}-${end} content`);
    }
    // view honours Range too.
    const view = await fetchBytes('files', 'hello', { kind: 'view', range: 'bytes=6-9' });
    assert.equal(view.status, 206);
    assert.equal(view.body.toString(), 'from');
    assert.equal(view.headers.get('content-range'), `bytes 6-9/${Buffer.byteLength('Hello from Oxwrite storage!\n') * 10}`);
  });

  test('an unsatisfiable range -> 416 storage_invalid_range', async () => {
    assert.ok(bigFile, 'needs the 23 MiB file of the upload test');
    const size = big.length;
    const res = await fetchBytes(bigFile.bucketId, bigFile.$id, { range: `bytes=${size}-${size + 100}` });
    assert.equal(res.status, 416);
    assert.equal(res.json.type, 'storage_invalid_range');
    assert.equal(res.json.code, 416);
    const bad = await fetchBytes('files', 'hello', { range: 'items=0-3' });
    assert.equal(bad.status, 416);
    assert.equal(bad.json.type, 'storage_invalid_range');
  });

  test('suffix, open-ended and overlong ranges follow RFC 9110 (COMPAT.md)', async () => {
    assert.ok(bigFile, 'needs the 23 MiB file of the upload test');
    // A deliberate difference (COMPAT.md "Storage and tokens"): Appwrite answers 416 to suffix
    // ranges and to an end past the file, and sends at most 10 MiB for an open range; we serve
    // all three as RFC 9110 says. What is no byte range at all is 416 on both.
    const size = big.length;
    const bad = await fetchBytes(bigFile.bucketId, bigFile.$id, { range: 'bytes=988' });
    assert.equal(bad.status, 416);
    assert.equal(bad.json.type, 'storage_invalid_range');
    const suffix = await fetchBytes(bigFile.bucketId, bigFile.$id, { range: 'bytes=-988' });
    assert.equal(suffix.status, 206);
    assert.equal(suffix.headers.get('content-range'), `bytes ${size - 988}-${size - 1}/${size}`);
    assert.ok(suffix.body.equals(big.subarray(size - 988)));
    const over = await fetchBytes(bigFile.bucketId, bigFile.$id, { range: `bytes=${size - 10}-${size + 10}` });
    assert.equal(over.status, 206);
    assert.equal(over.headers.get('content-range'), `bytes ${size - 10}-${size - 1}/${size}`);
    const open = await fetchBytes(bigFile.bucketId, bigFile.$id, { range: 'bytes=0-' });
    assert.equal(open.status, 206);
    assert.equal(open.headers.get('content-range'), `bytes 0-${size - 1}/${size}`);
    assert.equal(Number(open.headers.get('content-length')), size);
  });
});

// ---------------------------------------------------------------------------
describe('bucket limits', () => {
  test('allowedFileExtensions refuses other extensions -> 400 storage_file_type_unsupported', async () => {
    await storage.createBucket({ bucketId: 'pngs', name: 'PNGs', allowedFileExtensions: ['png'] });
    await expectError(storage.createFile({ bucketId: 'pngs', fileId: ID.unique(), file: InputFile.fromPlainText('text', 'a.txt') }), 400,
      'storage_file_type_unsupported', 'File extension not allowed');
    await expectError(storage.createFile({ bucketId: 'pngs', fileId: ID.unique(), file: InputFile.fromPlainText('text', 'noext') }), 400,
      'storage_file_type_unsupported');
    const ok = await storage.createFile({ bucketId: 'pngs', fileId: ID.unique(), file: InputFile.fromBuffer(makePng(4, 4), 'a.png') });
    assert.equal(ok.name, 'a.png');
    // The file's extension is lower-cased before the comparison.
    const upper = await storage.createFile({ bucketId: 'pngs', fileId: ID.unique(), file: InputFile.fromBuffer(makePng(4, 4), 'B.PNG') });
    assert.equal(upper.name, 'B.PNG');
    assert.equal((await storage.listFiles({ bucketId: 'pngs' })).total, 2);
  });

  test('maximumFileSize refuses bigger files -> 400 storage_invalid_file_size', async () => {
    await storage.createBucket({ bucketId: 'tiny', name: 'Tiny', maximumFileSize: 1000 });
    await expectError(storage.createFile({ bucketId: 'tiny', fileId: ID.unique(), file: InputFile.fromBuffer(randomBytes(2000), 'big.bin') }),
      400, 'storage_invalid_file_size', 'File size not allowed');
    const ok = await storage.createFile({ bucketId: 'tiny', fileId: ID.unique(), file: InputFile.fromBuffer(randomBytes(1000), 'fits.bin') });
    assert.equal(ok.sizeOriginal, 1000);
    // A chunked upload is checked against its declared total, on the first chunk.
    const first = await sendChunk('tiny', { fileId: ID.unique(), whole: randomBytes(CHUNK + 10), index: 0, name: 'chunked.bin' });
    assert.equal(first.status, 400, first.text);
    assert.equal(first.json.type, 'storage_invalid_file_size');
    assert.equal((await storage.listFiles({ bucketId: 'tiny' })).total, 1);
  });
});

// ---------------------------------------------------------------------------
describe('interrupted and out-of-order chunked uploads', () => {
  before(async () => {
    await storage.createBucket({ bucketId: 'chunks', name: 'Chunks' });
    // Completing an encrypted 10 MiB upload takes seconds in a debug build; one such upload
    // (above) is enough, the others go to a bucket that stores files as sent.
    await storage.createBucket({ bucketId: 'plain', name: 'Plain', encryption: false });
  });

  test('two of three chunks by hand, then the SDK resends everything and completes the file', async () => {
    const whole = randomBytes(2 * CHUNK + 123_457);
    const fileId = ID.unique();
    const first = await sendChunk('chunks', { fileId, whole, index: 0, name: 'resume.bin' });
    assert.equal(first.status, 201, first.text);
    assert.equal(first.json.$id, fileId);
    assert.equal(first.json.chunksTotal, 3);
    assert.equal(first.json.chunksUploaded, 1);
    const second = await sendChunk('chunks', { fileId, whole, index: 1, name: 'resume.bin', uploadId: fileId });
    assert.equal(second.status, 201, second.text);
    assert.equal(second.json.chunksUploaded, 2);

    // Mid-upload: no signature or MIME type yet, nothing stored as "actual" yet.
    const pending = await storage.getFile({ bucketId: 'chunks', fileId });
    assert.equal(pending.chunksTotal, 3);
    assert.equal(pending.chunksUploaded, 2);
    assert.equal(pending.sizeOriginal, whole.length);
    assert.equal(pending.signature, '');
    assert.equal(pending.mimeType, '');
    assert.equal(pending.sizeActual, 0);
    assert.equal(pending.name, 'resume.bin');
    assert.equal(pending.compression, '', 'no algorithm until the upload completes');
    assert.equal(pending.encryption, false);
    const listed = await storage.listFiles({ bucketId: 'chunks', queries: [Query.equal('$id', [fileId])] });
    assert.equal(listed.files[0].chunksUploaded, 2, 'an upload in progress is listed');
    await expectError(storage.getFileDownload({ bucketId: 'chunks', fileId }), 404, 'storage_file_not_found');

    // node-appwrite has no resume probe: it sends all three chunks again (the first without
    // x-appwrite-id). Chunks the server already has are accepted.
    const done = await storage.createFile({ bucketId: 'chunks', fileId, file: InputFile.fromBuffer(whole, 'resume.bin') });
    assert.equal(done.$id, fileId);
    assert.equal(done.chunksTotal, 3);
    assert.equal(done.chunksUploaded, 3);
    assert.equal(done.signature, md5(whole));
    assert.equal(done.sizeOriginal, whole.length);
    const down = bytesOf(await storage.getFileDownload({ bucketId: 'chunks', fileId }));
    assert.equal(sha256(down), sha256(whole));

    // A chunk sent again once the file is complete: 200 with the file (Create.php).
    const late = await sendChunk('chunks', { fileId, whole, index: 1, name: 'resume.bin', uploadId: fileId });
    assert.equal(late.status, 200, late.text);
    assert.equal(late.json.chunksUploaded, 3);
    assert.equal(late.json.signature, md5(whole));
  });

  test('chunks sent out of order (last first) complete the file', async () => {
    const whole = randomBytes(2 * CHUNK + 4321);
    const fileId = ID.unique();
    const last = await sendChunk('plain', { fileId, whole, index: 2, name: 'backwards.bin' });
    assert.equal(last.status, 201, last.text);
    assert.equal(last.json.chunksTotal, 3);
    assert.equal(last.json.chunksUploaded, 1);
    const firstChunk = await sendChunk('plain', { fileId, whole, index: 0, name: 'backwards.bin', uploadId: fileId });
    assert.equal(firstChunk.status, 201, firstChunk.text);
    assert.equal(firstChunk.json.chunksUploaded, 2);
    assert.equal(firstChunk.json.signature, '');
    const middle = await sendChunk('plain', { fileId, whole, index: 1, name: 'backwards.bin', uploadId: fileId });
    assert.equal(middle.status, 201, middle.text);
    assert.equal(middle.json.chunksUploaded, 3);
    assert.equal(middle.json.signature, md5(whole));
    const down = bytesOf(await storage.getFileDownload({ bucketId: 'plain', fileId }));
    assert.equal(sha256(down), sha256(whole));
  });

  test('an upload in progress can be deleted', async () => {
    const whole = randomBytes(CHUNK + 10);
    const fileId = ID.unique();
    const first = await sendChunk('plain', { fileId, whole, index: 0, name: 'abandoned.bin' });
    assert.equal(first.status, 201, first.text);
    await storage.deleteFile({ bucketId: 'plain', fileId });
    await expectError(storage.getFile({ bucketId: 'plain', fileId }), 404, 'storage_file_not_found');
    // The id is free again: a new upload under it starts from scratch.
    const again = await sendChunk('plain', { fileId, whole, index: 1, name: 'abandoned.bin', uploadId: fileId });
    assert.equal(again.status, 201, again.text);
    assert.equal(again.json.chunksUploaded, 1);
  });

  test('bad chunk headers: content-range and x-appwrite-id', async () => {
    const whole = randomBytes(CHUNK + 10);
    const form = () => {
      const f = new FormData();
      f.append('fileId', ID.unique());
      f.append('file', new Blob([whole.subarray(0, CHUNK)]), 'bad.bin');
      return f;
    };
    const post = (headers) => fetch(`${env.endpoint}/storage/buckets/chunks/files`, {
      method: 'POST', body: form(), headers: { 'X-Appwrite-Project': env.projectId, 'X-Appwrite-Key': env.adminKey, ...headers },
    }).then(async (r) => ({ status: r.status, json: await r.json() }));
    const badRange = await post({ 'content-range': `bytes ${CHUNK}-0/${whole.length}` });
    assert.equal(badRange.status, 400);
    assert.equal(badRange.json.type, 'storage_invalid_content_range');
    const beyond = await post({ 'content-range': `bytes 0-${CHUNK - 1}/100` });
    assert.equal(beyond.status, 400);
    assert.equal(beyond.json.type, 'storage_invalid_content_range');
    const unique = await post({ 'content-range': `bytes 0-${CHUNK - 1}/${whole.length}`, 'x-appwrite-id': 'unique()' });
    assert.equal(unique.status, 400);
    assert.equal(unique.json.type, 'storage_invalid_appwrite_id');
  });
});

// ---------------------------------------------------------------------------
describe('file security (session users and guests)', () => {
  let fileId;
  const text = 'only for alice';

  before(async () => {
    await storage.createBucket({ bucketId: 'private', name: 'Private', fileSecurity: true, permissions: [Permission.create(Role.users())] });
  });

  test("a user's upload gets read/update/delete for that user", async () => {
    const file = await as(alice).createFile({ bucketId: 'private', fileId: ID.unique(), file: InputFile.fromPlainText(text, 'alice.txt') });
    fileId = file.$id;
    const id = alice.user.$id;
    assert.deepEqual(sorted(file.$permissions), sorted([`read("user:${id}")`, `update("user:${id}")`, `delete("user:${id}")`]));
    const mine = await as(alice).listFiles({ bucketId: 'private' });
    assert.deepEqual(mine.files.map((f) => f.$id), [fileId]);
    assert.equal(mine.total, 1);
    assert.equal((await as(alice).getFile({ bucketId: 'private', fileId })).name, 'alice.txt');
    assert.equal(bytesOf(await as(alice).getFileDownload({ bucketId: 'private', fileId })).toString(), text);
    assert.equal(bytesOf(await as(alice).getFileView({ bucketId: 'private', fileId })).toString(), text);
  });

  test('another user: 404 storage_file_not_found and an empty list', async () => {
    await expectError(as(bob).getFile({ bucketId: 'private', fileId }), 404, 'storage_file_not_found');
    await expectError(as(bob).getFileDownload({ bucketId: 'private', fileId }), 404, 'storage_file_not_found');
    const list = await as(bob).listFiles({ bucketId: 'private' });
    assert.equal(list.total, 0);
    assert.deepEqual(plain(list.files), []);
    // Found with authorization skipped, then refused: 401 (Update.php / Delete.php).
    await expectError(as(bob).updateFile({ bucketId: 'private', fileId, name: 'bobs.txt' }), 401, 'user_unauthorized');
    await expectError(as(bob).deleteFile({ bucketId: 'private', fileId }), 401, 'user_unauthorized');
  });

  test('a guest: 404 on get and download, an empty list, 401 on create', async () => {
    await expectError(guest().getFile({ bucketId: 'private', fileId }), 404, 'storage_file_not_found');
    await expectError(guest().getFileDownload({ bucketId: 'private', fileId }), 404, 'storage_file_not_found');
    const list = await guest().listFiles({ bucketId: 'private' });
    assert.equal(list.total, 0);
    await expectError(guest().createFile({ bucketId: 'private', fileId: ID.unique(), file: InputFile.fromPlainText('x', 'x.txt') }), 401,
      'user_unauthorized');
    const res = await fetchBytes('private', fileId, { key: false, query: `?project=${env.projectId}` });
    assert.equal(res.status, 404);
    assert.equal(res.json.type, 'storage_file_not_found');
  });

  test('granting a role the user does not hold -> 401 user_unauthorized', async () => {
    await expectError(as(alice).createFile({ bucketId: 'private', fileId: ID.unique(), file: InputFile.fromPlainText('x', 'x.txt'),
      permissions: [Permission.read(Role.team('staff'))] }), 401, 'user_unauthorized', /^Permissions must be one of: \(/);
    await expectError(as(alice).createFile({ bucketId: 'private', fileId: ID.unique(), file: InputFile.fromPlainText('x', 'x.txt'),
      permissions: [Permission.read(Role.user(bob.user.$id))] }), 401, 'user_unauthorized');
    // Roles the user holds are fine: any, users, their own user.
    const shared = await as(alice).createFile({ bucketId: 'private', fileId: ID.unique(), file: InputFile.fromPlainText('shared', 's.txt'),
      permissions: [Permission.read(Role.users())] });
    assert.deepEqual(plain(shared.$permissions), ['read("users")']);
    assert.equal(bytesOf(await as(bob).getFileView({ bucketId: 'private', fileId: shared.$id })).toString(), 'shared');
    await expectError(guest().getFile({ bucketId: 'private', fileId: shared.$id }), 404, 'storage_file_not_found');
  });

  test('the owner renames and deletes the file', async () => {
    const renamed = await as(alice).updateFile({ bucketId: 'private', fileId, name: 'mine.txt' });
    assert.equal(renamed.name, 'mine.txt');
    await as(alice).deleteFile({ bucketId: 'private', fileId });
    await expectError(as(alice).getFile({ bucketId: 'private', fileId }), 404, 'storage_file_not_found');
  });

  test('without fileSecurity only bucket permissions count: no read -> 401', async () => {
    await storage.createBucket({ bucketId: 'dropbox', name: 'Drop box', permissions: [Permission.create(Role.users())] });
    const file = await as(alice).createFile({ bucketId: 'dropbox', fileId: ID.unique(), file: InputFile.fromPlainText('drop', 'd.txt') });
    await expectError(as(alice).getFile({ bucketId: 'dropbox', fileId: file.$id }), 401, 'user_unauthorized');
    await expectError(as(alice).listFiles({ bucketId: 'dropbox' }), 401, 'user_unauthorized');
    await expectError(guest().getFileDownload({ bucketId: 'dropbox', fileId: file.$id }), 401, 'user_unauthorized');
    // A disabled bucket is not found for everyone but keys.
    await storage.updateBucket({ bucketId: 'dropbox', name: 'Drop box', permissions: [Permission.read(Role.any())], enabled: false });
    await expectError(as(alice).getFile({ bucketId: 'dropbox', fileId: file.$id }), 404, 'storage_bucket_not_found');
    assert.equal((await storage.getFile({ bucketId: 'dropbox', fileId: file.$id })).name, 'd.txt');
  });
});

// ---------------------------------------------------------------------------
describe('resource tokens', () => {
  const content = 'token-protected bytes';
  let token;

  before(async () => {
    // No read permission for anyone: only a token opens these files.
    await storage.createBucket({ bucketId: 'shared', name: 'Shared' });
    await storage.createFile({ bucketId: 'shared', fileId: 'doc', file: InputFile.fromPlainText(content, 'doc.txt') });
    await storage.createFile({ bucketId: 'shared', fileId: 'other', file: InputFile.fromPlainText('other bytes', 'other.txt') });
  });

  const view = (fileId, secret) => fetchBytes('shared', fileId, { kind: 'view', key: false,
    query: `?project=${env.projectId}${secret === undefined ? '' : `&token=${encodeURIComponent(secret)}`}` });

  test('createFileToken: a guest opens the file with ?token=', async () => {
    token = await tokens.createFileToken({ bucketId: 'shared', fileId: 'doc' });
    assertKeys(token, TOKEN_KEYS);
    assert.equal(token.resourceId, 'shared:doc');
    assert.equal(token.resourceType, 'files');
    assert.equal(token.expire, '', 'no expiry is an empty string');
    assert.equal(token.accessedAt, '');
    assert.match(token.secret, /^[\w-]+\.[\w-]+\.[\w-]+$/, 'the secret is a JWT');

    const before = await view('doc');
    assert.equal(before.status, 401, 'without the token the guest may not read');
    assert.equal(before.json.type, 'user_unauthorized');

    const res = await view('doc', token.secret);
    assert.equal(res.status, 200, res.json?.message);
    assert.equal(res.body.toString(), content);
    assert.equal(res.headers.get('content-disposition'), 'inline; filename="doc.txt"');
    const down = await fetchBytes('shared', 'doc', { key: false, query: `?project=${env.projectId}&token=${token.secret}` });
    assert.equal(down.status, 200);
    assert.equal(down.body.toString(), content);
    // node-appwrite passes the token as a query parameter.
    const sdk = bytesOf(await guest().getFileDownload({ bucketId: 'shared', fileId: 'doc', token: token.secret }));
    assert.equal(sdk.toString(), content);
    const ranged = await fetchBytes('shared', 'doc', { key: false, range: 'bytes=0-4', query: `?project=${env.projectId}&token=${token.secret}` });
    assert.equal(ranged.status, 206);
    assert.equal(ranged.body.toString(), 'token');
    // The token does not open getFile (only download, view, preview honour it).
    await expectError(guest().getFile({ bucketId: 'shared', fileId: 'doc' }), 401, 'user_unauthorized');
  });

  test('the token opens no other file; a bad token counts as none', async () => {
    const other = await view('other', token.secret);
    assert.equal(other.status, 401);
    assert.equal(other.json.type, 'user_unauthorized');
    // Even a key, which may read everything, is refused when its token names another file.
    const keyed = await fetchBytes('shared', 'other', { kind: 'view', query: `?token=${token.secret}` });
    assert.equal(keyed.status, 401);
    assert.equal(keyed.json.type, 'user_unauthorized');
    const missing = await view('nope', token.secret);
    assert.equal(missing.status, 401, 'a token for another file is 401 even when the file does not exist');
    for (const bad of ['not-a-token', `${token.secret.slice(0, -3)}AAA`]) {
      const res = await view('doc', bad);
      assert.equal(res.status, 401, `token ${bad}`);
      assert.equal(res.json.type, 'user_unauthorized');
    }
    // With file security a bad token leaves a guest with 404 (the file is fetched with authorization).
    await storage.createBucket({ bucketId: 'secured', name: 'Secured', fileSecurity: true });
    await storage.createFile({ bucketId: 'secured', fileId: 'f', file: InputFile.fromPlainText('s', 's.txt') });
    const secured = await fetchBytes('secured', 'f', { kind: 'view', key: false, query: `?project=${env.projectId}&token=garbage` });
    assert.equal(secured.status, 404);
    assert.equal(secured.json.type, 'storage_file_not_found');
  });

  test('list, get, update (expire), delete; a deleted or expired token opens nothing', async () => {
    const listed = await tokens.list({ bucketId: 'shared', fileId: 'doc' });
    assert.equal(listed.total, 1);
    assert.deepEqual(listed.tokens.map((t) => t.$id), [token.$id]);
    assert.equal((await tokens.list({ bucketId: 'shared', fileId: 'other' })).total, 0);
    await expectError(tokens.list({ bucketId: 'shared', fileId: 'nope' }), 404, 'storage_file_not_found');

    const got = await tokens.get({ tokenId: token.$id });
    assert.equal(got.resourceId, 'shared:doc');
    assert.equal(got.secret, token.secret, 'the JWT is the same until expire changes');
    assert.ok(got.accessedAt !== '' && !Number.isNaN(Date.parse(got.accessedAt)), `accessedAt after use: ${got.accessedAt}`);
    await expectError(tokens.get({ tokenId: 'missing' }), 404, 'token_not_found');

    const future = new Date(Date.now() + 3_600_000).toISOString();
    const later = await tokens.update({ tokenId: token.$id, expire: future });
    assert.equal(Date.parse(later.expire), Date.parse(future));
    assert.equal((await view('doc', later.secret)).status, 200);
    await expectError(tokens.update({ tokenId: token.$id, expire: '2001-01-01T00:00:00.000+00:00' }), 400, 'general_argument_invalid',
      /Value must be valid date in the future/);
    const never = await tokens.update({ tokenId: token.$id, expire: null });
    assert.equal(never.expire, '');

    // A token that expires: works, then stops working.
    const soon = await tokens.update({ tokenId: token.$id, expire: new Date(Date.now() + 1500).toISOString() });
    assert.equal((await view('doc', soon.secret)).status, 200);
    await new Promise((r) => setTimeout(r, 2000));
    assert.equal((await view('doc', soon.secret)).status, 401, 'an expired token counts as none');

    const fresh = await tokens.createFileToken({ bucketId: 'shared', fileId: 'doc', expire: new Date(Date.now() + 86_400_000).toISOString() });
    assert.notEqual(fresh.expire, '');
    assert.equal((await view('doc', fresh.secret)).status, 200);
    await tokens.delete({ tokenId: fresh.$id });
    await expectError(tokens.get({ tokenId: fresh.$id }), 404, 'token_not_found');
    await expectError(tokens.delete({ tokenId: fresh.$id }), 404, 'token_not_found');
    const revoked = await view('doc', fresh.secret);
    assert.equal(revoked.status, 401, 'a deleted token opens nothing');
    await expectError(tokens.createFileToken({ bucketId: 'shared', fileId: 'doc', expire: '2001-01-01T00:00:00.000+00:00' }), 400,
      'general_argument_invalid');
    await expectError(tokens.createFileToken({ bucketId: 'shared', fileId: 'nope' }), 404, 'storage_file_not_found');
    await expectError(tokens.createFileToken({ bucketId: 'nope', fileId: 'doc' }), 404, 'storage_bucket_not_found');
  });

  test('tokens are for keys: a session has no tokens scope', async () => {
    await expectError(new Tokens(alice.client).list({ bucketId: 'shared', fileId: 'doc' }), 401, 'general_unauthorized_scope');
    await expectError(new Tokens(alice.client).createFileToken({ bucketId: 'shared', fileId: 'doc' }), 401, 'general_unauthorized_scope');
  });
});

// ---------------------------------------------------------------------------
describe('previews', () => {
  const pngSize = (b) => [b.readUInt32BE(16), b.readUInt32BE(20)];

  test('getFilePreview crops to the size asked, in the format asked, and caches', async () => {
    await storage.createBucket({ bucketId: 'pics', name: 'Pictures', permissions: [Permission.read(Role.any())] });
    const file = await storage.createFile({ bucketId: 'pics', fileId: ID.unique(), file: InputFile.fromBuffer(makePng(200, 100), 'pic.png') });
    assert.equal(file.mimeType, 'image/png');
    const png = bytesOf(await storage.getFilePreview({ bucketId: 'pics', fileId: file.$id, width: 64, height: 32 }));
    assert.deepEqual(pngSize(png), [64, 32]);
    const tall = bytesOf(await storage.getFilePreview({ bucketId: 'pics', fileId: file.$id, height: 50, borderWidth: 2, borderColor: 'ff0000', rotation: 90 }));
    assert.deepEqual(pngSize(tall), [54, 104], 'aspect kept, border added, then turned');
    const jpg = bytesOf(await storage.getFilePreview({ bucketId: 'pics', fileId: file.$id, width: 20, output: 'jpg', quality: 50 }));
    assert.deepEqual([...jpg.subarray(0, 3)], [0xff, 0xd8, 0xff]);
    const webp = bytesOf(await storage.getFilePreview({ bucketId: 'pics', fileId: file.$id, width: 20, output: 'webp' }));
    assert.equal(webp.subarray(8, 12).toString('ascii'), 'WEBP');

    const url = `${env.endpoint}/storage/buckets/pics/files/${file.$id}/preview?width=64&height=32&project=${env.projectId}`;
    const again = await fetch(url);
    assert.equal(again.status, 200);
    assert.equal(again.headers.get('content-type'), 'image/png');
    assert.equal(again.headers.get('x-appwrite-cache'), 'hit');
    assert.equal(again.headers.get('cache-control'), 'private, max-age=15552000');
    assert.ok(Buffer.from(await again.arrayBuffer()).equals(png), 'the cached preview is the rendered one');
  });

  test('non-images get a placeholder tile; bad parameters and disabled transformations are refused', async () => {
    const text = await storage.createFile({ bucketId: 'pics', fileId: ID.unique(), file: InputFile.fromPlainText('hello', 'notes.txt') });
    const tile = bytesOf(await storage.getFilePreview({ bucketId: 'pics', fileId: text.$id, width: 30, height: 10 }));
    assert.deepEqual(pngSize(tile), [30, 10]);
    await expectError(storage.getFilePreview({ bucketId: 'pics', fileId: text.$id, width: 5000 }), 400, 'general_argument_invalid',
      'Invalid `width` param: Value must be a valid range between 0 and 4000');
    await expectError(storage.getFilePreview({ bucketId: 'pics', fileId: text.$id, background: 'red' }), 400, 'general_argument_invalid');
    await storage.createBucket({ bucketId: 'raw', name: 'Raw', permissions: [Permission.read(Role.any())], transformations: false });
    const pic = await storage.createFile({ bucketId: 'raw', fileId: ID.unique(), file: InputFile.fromBuffer(makePng(8, 8), 'p.png') });
    await expectError(guest().getFilePreview({ bucketId: 'raw', fileId: pic.$id, width: 4 }), 403, 'storage_bucket_transformations_disabled');
    const byKey = bytesOf(await storage.getFilePreview({ bucketId: 'raw', fileId: pic.$id, width: 4 }));
    assert.deepEqual(pngSize(byKey), [4, 4], 'keys are not bound by the bucket setting');
  });
});

// ---------------------------------------------------------------------------
describe('events', () => {
  test('a chunked upload fires buckets.*.files.*.create once, when complete (webhook)', async () => {
    const deliveries = [];
    let notify;
    const receiver = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c) => { body += c; });
      req.on('end', () => {
        deliveries.push({ headers: req.headers, body: JSON.parse(body) });
        notify?.();
        res.writeHead(200).end('ok');
      });
    });
    await new Promise((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    try {
      const hooks = new Webhooks(keyClient(env));
      await hooks.create({ webhookId: 'files', url: `http://127.0.0.1:${receiver.address().port}/files`, name: 'Files',
        events: ['buckets.*.files.*.create'] });
      const whole = randomBytes(CHUNK + 1000);
      const file = await storage.createFile({ bucketId: 'files', fileId: ID.unique(), file: InputFile.fromBuffer(whole, 'event.bin') });
      const deadline = Date.now() + 10_000;
      while (!deliveries.length && Date.now() < deadline) {
        await new Promise((r) => { notify = r; setTimeout(r, 200); });
      }
      assert.equal(deliveries.length, 1, 'one delivery');
      const [{ headers, body }] = deliveries;
      assert.equal(body.$id, file.$id);
      assert.equal(body.chunksUploaded, 2);
      assert.equal(body.chunksTotal, 2);
      assert.equal(body.signature, md5(whole));
      const events = headers['x-appwrite-webhook-events'].split(',');
      assert.ok(events.includes(`buckets.files.files.${file.$id}.create`), events.join(','));
      assert.ok(events.includes('buckets.*.files.*.create'));
      // Deliveries keep the queue's order: had the first chunk fired an event, it would have
      // arrived before this one.
    } finally {
      receiver.close();
    }
  });
});
