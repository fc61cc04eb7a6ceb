// Tests of the AssemblyScript SDK through its probe module (test/probe.ts),
// run under Node against testing/host.mjs. Build first: ./build.sh (test.sh does).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  Guest, Writer, encodeBatch, decodeResponse, importNames, exportNames, rec, text,
  OutputCapExceeded, BATCH_MAGIC,
} from '../testing/host.mjs';

const wasm = fileURLToPath(new URL('./probe.wasm', import.meta.url));
if (!existsSync(wasm)) {
  throw new Error(`${wasm} is missing: build it with sdk/assemblyscript/build.sh (or run test.sh)`);
}
const load = (opts) => Guest.load(wasm, opts);
const one = async (data, opts) => (await load(opts)).transform({ records: [rec('r', data)] }).records[0];
const hex = (b) => Buffer.from(b).toString('hex');

test('imports only sluice and WASI environ, exports the ABI', async () => {
  const g = await load();
  assert.deepEqual(importNames(g.module), [
    'sluice.kv_get', 'sluice.log', 'sluice.set_output',
    'wasi_snapshot_preview1.environ_get', 'wasi_snapshot_preview1.environ_sizes_get',
  ]);
  assert.deepEqual(exportNames(g.module), ['memory', 'sluice_abi_version_1', 'sluice_alloc', 'sluice_transform']);
});

test('hand-encoded batch gives the exact response bytes', async () => {
  // Written out byte by byte from ABI.md, not with encodeBatch.
  const batch = Uint8Array.from([
    0x53, 0x4c, 0x42, 0x31, // magic "SLB1"
    1, 0, 0, 0, 0x69, // invocation_id "i"
    0, 0, 0, 0, // delivery_stream_arn ""
    0, 0, 0, 0, // region ""
    0, 0, 0, 0, // source_stream_arn ""
    2, 0, 0, 0, // record_count 2
    2, 0, 0, 0, 0x72, 0x31, // record_id "r1"
    1, 0, 0, 0, 0, 0, 0, 0, // timestamp 1
    0, // flags
    4, 0, 0, 0, 0x65, 0x63, 0x68, 0x6f, // data "echo"
    1, 0, 0, 0, 0x62, // record_id "b"
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, // timestamp -1
    0, // flags
    7, 0, 0, 0, 0x66, 0x61, 0x69, 0x6c, 0x3a, 0x6e, 0x6f, // data "fail:no"
  ]);
  assert.equal(hex(batch), hex(encodeBatch({
    invocationId: 'i', deliveryStreamArn: '', region: '', sourceStreamArn: '',
    records: [
      { recordId: 'r1', approximateArrivalTimestamp: 1, data: 'echo' },
      { recordId: 'b', approximateArrivalTimestamp: -1, data: 'fail:no' },
    ],
  })), 'encodeBatch agrees with the hand encoding');
  const g = await load();
  const { code, output } = g.call(batch);
  assert.equal(code, 0);
  assert.equal(hex(output), hex(Uint8Array.from([
    0x53, 0x4c, 0x52, 0x31, // magic "SLR1"
    2, 0, 0, 0, // record_count
    2, 0, 0, 0, 0x72, 0x31, // "r1"
    0, // Ok
    4, 0, 0, 0, 0x65, 0x63, 0x68, 0x6f, // data "echo"
    0, 0, 0, 0, // no partition keys
    0, 0, 0, 0, // error_message ""
    1, 0, 0, 0, 0x62, // "b"
    2, // ProcessingFailed
    0, 0, 0, 0, // data ""
    0, 0, 0, 0, // no partition keys
    2, 0, 0, 0, 0x6e, 0x6f, // error_message "no"
  ])));
});

test('partition keys are encoded in order', async () => {
  const g = await load();
  const { code, output } = g.call(encodeBatch({ records: [rec('k', 'keys:a=1,b=xy')] }));
  assert.equal(code, 0);
  const expected = new Writer().u32(0x31524c53).u32(1)
    .string('k').u8(0).bytes('keys:a=1,b=xy').u32(2)
    .string('a').string('1').string('b').string('xy').string('').finish();
  assert.equal(hex(output), hex(expected));
});

