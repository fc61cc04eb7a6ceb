// The three exports of an SDK ABI v1 module (ABI.md "Exports the guest
// provides") and the per-record handler they drive. A transform's entry file
// re-exports them:
//
//   export { sluice_abi_version_1, sluice_alloc, sluice_transform } from "<sdk>/assembly/index";
import { BatchReader, Record, decodeBatch } from "./batch";
import { set_output } from "./host";
import { Result, ResultCode } from "./result";
import { encodeResponse } from "./response";
import { utf8Encode } from "./utf8";

/** A function that answers one record. */
export type RecordHandler = (record: Record) => Result;

/** The largest input buffer sluice_alloc hands out (AssemblyScript's largest block). */
export const MAX_INPUT_BYTES: i32 = (1 << 30) - 16;

let handler: RecordHandler | null = null;
// The input buffer, kept between batches and grown when a batch needs more.
let inBuf: ArrayBuffer = new ArrayBuffer(0);

/**
 * Registers the function that answers each record. Call it once, at the top
 * level of the transform's entry file.
 */
export function onRecord(fn: RecordHandler): void {
  handler = fn;
}

/** Names the ABI version; never called. */
export function sluice_abi_version_1(): void {}

/**
 * Returns a buffer of at least `size` bytes for the host to write the batch
 * into, or 0 when it cannot be had. The buffer is reused for later batches.
 */
export function sluice_alloc(size: i32): usize {
  if (size < 0 || size > MAX_INPUT_BYTES) return 0;
  if (inBuf.byteLength < size) {
    inBuf = new ArrayBuffer(size);
  }
  return changetype<usize>(inBuf);
}

function failWith(message: string): i32 {
  const b = utf8Encode(message);
  set_output(b.dataStart, <usize>b.length);
  collectGarbage();
  return 1;
}

/**
 * Decodes the batch at `ptr`, answers every record with the registered
 * handler and hands the encoded response to the host. Returns 0 on success
 * and 1 (with a message as the output) when the batch fails as a whole.
 */
export function sluice_transform(ptr: usize, len: i32): i32 {
  const base = changetype<usize>(inBuf);
  if (len < 0 || ptr < base || ptr + <usize>len > base + <usize>inBuf.byteLength) {
    return failWith("malformed batch: " + len.toString() + " bytes at " + ptr.toString() +
      " are not inside the buffer sluice_alloc returned");
  }
  const fn = handler;
  if (fn == null) {
    return failWith("transform registered no record handler: call onRecord(fn) at the top level of its entry file");
  }
  const reader = new BatchReader(inBuf, <i32>(ptr - base), len);
  const records = decodeBatch(reader);
  if (records == null) {
    return failWith("malformed batch: " + reader.error + " at byte " + reader.errorAt.toString());
  }
  const results = new Array<Result>(records.length);
  // Rooted in globals while the batch runs, so a collection between two
  // records (see below) keeps them.
  batchRecords = records;
  batchResults = results;
  let pages = memory.size();
  for (let i = 0; i < records.length; i++) {
    const res = fn(unchecked(records[i]));
    if (res.code == ResultCode.BatchFailed) {
      return failWith(res.message);
    }
    unchecked(results[i] = res);
    // The heap had to grow: free what the records so far left behind
    // before it grows again. Between records nothing the SDK still needs
    // lives only on the wasm stack.
    if (ASC_RUNTIME == RUNTIME_MINIMAL && memory.size() != pages) {
      __collect();
      pages = memory.size();
    }
  }
  const out = encodeResponse(records, results);
  set_output(out.dataStart, <usize>out.length);
  collectGarbage();
  return 0;
}

/** ASC_RUNTIME's value for `--runtime minimal`. */
const RUNTIME_MINIMAL = 1;

// The batch being transformed, or null between batches.
let batchRecords: Record[] | null = null;
let batchResults: Result[] | null = null;

/**
 * Ends a call: drops the batch and, with the minimal runtime
 * (build-transform.sh's default, which collects only when told), frees its
 * garbage. Called last in each export, after the output was handed over,
 * when no reference on the wasm stack is still in use: the minimal runtime
 * does not scan the stack.
 */
function collectGarbage(): void {
  batchRecords = null;
  batchResults = null;
  if (ASC_RUNTIME == RUNTIME_MINIMAL) __collect();
}
