// What a record handler answers for one record (ABI.md "The record contract").
import { utf8Encode } from "./utf8";

// The data of results that carry none; never written to.
const EMPTY = new Uint8Array(0);

/** Result codes of the response encoding. */
export enum ResultCode {
  /** The record was transformed; its new data goes on. */
  Ok = 0,
  /** The record is deliberately left out. */
  Dropped = 1,
  /** The record could not be transformed; its original data goes to the error output. */
  ProcessingFailed = 2,
  /** Not a record result: the whole batch fails (sluice_transform returns 1). */
  BatchFailed = 3,
}

/**
 * The answer for one record. Build it with `Result.ok`, `Result.okString`,
 * `Result.drop`, `Result.fail` or `Result.failBatch`; add dynamic
 * partitioning keys to an Ok result with `withPartitionKey`.
 */
export class Result {
  /** What happened to the record. */
  code: ResultCode;
  /** The new data (Ok only). */
  data: Uint8Array;
  /** Partition key names, in the order they were added (Ok only); null when none. */
  keys: string[] | null = null;
  /** Partition key values, parallel to `keys`. */
  values: string[] | null = null;
  /** Why the record (ProcessingFailed) or the batch (BatchFailed) failed. */
  message: string = "";

  constructor(code: ResultCode, data: Uint8Array, message: string) {
    this.code = code;
    this.data = data;
    this.message = message;
  }

  /** The record was transformed into `data` (which may be the record's own `data`). */
  static ok(data: Uint8Array): Result {
    return new Result(ResultCode.Ok, data, "");
  }

  /** The record was transformed into the UTF-8 encoding of `s`. */
  static okString(s: string): Result {
    return new Result(ResultCode.Ok, utf8Encode(s), "");
  }

  /** The record was transformed into `data`, with these dynamic partitioning keys. */
  static okWithPartitionKeys(data: Uint8Array, keys: Map<string, string>): Result {
    const res = new Result(ResultCode.Ok, data, "");
    const names = keys.keys();
    for (let i = 0; i < names.length; i++) {
      res.withPartitionKey(names[i], keys.get(names[i]));
    }
    return res;
  }

  /** The record is deliberately left out (counted, not an error). */
  static drop(): Result {
    return new Result(ResultCode.Dropped, EMPTY, "");
  }

  /** The record could not be transformed; `message` says why and goes with it to the error output. */
  static fail(message: string): Result {
    return new Result(ResultCode.ProcessingFailed, EMPTY, message);
  }

  /**
   * The whole batch fails with `message` (sluice_transform returns 1); no
   * further records are processed. Use it for errors that are not one
   * record's fault, such as a bad parameter. The host retries the batch and
   * then sends it whole to the error output.
   */
  static failBatch(message: string): Result {
    return new Result(ResultCode.BatchFailed, EMPTY, message);
  }

  /** Adds a dynamic partitioning key (Ok results only; ignored otherwise). Returns this result. */
  withPartitionKey(name: string, value: string): Result {
    let keys = this.keys;
    let values = this.values;
    if (keys == null || values == null) {
      keys = new Array<string>(0);
      values = new Array<string>(0);
      this.keys = keys;
      this.values = values;
    }
    keys.push(name);
    values.push(value);
    return this;
  }

  /** How many partition keys the result carries. */
  get partitionKeyCount(): i32 {
    const keys = this.keys;
    return keys == null ? 0 : keys.length;
  }
}