test('results', async (t) => {
  const cases = [
    { data: 'ok:hello', result: 'Ok', out: 'hello' },
    { data: 'ok:', result: 'Ok', out: '' },
    { data: 'echo', result: 'Ok', out: 'echo' },
    { data: 'drop', result: 'Dropped', out: '' },
    { data: 'fail:bad input', result: 'ProcessingFailed', out: '', err: 'bad input' },
    { data: 'ok:h\u00e9llo \u{1f600}', result: 'Ok', out: 'h\u00e9llo \u{1f600}' },
    { data: 'keys:site=b\u00fcro', result: 'Ok', out: 'keys:site=b\u00fcro', keys: { site: 'b\u00fcro' } },
    { data: 'surrogate', result: 'ProcessingFailed', out: '', err: 'bad \ufffd half' },
    { data: 'nonsense', result: 'ProcessingFailed', out: '', err: 'unknown command nonsense' },
  ];
  for (const c of cases) {
    await t.test(c.data, async () => {
      const a = await one(c.data);
      assert.equal(a.recordId, 'r');
      assert.equal(a.result, c.result);
      assert.equal(text(a), c.out);
      assert.equal(a.errorMessage, c.err ?? '');
      assert.deepEqual(a.partitionKeys, c.keys ?? {});
    });
  }
});

test('many records, binary data and unusual ids are answered exactly', async () => {
  const all = new Uint8Array(256).map((_, i) => i);
  const records = [];
  for (let i = 0; i < 300; i++) records.push(rec(`id-${i}`, `ok:${i}`));
  records.push(rec('\u00e9\u{1f600}', 'echo'));
  records.push(rec('', 'drop'));
  const g = await load();
  const res = g.transform({ records }).records;
  assert.equal(res.length, records.length);
  for (let i = 0; i < 300; i++) {
    assert.equal(res[i].recordId, `id-${i}`);
    assert.equal(text(res[i]), String(i));
  }
  assert.equal(res[300].recordId, '\u00e9\u{1f600}');
  assert.equal(res[301].recordId, '');
  assert.equal(res[301].result, 'Dropped');
  // Arbitrary bytes (not UTF-8) pass through untouched.
  const bin = new Uint8Array([...new TextEncoder().encode('bytes:'), ...all]);
  const r = g.transform({ records: [rec('bin', bin)] }).records[0];
  assert.equal(r.result, 'Ok');
  assert.equal(hex(r.data), hex(all));
});

test('empty batch', async () => {
  const g = await load();
  const { code, output } = g.call(encodeBatch({ records: [] }));
  assert.equal(code, 0);
  assert.equal(hex(output), '534c523100000000');
});

test('batch and kinesis metadata reach the record', async () => {
  const g = await load();
  const res = g.transform({
    invocationId: 'inv-\u00e9', deliveryStreamArn: 'arn:aws:firehose:eu-west-1:1:deliverystream/d',
    region: 'eu-west-1', sourceStreamArn: 'arn:aws:kinesis:eu-west-1:1:stream/s',
    records: [
      rec('1', 'meta', {
        approximateArrivalTimestamp: -5,
        kinesis: {
          shardId: 'shardId-000000000003', partitionKey: 'pk', sequenceNumber: '49590338271490256608559692538361571095921575989136588898',
          subsequenceNumber: 7n, approximateArrivalTimestamp: 9007199254740993n,
        },
      }),
      rec('2', 'meta', { approximateArrivalTimestamp: 1700000000123 }),
    ],
  }).records;
  assert.equal(text(res[0]), '1|-5|inv-\u00e9|arn:aws:firehose:eu-west-1:1:deliverystream/d|eu-west-1|' +
    'arn:aws:kinesis:eu-west-1:1:stream/s|2|shardId-000000000003|pk|' +
    '49590338271490256608559692538361571095921575989136588898|7|9007199254740993');
  assert.equal(text(res[1]), '2|1700000000123|inv-\u00e9|arn:aws:firehose:eu-west-1:1:deliverystream/d|eu-west-1|' +
    'arn:aws:kinesis:eu-west-1:1:stream/s|2');
});

