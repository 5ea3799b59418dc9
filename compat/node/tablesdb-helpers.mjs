// Shared helpers for the tablesdb*.test.mjs and databases-legacy.test.mjs files.
//
// Appwrite creates columns, attributes and indexes asynchronously: the create call
// answers 202 with status "processing" and a worker later flips it to "available"
// (H/Databases/Collections/Attributes/Action.php::createAttribute). Oxwrite makes
// them available before answering, but the tests must tolerate "processing", so we
// poll with a bounded number of immediate re-polls (and at most a few ms of sleep).

import assert from 'node:assert/strict';
import { AppwriteException } from 'node-appwrite';

const IMMEDIATE_TRIES = 50;
const TOTAL_TRIES = 400;

function pause(i) {
  // First polls yield to the event loop only; later ones sleep 3 ms.
  return new Promise((resolve) => (i < IMMEDIATE_TRIES ? setImmediate(resolve) : setTimeout(resolve, 3)));
}

/** Polls `get()` until it returns an object whose status is "available". */
export async function waitAvailable(get, what) {
  let last;
  for (let i = 0; i < TOTAL_TRIES; i += 1) {
    last = await get();
    if (last.status === 'available') return last;
    if (last.status === 'failed' || last.status === 'stuck') {
      assert.fail(`${what} ended in status ${last.status}: ${last.error}`);
    }
    await pause(i);
  }
  assert.fail(`${what} did not become available (last status ${last?.status})`);
}

/** Waits for a TablesDB column to become available. */
export function waitColumn(tdb, databaseId, tableId, key) {
  return waitAvailable(() => tdb.getColumn({ databaseId, tableId, key }), `column ${tableId}.${key}`);
}

/** Waits for several TablesDB columns. */
export async function waitColumns(tdb, databaseId, tableId, keys) {
  const out = [];
  for (const key of keys) out.push(await waitColumn(tdb, databaseId, tableId, key));
  return out;
}

/** Waits for a TablesDB index to become available. */
export function waitIndex(tdb, databaseId, tableId, key) {
  return waitAvailable(() => tdb.getIndex({ databaseId, tableId, key }), `index ${tableId}.${key}`);
}

/** Waits for a legacy attribute to become available. */
export function waitAttribute(databases, databaseId, collectionId, key) {
  return waitAvailable(() => databases.getAttribute({ databaseId, collectionId, key }), `attribute ${collectionId}.${key}`);
}

/** Waits for a legacy index to become available. */
export function waitLegacyIndex(databases, databaseId, collectionId, key) {
  return waitAvailable(() => databases.getIndex({ databaseId, collectionId, key }), `index ${collectionId}.${key}`);
}

/** Polls `get()` until it rejects with a 404 (deletion is asynchronous in Appwrite). */
export async function waitGone(get, what) {
  for (let i = 0; i < TOTAL_TRIES; i += 1) {
    try {
      await get();
    } catch (e) {
      if (e instanceof AppwriteException && e.code === 404) return e;
      throw e;
    }
    await pause(i);
  }
  assert.fail(`${what} was not deleted`);
}

/** Status of a freshly created column/index: Appwrite answers "processing"; "available" is tolerated. */
export function assertCreatedStatus(model) {
  assert.ok(['processing', 'available'].includes(model.status), `unexpected status ${model.status}`);
}

/** Sorted `$id`s of a row/document list. */
export function idsOf(list) {
  return list.map((r) => r.$id).sort();
}

/** Sorted copy of an array of strings. */
export function sorted(values) {
  return [...values].sort();
}

export const DATETIME_RE = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00$/;
