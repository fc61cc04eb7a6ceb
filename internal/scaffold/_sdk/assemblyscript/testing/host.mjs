// A JavaScript stand-in for the Sluice host, for testing guest modules under
// Node: it encodes batches and decodes responses exactly as sdk/ABI.md
// describes, provides the `sluice` imports (set_output, log, kv_get) and the
// WASI environment functions, and calls the guest the way the host does
// (sluice_alloc, then sluice_transform). Decoding is strict: anything the Go
// host would reject as a malformed response throws here too.
import { readFileSync } from 'node:fs';

export const BATCH_MAGIC = 0x31424c53; // "SLB1"
export const RESPONSE_MAGIC = 0x31524c53; // "SLR1"
export const RESULT_NAMES = ['Ok', 'Dropped', 'ProcessingFailed'];
export const DEFAULT_OUTPUT_CAP = 6 * 1024 * 1024;

const utf8 = new TextEncoder();
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

function toBytes(v) {
  if (v instanceof Uint8Array) return v;
  return utf8.encode(String(v));
}

/** Builds little-endian byte sequences piece by piece. */
export class Writer {
  constructor() { this.parts = []; }
  u8(v) { this.parts.push(Uint8Array.of(v)); return this; }
  u32(v) { const b = new Uint8Array(4); new DataView(b.buffer).setUint32(0, v, true); this.parts.push(b); return this; }
  i64(v) { const b = new Uint8Array(8); new DataView(b.buffer).setBigInt64(0, BigInt(v), true); this.parts.push(b); return this; }
  bytes(v) { const b = toBytes(v); this.u32(b.length); this.parts.push(b); return this; }
  string(v) { return this.bytes(v); }
  raw(v) { this.parts.push(toBytes(v)); return this; }
  finish() {
    const n = this.parts.reduce((a, p) => a + p.length, 0);
    const out = new Uint8Array(n);
    let o = 0;
    for (const p of this.parts) { out.set(p, o); o += p.length; }
    return out;
  }
}

/**
 * Encodes a batch. `records[i]` is {recordId, approximateArrivalTimestamp,
 * data (string or Uint8Array), kinesis?: {shardId, partitionKey,
 * sequenceNumber, subsequenceNumber, approximateArrivalTimestamp}}.
 */
export function encodeBatch(batch) {
  const w = new Writer()
    .u32(BATCH_MAGIC)
    .string(batch.invocationId ?? 'inv-1')
    .string(batch.deliveryStreamArn ?? 'arn:aws:firehose:us-east-1:000000000000:deliverystream/test')
    .string(batch.region ?? 'us-east-1')
    .string(batch.sourceStreamArn ?? '')
    .u32(batch.records.length);
  for (const r of batch.records) {
    w.string(r.recordId).i64(r.approximateArrivalTimestamp ?? 0);
    const k = r.kinesis;
    w.u8(k ? 1 : 0);
    if (k) {
      w.string(k.shardId).string(k.partitionKey).string(k.sequenceNumber)
        .i64(k.subsequenceNumber ?? 0).i64(k.approximateArrivalTimestamp ?? 0);
    }
    w.bytes(r.data);
  }
  return w.finish();
}

/** Thrown for a response the host would refuse, with the host's wording. */
export class MalformedResponse extends Error {}

/**
 * Decodes a response strictly: {records: [{recordId, result (name), code,
 * data (Uint8Array), partitionKeys ({} in order), errorMessage}]}.
 */
export function decodeResponse(bytes) {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let o = 0;
  const bad = (what) => { throw new MalformedResponse(`malformed response: ${what} at byte ${o}`); };
  const need = (n, what) => { if (bytes.length - o < n) bad(`${what} runs past the end`); };
  const u8 = (what) => { need(1, what); return bytes[o++]; };
  const u32 = (what) => { need(4, what); const v = dv.getUint32(o, true); o += 4; return v; };
  const rawBytes = (what) => { const n = u32(`${what} length`); need(n, what); const v = bytes.slice(o, o + n); o += n; return v; };
  const str = (what) => {
    const start = o;
    const b = rawBytes(what);
    try { return strictUtf8.decode(b); } catch { o = start; return bad(`${what} is not UTF-8`); }
  };
  if (u32('magic') !== RESPONSE_MAGIC) { o = 0; bad('wrong magic'); }
  const count = u32('record_count');
  const records = [];
  for (let i = 0; i < count; i++) {
    const recordId = str('record_id');
    const code = u8('result');
    if (code > 2) { o -= 1; bad(`result code ${code}`); }
    const data = rawBytes('data');
    const nkeys = u32('partition_key_count');
    const partitionKeys = {};
    for (let k = 0; k < nkeys; k++) {
      const key = str('partition key');
      partitionKeys[key] = str('partition value');
    }
    const errorMessage = str('error_message');
    records.push({ recordId, result: RESULT_NAMES[code], code, data, partitionKeys, errorMessage });
  }
  if (o !== bytes.length) bad('bytes left over after the last answer');
  return { records };
}

/** A trap or ABI violation raised by set_output, like the host's. */
export class OutputCapExceeded extends Error {}

