// Tests of filter.wasm under Node with the SDK's stand-in host. Build first:
// ./build.sh (test.sh does).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Guest, importNames, exportNames, rec, text } from '../../../sdk/assemblyscript/testing/host.mjs';

const wasm = fileURLToPath(new URL('../filter.wasm', import.meta.url));
if (!existsSync(wasm)) {
  throw new Error(`${wasm} is missing: build it with transforms/filter/build.sh (or run test.sh)`);
}

const docs = [
  '{"id":1,"temp":21.5,"site":"berlin","meta":{"site":"b2","n":"10"},"ok":true,"none":null,"tags":["a","x",3],"o":{"k":1}}',
  '{"id":2,"temp":-3,"site":"Bonn","meta":{"site":"b1","n":"9"},"ok":false,"tags":[]}',
  '{"id":3,"temp":1e2,"site":"caf\\u00e9","meta":{}}',
  '{"id":4,"temp":"hot"}',
];

// Runs the filter over `docs` and returns the ids kept.
async function kept(env) {
  const g = await Guest.load(wasm, { env });
  const res = g.transform({ records: docs.map((d, i) => rec(String(i + 1), d)) }).records;
  for (const a of res) {
    assert.notEqual(a.result, 'ProcessingFailed', a.errorMessage);
    if (a.result === 'Ok') assert.equal(text(a), docs[Number(a.recordId) - 1], 'data passes unchanged');
  }
  return res.filter((a) => a.result === 'Ok').map((a) => Number(a.recordId));
}

test('module surface', async () => {
  const g = await Guest.load(wasm);
  assert.deepEqual(importNames(g.module), [
    'sluice.log', 'sluice.set_output',
    'wasi_snapshot_preview1.environ_get', 'wasi_snapshot_preview1.environ_sizes_get',
  ]);
  assert.deepEqual(exportNames(g.module), ['memory', 'sluice_abi_version_1', 'sluice_alloc', 'sluice_transform']);
});

test('predicates', async (t) => {
  const cases = [
    // numbers compare as numbers
    // (record 4's temp is the string "hot": a string field compares as a
    // string even when VALUE looks like a number, and "hot" > "20")
    ['temp', 'gt', '20', [1, 3, 4]],
    ['temp', 'ge', '21.5', [1, 3, 4]],
    ['temp', 'lt', '1000', [1, 2, 3]],
    ['temp', 'lt', '0', [2]],
    ['temp', 'le', '-3.0', [2]],
    ['temp', 'eq', '100', [3]],
    ['temp', 'eq', '1e2', [3]],
    ['temp', 'ne', '100', [1, 2, 4]],
    ['id', 'eq', '2', [2]],
    // strings compare as strings, including a number-like string field
    ['site', 'eq', 'berlin', [1]],
    ['site', 'eq', 'caf\u00e9', [3]],
    ['site', 'ne', 'berlin', [2, 3]],
    ['site', 'lt', 'C', [2]],
    ['site', 'ge', 'berlin', [1, 3]],
    ['meta.n', 'lt', '9', [1]],
    ['temp', 'eq', 'hot', [4]],
    ['temp', 'gt', 'a', [4]],
    // dotted paths
    ['meta.site', 'eq', 'b1', [2]],
    ['meta.site', 'exists', undefined, [1, 2]],
    ['meta', 'exists', '', [1, 2, 3]],
    ['tags.1', 'eq', 'x', [1]],
    // booleans and null compare by their JSON text; no order
    ['ok', 'eq', 'true', [1]],
    ['ok', 'ne', 'true', [2]],
    ['ok', 'gt', 'a', []],
    ['none', 'eq', 'null', [1]],
    ['none', 'exists', undefined, [1]],
    // contains: substring, array element, object member
    ['site', 'contains', 'er', [1]],
    ['tags', 'contains', 'x', [1]],
    ['tags', 'contains', '3', [1]],
    ['tags', 'contains', '3.0', [1]],
    ['o', 'contains', 'k', [1]],
    ['id', 'contains', '1', []],
    // a missing field never matches
    ['nope', 'ne', 'x', []],
    ['nope', 'exists', undefined, []],
  ];
  for (const [field, op, value, want] of cases) {
    await t.test(`${field} ${op} ${value ?? ''}`, async () => {
      const env = { FIELD: field, OP: op };
      if (value !== undefined) env.VALUE = value;
      assert.deepEqual(await kept(env), want);
    });
  }
});

test('records that are not JSON fail with the reason', async () => {
  const g = await Guest.load(wasm, { env: { FIELD: 'a', OP: 'exists' } });
  const res = g.transform({
    records: [rec('1', '{"a":1}'), rec('2', 'not json'), rec('3', '{"a":1,}'), rec('4', new Uint8Array([0x22, 0xff, 0x22])), rec('5', '')],
  }).records;
  assert.deepEqual(res.map((a) => [a.recordId, a.result, a.errorMessage]), [
    ['1', 'Ok', ''],
    ['2', 'ProcessingFailed', 'record is not JSON: unexpected character at byte 0'],
    ['3', 'ProcessingFailed', 'record is not JSON: expected a string key at byte 7'],
    ['4', 'ProcessingFailed', 'record is not JSON: invalid UTF-8 at byte 1'],
    ['5', 'ProcessingFailed', 'record is not JSON: empty input'],
  ]);
});

test('bad parameters fail the batch', async (t) => {
  const cases = [
    [{}, 'filter: parameter FIELD is not set (a dotted path such as meta.site)'],
    [{ FIELD: 'a' }, 'filter: parameter OP is ""; want one of eq, ne, lt, le, gt, ge, exists, contains'],
    [{ FIELD: 'a', OP: 'like', VALUE: 'x' }, 'filter: parameter OP is "like"; want one of eq, ne, lt, le, gt, ge, exists, contains'],
    [{ FIELD: 'a', OP: 'eq' }, 'filter: parameter VALUE is not set (needed by OP=eq)'],
  ];
  for (const [env, msg] of cases) {
    await t.test(JSON.stringify(env), async () => {
      const g = await Guest.load(wasm, { env });
      assert.throws(() => g.transform({ records: [rec('1', '{"a":1}')] }), { message: `guest error: ${msg}` });
      // An empty batch calls no handler, so it succeeds even then.
      assert.deepEqual(g.transform({ records: [] }).records, []);
    });
  }
});

test('a warm instance filters many batches', async () => {
  const g = await Guest.load(wasm, { env: { FIELD: 'n', OP: 'lt', VALUE: '500' } });
  const records = Array.from({ length: 1000 }, (_, i) => rec(String(i), JSON.stringify({ n: i, pad: 'x'.repeat(200) })));
  for (let round = 0; round < 50; round++) {
    const res = g.transform({ records }).records;
    assert.equal(res.filter((a) => a.result === 'Ok').length, 500);
    assert.equal(res.filter((a) => a.result === 'Dropped').length, 500);
  }
});
