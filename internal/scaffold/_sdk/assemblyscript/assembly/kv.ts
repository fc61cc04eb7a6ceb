// Reads from JetStream key-value buckets the pipeline grants the module
// (ABI.md `kv_get`).
import { kv_get } from "./host";
import { utf8Encode } from "./utf8";

/** What a key-value lookup found. */
export enum KvStatus {
  /** The key exists; `value` holds its bytes. */
  Found = 0,
  /** No such key, or it was deleted. */
  NotFound = 1,
  /** The bucket is not granted to this module. */
  NotGranted = 2,
  /** The lookup failed: no such bucket, or the host could not reach it. */
  Failed = 3,
}

/** The outcome of `kvGet`. */
export class KvResult {
  /** What the lookup found. */
  status: KvStatus;
  /** The value's bytes when `status` is Found, else empty. */
  value: Uint8Array;

  constructor(status: KvStatus, value: Uint8Array) {
    this.status = status;
    this.value = value;
  }

  /** Whether the key was found. */
  get found(): bool {
    return this.status == KvStatus.Found;
  }

  /** The value decoded as UTF-8 ("" unless found). */
  valueString(): string {
    return String.UTF8.decodeUnsafe(this.value.dataStart, <usize>this.value.length);
  }
}

/** The first buffer size tried for a value; larger values cost one more call. */
export const KV_INITIAL_CAP: i32 = 1024;

let scratch: Uint8Array = new Uint8Array(KV_INITIAL_CAP);

/** Reads the current value of `key` in the bucket `bucket`. */
export function kvGet(bucket: string, key: string): KvResult {
  const b = utf8Encode(bucket);
  const k = utf8Encode(key);
  // A value may grow between two calls: retry until it fits.
  for (;;) {
    const n = kv_get(b.dataStart, <usize>b.length, k.dataStart, <usize>k.length,
      scratch.dataStart, <usize>scratch.length);
    if (n == -1) return new KvResult(KvStatus.NotFound, new Uint8Array(0));
    if (n == -2) return new KvResult(KvStatus.NotGranted, new Uint8Array(0));
    if (n < 0) return new KvResult(KvStatus.Failed, new Uint8Array(0));
    if (n <= scratch.length) {
      return new KvResult(KvStatus.Found, scratch.slice(0, n));
    }
    scratch = new Uint8Array(n);
  }
  return new KvResult(KvStatus.Failed, new Uint8Array(0)); // not reached
}
