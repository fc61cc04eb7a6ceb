// Tests of partition.wasm under Node with the SDK's stand-in host. Build
// first: ./build.sh (test.sh does).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Guest, importNames, exportNames, rec, text } from '../../../sdk/assemblyscript/testing/host.mjs';

const wasm = fileURLToPath(new URL('../partition.wasm', import.meta.url));
if (!existsSync(wasm)) {
  throw new Error(`${wasm} is missing: build it with transforms/partition/build.sh (or run test.sh)`);
}

async function run(env, docs) {
  const g = await Guest.load(wasm, { env });
  return g.transform({ records: docs.map((d, i) => rec(String(i), d)) }).records;
}

test('module surface', async () => {
  const g = await Guest.load(wasm);
  assert.deepEqual(importNames(g.module), [
    'sluice.log', 'sluice.set_output',
    'wasi_snapshot_preview1.environ_get', 'wasi_snapshot_preview1.environ_sizes_get',
  ]);
  assert.deepEqual(exportNames(g.module), ['memory', 'sluice_abi_version_1', 'sluice_alloc', 'sluice_transform']);
});

test('keys from fields, data unchanged', async () => {
  const docs = [
    '{"type":"temp","meta":{"site":"berlin","rack":7},"v":1.5}',
    '{"meta":{"site":"caf\\u00e9","rack":-0.5e1},"type":"hum","ok":true}',
    ' {"type":"x","meta":{"site":"","rack":true}} ',
  ];
  const res = await run({ KEYS: 'site:meta.site, kind:type ,rack:meta.rack' }, docs);
  assert.deepEqual(res.map((a) => [a.recordId, a.result, text(a), a.partitionKeys]), [
    ['0', 'Ok', docs[0], { site: 'berlin', kind: 'temp', rack: '7' }],
    ['1', 'Ok', docs[1], { site: 'caf\u00e9', kind: 'hum', rack: '-0.5e1' }],
    ['2', 'Ok', docs[2], { site: '', kind: 'x', rack: 'true' }],
  ]);
  // The keys come in the order KEYS lists them.
  assert.deepEqual(Object.keys(res[0].partitionKeys), ['site', 'kind', 'rack']);
});

test('records that cannot be partitioned fail, naming the field', async () => {
  const res = await run({ KEYS: 'site:meta.site,kind:type' }, [
    '{"type":"t"}',
    '{"meta":{"site":"b"}}',
    '{"meta":{"site":null},"type":"t"}',
    '{"meta":{"site":{"a":1}},"type":"t"}',
    '{"meta":{"site":[1]},"type":"t"}',
    'not json',
    '{"meta":{"site":"b"},"type":"t"}',
  ]);
  assert.deepEqual(res.map((a) => [a.result, a.errorMessage]), [
    ['ProcessingFailed', 'partition key "site": field "meta.site" is missing'],
    ['ProcessingFailed', 'partition key "kind": field "type" is missing'],
    ['ProcessingFailed', 'partition key "site": field "meta.site" is null'],
    ['ProcessingFailed', 'partition key "site": field "meta.site" is an object, not a string, number or boolean'],
    ['ProcessingFailed', 'partition key "site": field "meta.site" is an array, not a string, number or boolean'],
    ['ProcessingFailed', 'record is not JSON: unexpected character at byte 0'],
    ['Ok', ''],
  ]);
  // A failed record carries no keys and no data.
  assert.deepEqual(res[0].partitionKeys, {});
  assert.equal(res[0].data.length, 0);
});

test('MISSING supplies a default for missing and null fields', async () => {
  const res = await run({ KEYS: 'site:meta.site,kind:type', MISSING: 'unknown' }, [
    '{"type":"t"}',
    '{"meta":{"site":null}}',
    '{"meta":{"site":{}},"type":"t"}',
  ]);
  assert.deepEqual(res.map((a) => [a.result, a.partitionKeys, a.errorMessage]), [
    ['Ok', { site: 'unknown', kind: 't' }, ''],
    ['Ok', { site: 'unknown', kind: 'unknown' }, ''],
    ['ProcessingFailed', {}, 'partition key "site": field "meta.site" is an object, not a string, number or boolean'],
  ]);
});

test('bad parameters fail the batch', async (t) => {
  const cases = [
    [{}, 'partition: parameter KEYS is not set (name:path,... such as site:meta.site,kind:type)'],
    [{ KEYS: ' ' }, 'partition: parameter KEYS is not set (name:path,... such as site:meta.site,kind:type)'],
    [{ KEYS: 'site' }, 'partition: KEYS entry "site" is not name:path'],
    [{ KEYS: 'site:a,' }, 'partition: KEYS entry "" is not name:path'],
    [{ KEYS: ':a' }, 'partition: KEYS entry ":a" is not name:path'],
    [{ KEYS: 'a:x,a:y' }, 'partition: KEYS names "a" twice'],
  ];
  for (const [env, msg] of cases) {
    await t.test(JSON.stringify(env), async () => {
      const g = await Guest.load(wasm, { env });
      assert.throws(() => g.transform({ records: [rec('1', '{"a":1}')] }), { message: `guest error: ${msg}` });
    });
  }
});

test('a warm instance partitions many batches', async () => {
  const g = await Guest.load(wasm, { env: { KEYS: 'site:s,day:d' } });
  const records = Array.from({ length: 1000 }, (_, i) => rec(String(i), JSON.stringify({ s: `site-${i % 7}`, d: i % 3, pad: 'x'.repeat(200) })));
  for (let round = 0; round < 50; round++) {
    const res = g.transform({ records }).records;
    assert.equal(res.length, 1000);
    assert.deepEqual(res[999].partitionKeys, { site: 'site-5', day: '0' });
  }
});
