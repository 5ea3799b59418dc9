// TablesDB spatial columns: point / line / polygon values, their validation, a spatial index,
// and the spatial query methods (intersects, crosses, distance in meters and in degrees).
// Geometries are [longitude, latitude] arrays, as the SDK's helpers send them.

import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { TablesDB, Permission, Role, Query, TablesDBIndexType } from 'node-appwrite';
import { setup, keyClient, expectError } from './harness.mjs';
import { waitColumns, waitIndex, idsOf } from './tablesdb-helpers.mjs';

let env;
let tdb;
const databaseId = 'geo';
const tableId = 'places';

// Berlin, Potsdam (~27 km from Berlin), Paris (~880 km), each with a small square around it
// and a line starting there.
const square = (x, y) => [[[x - 0.1, y - 0.1], [x + 0.1, y - 0.1], [x + 0.1, y + 0.1], [x - 0.1, y + 0.1], [x - 0.1, y - 0.1]]];
const PLACES = [
  { $id: 'berlin', loc: [13.405, 52.52], area: square(13.405, 52.52), road: [[13.405, 52.52], [14.0, 52.52]] },
  { $id: 'potsdam', loc: [13.0645, 52.3906], area: square(13.0645, 52.3906), road: [[13.0645, 52.3906], [13.0645, 53.0]] },
  { $id: 'paris', loc: [2.3522, 48.8566], area: square(2.3522, 48.8566), road: [[2.3522, 48.8566], [2.5, 48.9]] },
];

before(async () => {
  env = await setup({ projectId: 'tablesdb-spatial' });
  tdb = new TablesDB(keyClient(env));
  await tdb.create({ databaseId, name: 'Geo' });
  await tdb.createTable({ databaseId, tableId, name: 'Places', permissions: [Permission.read(Role.any())] });
  await tdb.createPointColumn({ databaseId, tableId, key: 'loc', required: true });
  await tdb.createPolygonColumn({ databaseId, tableId, key: 'area', required: false });
  await tdb.createLineColumn({ databaseId, tableId, key: 'road', required: false });
  await waitColumns(tdb, databaseId, tableId, ['loc', 'area', 'road']);
  await tdb.createIndex({ databaseId, tableId, key: 'loc_spatial', type: TablesDBIndexType.Spatial, columns: ['loc'] });
  await waitIndex(tdb, databaseId, tableId, 'loc_spatial');
  for (const { $id, ...data } of PLACES) {
    await tdb.createRow({ databaseId, tableId, rowId: $id, data });
  }
});
after(async () => { await env?.stop(); });

async function ids(...queries) {
  return idsOf((await tdb.listRows({ databaseId, tableId, queries })).rows);
}

describe('spatial columns', () => {
  test('values round-trip as coordinate arrays', async () => {
    const row = await tdb.getRow({ databaseId, tableId, rowId: 'berlin' });
    assert.deepEqual(row.loc, [13.405, 52.52]);
    assert.deepEqual(row.road, [[13.405, 52.52], [14.0, 52.52]]);
    assert.equal(row.area[0].length, 5);
    const column = await tdb.getColumn({ databaseId, tableId, key: 'road' });
    assert.equal(column.type, 'linestring');
  });

  test('invalid geometries are row_invalid_structure', async () => {
    await expectError(tdb.createRow({ databaseId, tableId, rowId: 'bad1', data: { loc: [200, 10] } }), 400, 'row_invalid_structure');
    await expectError(tdb.createRow({ databaseId, tableId, rowId: 'bad2', data: { loc: 'here' } }), 400, 'row_invalid_structure');
    await expectError(tdb.createRow({ databaseId, tableId, rowId: 'bad3', data: { loc: [1, 2], road: [[1, 2]] } }), 400, 'row_invalid_structure');
  });

  test('distance in meters and in degrees', async () => {
    // Potsdam is ~27 km from Berlin, Paris ~880 km.
    assert.deepEqual(await ids(Query.distanceLessThan('loc', [13.405, 52.52], 50_000, true)), ['berlin', 'potsdam']);
    assert.deepEqual(await ids(Query.distanceGreaterThan('loc', [13.405, 52.52], 50_000, true)), ['paris']);
    assert.deepEqual(await ids(Query.distanceLessThan('loc', [13.405, 52.52], 1, false)), ['berlin', 'potsdam']);
  });

  test('intersects, crosses and their negations', async () => {
    assert.deepEqual(await ids(Query.intersects('area', [13.41, 52.52])), ['berlin']);
    assert.deepEqual(await ids(Query.notIntersects('area', [13.41, 52.52])), ['paris', 'potsdam']);
    // A north-south line through Berlin's square crosses Berlin's east-west road only.
    assert.deepEqual(await ids(Query.crosses('road', [[13.7, 52.0], [13.7, 53.0]])), ['berlin']);
  });

  test('spatial methods on a non-spatial column are refused', async () => {
    await tdb.createVarcharColumn({ databaseId, tableId, key: 'name', size: 16, required: false });
    await waitColumns(tdb, databaseId, tableId, ['name']);
    await expectError(tdb.listRows({ databaseId, tableId, queries: [Query.intersects('name', [1, 2])] }), 400, 'general_query_invalid');
  });
});