test('malformed batches fail the batch with a reason', async (t) => {
  const good = encodeBatch({ records: [rec('r', 'ok:x')] });
  const withFlags = (flags) => {
    const b = good.slice();
    // magic, 4 strings (inv-1, arn, us-east-1, ""), count, id "r", ts: then flags.
    const at = b.length - (4 + 4) - 1; // data "ok:x" is 4+4 bytes, flags just before
    b[at] = flags;
    return { b, at };
  };
  const f = withFlags(0x02);
  const cases = [
    { name: 'wrong magic', bytes: Uint8Array.from([0x53, 0x4c, 0x42, 0x32, 0, 0, 0, 0]), msg: 'malformed batch: wrong magic 0x32424c53 (want 0x31424c53, "SLB1") at byte 0' },
    { name: 'empty', bytes: new Uint8Array(0), msg: 'malformed batch: magic runs past the end of the batch at byte 0' },
    { name: 'truncated', bytes: good.subarray(0, good.length - 2), msg: `malformed batch: data runs past the end of the batch at byte ${good.length - 4}` },
    { name: 'left over', bytes: Uint8Array.from([...good, 0]), msg: `malformed batch: bytes left over after the last record at byte ${good.length}` },
    { name: 'unknown flags', bytes: f.b, msg: `malformed batch: unknown flags 0x2 in record 0 at byte ${f.at}` },
    {
      name: 'record count too large',
      bytes: new Writer().u32(BATCH_MAGIC).string('').string('').string('').string('').u32(0xffffffff).finish(),
      msg: 'malformed batch: record_count 4294967295 is too large for the batch at byte 24',
    },
    {
      name: 'string length past the end',
      bytes: new Writer().u32(BATCH_MAGIC).u32(1000).raw('abc').finish(),
      msg: 'malformed batch: invocation_id runs past the end of the batch at byte 8',
    },
  ];
  for (const c of cases) {
    await t.test(c.name, async () => {
      const g = await load();
      const { code, output } = g.call(c.bytes);
      assert.equal(code, 1);
      assert.equal(new TextDecoder().decode(output), c.msg);
      // The instance stays usable.
      assert.equal(text(g.transform({ records: [rec('x', 'ok:fine')] }).records[0]), 'fine');
    });
  }
});

test('sluice_alloc refuses impossible sizes; sluice_transform checks the buffer', async () => {
  const g = await load();
  const { sluice_alloc: alloc, sluice_transform: transform } = g.instance.exports;
  assert.equal(alloc(-1), 0);
  assert.equal(alloc(0x7fffffff), 0);
  const ptr = alloc(16);
  assert.notEqual(ptr, 0);
  assert.equal(alloc(8), ptr, 'a smaller batch reuses the buffer');
  assert.equal(transform(ptr + 8, 16), 1);
  assert.match(new TextDecoder().decode(g.output), /^malformed batch: 16 bytes at \d+ are not inside the buffer sluice_alloc returned$/);
});

test('failBatch fails the whole batch with its message', async () => {
  const g = await load();
  const { code, output } = g.call(encodeBatch({ records: [rec('1', 'ok:a'), rec('2', 'batchfail:bad OP "x"'), rec('3', 'ok:c')] }));
  assert.equal(code, 1);
  assert.equal(new TextDecoder().decode(output), 'bad OP "x"');
});

test('abort logs its message and traps', async () => {
  const g = await load();
  assert.throws(() => g.transform({ records: [rec('1', 'abort:it broke')] }), (e) => e instanceof WebAssembly.RuntimeError && /unreachable/.test(e.message));
  assert.equal(g.logs.length, 1);
  assert.equal(g.logs[0].level, 3);
  assert.match(g.logs[0].message, /^abort: it broke at test\/probe\.ts:\d+:\d+$/);
});

test('log levels and messages', async () => {
  const g = await load();
  g.transform({ records: [rec('1', 'log:0:dbg'), rec('2', 'log:2:w\u00e4rn'), rec('3', 'log:3:')] });
  assert.deepEqual(g.logs, [{ level: 0, message: 'dbg' }, { level: 2, message: 'w\u00e4rn' }, { level: 3, message: '' }]);
  const quiet = await load({ logging: false });
  assert.equal(text(quiet.transform({ records: [rec('1', 'log:1:x')] }).records[0]), 'logged');
});

test('kv_get', async (t) => {
  const big = 'v'.repeat(5000);
  const opts = {
    kv: { cfg: { site: 'berlin', big, empty: '' }, down: {}, secret: { k: 'x' } },
    grantedKv: ['cfg', 'down', 'missing-bucket'],
    failingKv: ['down'],
  };
  const cases = [
    ['cfg/site', '0:berlin', 1],
    ['cfg/empty', '0:', 1],
    ['cfg/big', `0:${big}`, 2],
    ['cfg/nokey', '1:', 1],
    ['secret/k', '2:', 1],
    ['down/k', '3:', 1],
    ['missing-bucket/k', '3:', 1],
  ];
  for (const [arg, want, calls] of cases) {
    await t.test(arg, async () => {
      const g = await load(opts);
      assert.equal(text(g.transform({ records: [rec('1', `kv:${arg}`)] }).records[0]), want);
      assert.equal(g.kvCalls, calls);
    });
  }
});