/**
 * One guest instance with the host's imports. Options: env (object of
 * granted parameters), kv ({bucket: {key: string|Uint8Array}}), grantedKv
 * (bucket names; default: all of kv), failingKv (bucket names whose lookups
 * fail), outputCap, logging (default true).
 */
export class Guest {
  static async load(path, opts = {}) {
    const module = await WebAssembly.compile(readFileSync(path));
    const g = new Guest(module, opts);
    g.instance = await WebAssembly.instantiate(module, g.imports());
    g.memory = g.instance.exports.memory;
    return g;
  }

  constructor(module, opts) {
    this.module = module;
    this.env = opts.env ?? {};
    this.kv = opts.kv ?? {};
    this.grantedKv = new Set(opts.grantedKv ?? Object.keys(this.kv));
    this.failingKv = new Set(opts.failingKv ?? []);
    this.outputCap = opts.outputCap ?? DEFAULT_OUTPUT_CAP;
    this.logging = opts.logging ?? true;
    this.logs = [];
    this.output = null;
    this.kvCalls = 0;
  }

  bytesAt(ptr, len) {
    const mem = new Uint8Array(this.memory.buffer);
    if (ptr < 0 || len < 0 || ptr + len > mem.length) {
      throw new RangeError(`(${ptr}, ${len}) lies outside guest memory of ${mem.length} bytes`);
    }
    return mem.subarray(ptr, ptr + len);
  }

  imports() {
    const u = (v) => v >>> 0;
    const sluice = {
      set_output: (ptr, len) => {
        ptr = u(ptr); len = u(len);
        if (len > this.outputCap) {
          throw new OutputCapExceeded(`output of ${len} bytes exceeds the cap of ${this.outputCap} bytes`);
        }
        this.output = this.bytesAt(ptr, len).slice();
      },
      log: (level, ptr, len) => {
        if (!this.logging) return;
        const msg = strictUtf8.decode(this.bytesAt(u(ptr), u(len)));
        this.logs.push({ level, message: msg });
      },
      kv_get: (bp, bl, kp, kl, op, oc) => {
        this.kvCalls++;
        const bucket = strictUtf8.decode(this.bytesAt(u(bp), u(bl)));
        const key = strictUtf8.decode(this.bytesAt(u(kp), u(kl)));
        if (!this.grantedKv.has(bucket)) return -2;
        if (this.failingKv.has(bucket) || !(bucket in this.kv)) return -3;
        if (!(key in this.kv[bucket])) return -1;
        const v = toBytes(this.kv[bucket][key]);
        if (v.length <= u(oc)) this.bytesAt(u(op), v.length).set(v);
        return v.length;
      },
    };
    const envEntries = () => Object.entries(this.env).map(([k, v]) => utf8.encode(`${k}=${v}\0`));
    const wasi = {
      environ_sizes_get: (countPtr, sizePtr) => {
        const e = envEntries();
        const dv = new DataView(this.memory.buffer);
        dv.setUint32(u(countPtr), e.length, true);
        dv.setUint32(u(sizePtr), e.reduce((a, b) => a + b.length, 0), true);
        return 0;
      },
      environ_get: (ptrsPtr, bufPtr) => {
        const dv = new DataView(this.memory.buffer);
        let p = u(bufPtr);
        envEntries().forEach((b, i) => {
          dv.setUint32(u(ptrsPtr) + 4 * i, p, true);
          this.bytesAt(p, b.length).set(b);
          p += b.length;
        });
        return 0;
      },
    };
    return { sluice, wasi_snapshot_preview1: wasi };
  }

  /**
   * Runs one batch (already encoded) as the host does and returns
   * {code, output}: code is sluice_transform's return value, output the
   * bytes last passed to set_output (null when never called). Traps throw.
   */
  call(batchBytes) {
    const { sluice_alloc: alloc, sluice_transform: transform } = this.instance.exports;
    this.output = null;
    const ptr = u32(alloc(batchBytes.length));
    if (ptr === 0) throw new Error(`guest could not allocate ${batchBytes.length} bytes`);
    this.bytesAt(ptr, batchBytes.length).set(batchBytes);
    const code = transform(ptr, batchBytes.length);
    return { code, output: this.output };
  }

  /** Encodes `batch`, runs it, and decodes the response; a non-zero return throws with the guest's message. */
  transform(batch) {
    const { code, output } = this.call(encodeBatch(batch));
    if (code === 1) throw new Error(`guest error: ${strictUtf8.decode(output ?? new Uint8Array())}`);
    if (code !== 0) throw new Error(`sluice_transform returned ${code}`);
    if (output === null) throw new Error('guest returned no output');
    return decodeResponse(output);
  }
}

function u32(v) { return v >>> 0; }

/** The module's imports as "module.name" strings, sorted. */
export function importNames(module) {
  return WebAssembly.Module.imports(module).map((i) => `${i.module}.${i.name}`).sort();
}

/** The module's exports as names, sorted. */
export function exportNames(module) {
  return WebAssembly.Module.exports(module).map((e) => e.name).sort();
}

/** Shorthand for a direct-put record whose data is `data`. */
export function rec(recordId, data, extra = {}) {
  return { recordId, approximateArrivalTimestamp: 1700000000000, data, ...extra };
}

/** The UTF-8 text of a decoded answer's data. */
export function text(answer) {
  return new TextDecoder().decode(answer.data);
}
