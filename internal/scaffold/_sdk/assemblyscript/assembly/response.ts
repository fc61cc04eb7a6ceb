// Encoding of the response (ABI.md "Response encoding") into a buffer the
// SDK keeps between batches, so a warm instance does not reallocate it.
import { Record } from "./batch";
import { Result, ResultCode } from "./result";
import { utf8Write } from "./utf8";

/** The bytes "SLR1" as a little-endian u32. */
export const RESPONSE_MAGIC: u32 = 0x31524C53;

let outBuf: ArrayBuffer = new ArrayBuffer(0);

function stringSize(s: string): usize {
  return 4 + <usize>String.UTF8.byteLength(s);
}

function answerSize(rec: Record, res: Result): usize {
  let n: usize = 4 + <usize>rec.idLength + 1 + 4 + 4 + 4;
  if (res.code == ResultCode.Ok) {
    n += <usize>res.data.length;
    const keys = res.keys;
    const values = res.values;
    if (keys != null && values != null) {
      for (let i = 0; i < keys.length; i++) {
        n += stringSize(keys[i]) + stringSize(values[i]);
      }
    }
  } else if (res.code == ResultCode.ProcessingFailed) {
    n += <usize>String.UTF8.byteLength(res.message);
  }
  return n;
}

function writeString(p: usize, s: string): usize {
  const n = utf8Write(s, p + 4);
  store<u32>(p, <u32>n);
  return p + 4 + n;
}

function writeBytes(p: usize, b: Uint8Array): usize {
  store<u32>(p, <u32>b.length);
  memory.copy(p + 4, b.dataStart, <usize>b.length);
  return p + 4 + <usize>b.length;
}

/**
 * Encodes the answers (`results[i]` answers `records[i]`) and returns the
 * encoded bytes as a view into the SDK's output buffer, valid until the
 * next call.
 */
export function encodeResponse(records: Record[], results: Result[]): Uint8Array {
  let size: usize = 8;
  for (let i = 0; i < records.length; i++) {
    size += answerSize(unchecked(records[i]), unchecked(results[i]));
  }
  if (size > <usize>i32.MAX_VALUE) {
    throw new Error("response of " + size.toString() + " bytes is too large");
  }
  if (<usize>outBuf.byteLength < size) {
    let cap = <usize>outBuf.byteLength * 2;
    if (cap < size) cap = size;
    if (cap > <usize>i32.MAX_VALUE) cap = size;
    outBuf = new ArrayBuffer(<i32>cap);
  }
  const start = changetype<usize>(outBuf);
  let p = start;
  store<u32>(p, RESPONSE_MAGIC);
  store<u32>(p, <u32>records.length, 4);
  p += 8;
  for (let i = 0; i < records.length; i++) {
    const rec = unchecked(records[i]);
    const res = unchecked(results[i]);
    store<u32>(p, <u32>rec.idLength);
    memory.copy(p + 4, rec.idStart, <usize>rec.idLength);
    p += 4 + <usize>rec.idLength;
    store<u8>(p, <u8>res.code);
    p += 1;
    if (res.code == ResultCode.Ok) {
      p = writeBytes(p, res.data);
      store<u32>(p, <u32>res.partitionKeyCount);
      p += 4;
      const keys = res.keys;
      const values = res.values;
      if (keys != null && values != null) {
        for (let k = 0; k < keys.length; k++) {
          p = writeString(p, keys[k]);
          p = writeString(p, values[k]);
        }
      }
      p = writeString(p, "");
    } else {
      store<u32>(p, 0); // data
      store<u32>(p, 0, 4); // partition_key_count
      p += 8;
      p = writeString(p, res.code == ResultCode.ProcessingFailed ? res.message : "");
    }
  }
  return Uint8Array.wrap(outBuf, 0, <i32>(p - start));
}