test('param reads granted environment variables', async () => {
  const g = await load({ env: { FIELD: 'meta.site', EMPTY: '', EXPR: 'a=b=c', 'N\u00c4ME': '\u00fc' } });
  const res = g.transform({
    records: [rec('1', 'param:FIELD'), rec('2', 'param:EMPTY'), rec('3', 'param:EXPR'), rec('4', 'param:NOPE'), rec('5', 'param:N\u00c4ME')],
  }).records;
  assert.deepEqual(res.map(text), ['meta.site', '', 'a=b=c', '<unset>', '\u00fc']);
  const none = await load();
  assert.equal(text(none.transform({ records: [rec('1', 'param:FIELD')] }).records[0]), '<unset>');
});

test('set_output over the cap traps', async () => {
  const g = await load({ outputCap: 100 });
  assert.equal(text(g.transform({ records: [rec('1', 'big:50')] }).records[0]).length, 50);
  assert.throws(() => g.transform({ records: [rec('1', 'big:200')] }), OutputCapExceeded);
});

test('a warm instance reuses memory across many batches', async () => {
  const g = await load();
  const payload = 'ok:' + 'p'.repeat(1000);
  const records = Array.from({ length: 200 }, (_, i) => rec(String(i), payload));
  g.transform({ records });
  const after1 = g.memory.buffer.byteLength;
  for (let i = 0; i < 300; i++) {
    const res = g.transform({ records });
    assert.equal(res.records.length, 200);
  }
  const after300 = g.memory.buffer.byteLength;
  // 300 batches of ~200 KB in and out: without freeing this would need ~120 MB.
  assert.ok(after300 <= 4 * after1 + (1 << 20), `memory grew from ${after1} to ${after300} bytes`);
});

test('garbage made during a batch is freed during the batch, and answers survive it', async () => {
  const g = await load();
  g.transform({ records: [rec('0', 'ok:warm')] });
  const before = g.memory.buffer.byteLength;
  // 100 records making 1 MiB of garbage each: 100 MiB if nothing is freed
  // until the batch ends.
  const records = Array.from({ length: 100 }, (_, i) => rec(String(i), 'garbage:1024'));
  const res = g.transform({ records });
  assert.equal(res.records.length, 100);
  for (const [i, r] of res.records.entries()) {
    assert.equal(r.recordId, String(i));
    assert.equal(text(r), `g${i}:65536`);
  }
  const after = g.memory.buffer.byteLength;
  assert.ok(after <= before + (8 << 20), `memory grew from ${before} to ${after} bytes`);
});

test('minimal runtime: answers survive collections in the batch, and garbage is freed after it', async () => {
  const minimal = fileURLToPath(new URL('./probe-minimal.wasm', import.meta.url));
  const g = await Guest.load(minimal);
  // 40 records of 512 KiB garbage each: the heap grows within the batch,
  // so the SDK collects between records while earlier answers are kept.
  const records = Array.from({ length: 40 }, (_, i) => rec(String(i), 'garbage:512'));
  const first = g.transform({ records });
  for (const [i, r] of first.records.entries()) {
    assert.equal(r.recordId, String(i));
    assert.equal(text(r), `g${i}:65536`);
  }
  const after1 = g.memory.buffer.byteLength;
  for (let i = 0; i < 20; i++) {
    const res = g.transform({ records });
    assert.equal(text(res.records[39]), 'g39:65536');
  }
  // 20 more batches of 20 MiB garbage each: freed at the end of each batch.
  const after21 = g.memory.buffer.byteLength;
  assert.ok(after21 <= 2 * after1, `memory grew from ${after1} to ${after21} bytes`);
  assert.equal(g.transform({ records: [rec('x', 'ok:still fine')] }).records[0].data.length, 'still fine'.length);
});

test('decodeResponse rejects what the host rejects', () => {
  const ok = new Writer().u32(0x31524c53).u32(1).string('r').u8(0).bytes('d').u32(0).string('').finish();
  assert.equal(decodeResponse(ok).records[0].recordId, 'r');
  assert.throws(() => decodeResponse(Uint8Array.from([...ok, 0])), /bytes left over/);
  const badCode = ok.slice(); badCode[13] = 3;
  assert.throws(() => decodeResponse(badCode), /result code 3/);
  const badUtf8 = ok.slice(); badUtf8[12] = 0xff;
  assert.throws(() => decodeResponse(badUtf8), /record_id is not UTF-8/);
});
