// Decoding of the batch the host writes into guest memory (ABI.md "Batch
// encoding"). Record data is not copied: each Record's `data` is a view into
// the input buffer, valid until the batch's sluice_transform returns.

/** The bytes "SLB1" as a little-endian u32. */
export const BATCH_MAGIC: u32 = 0x31424C53;

/** Kinesis Data Streams metadata of a record read from a data stream. */
export class KinesisMetadata {
  /** The shard the record was read from, for example "shardId-000000000000". */
  shardId: string = "";
  /** The partition key the producer gave. */
  partitionKey: string = "";
  /** The record's sequence number, a decimal string. */
  sequenceNumber: string = "";
  /** The subsequence number (0 for records that were not aggregated). */
  subsequenceNumber: i64 = 0;
  /** Arrival time at the data stream, ms since the Unix epoch. */
  approximateArrivalTimestamp: i64 = 0;
}

/** The batch-level fields of an invocation. */
export class Batch {
  /** The invocation id, unique per call. */
  invocationId: string = "";
  /** The delivery stream's ARN. */
  deliveryStreamArn: string = "";
  /** The region the host reports. */
  region: string = "";
  /** The source data stream's ARN; "" for direct put. */
  sourceStreamArn: string = "";
  /** How many records the batch holds. */
  recordCount: i32 = 0;
  /** The input buffer the batch was decoded from (records' bytes are views into it). */
  buffer: ArrayBuffer | null = null;
}

/** One input record. */
export class Record {
  /** The batch this record belongs to. */
  batch: Batch;
  /** Arrival time at the delivery stream, ms since the Unix epoch. */
  approximateArrivalTimestamp: i64 = 0;
  /** The record's bytes: a view into the input buffer, valid during this batch only. */
  data: Uint8Array;
  /** Kinesis metadata when the record came from a data stream, else null. */
  kinesis: KinesisMetadata | null = null;
  /** Where the record id's UTF-8 bytes sit in the input buffer, and how many there are. */
  idStart: usize;
  idLength: i32;

  constructor(batch: Batch, idStart: usize, idLength: i32, data: Uint8Array) {
    this.batch = batch;
    this.idStart = idStart;
    this.idLength = idLength;
    this.data = data;
  }

  /**
   * The raw UTF-8 bytes of the record id, echoed byte for byte in the
   * answer: a new view into the input buffer, valid during this batch only.
   */
  get idBytes(): Uint8Array {
    const buf = changetype<ArrayBuffer>(this.batch.buffer);
    return Uint8Array.wrap(buf, <i32>(this.idStart - changetype<usize>(buf)), this.idLength);
  }

  /** The record id (an opaque string, unique in the batch). */
  get id(): string {
    return String.UTF8.decodeUnsafe(this.idStart, <usize>this.idLength);
  }

  /** The record's data decoded as UTF-8. */
  dataString(): string {
    return String.UTF8.decodeUnsafe(this.data.dataStart, <usize>this.data.length);
  }
}

/**
 * Reads the batch encoding from a buffer. After any read past the end,
 * `error` is set (with the offset in `errorAt`) and later reads return zeros.
 */
export class BatchReader {
  private buf: ArrayBuffer;
  private base: i32;
  private end: i32;
  private pos: i32;
  error: string = "";
  errorAt: i32 = 0;

  /** Reads the `len` bytes that start at `offset` in `buf`. */
  constructor(buf: ArrayBuffer, offset: i32, len: i32) {
    this.buf = buf;
    this.base = offset;
    this.pos = offset;
    this.end = offset + len;
  }

  /** The buffer being read. */
  get buffer(): ArrayBuffer {
    return this.buf;
  }

  /** The offset of the next byte, counted from the start of the batch. */
  get offset(): i32 {
    return this.pos - this.base;
  }

  /** How many bytes are left to read. */
  get remaining(): i32 {
    return this.end - this.pos;
  }

  /** Whether every byte has been read. */
  get atEnd(): bool {
    return this.pos == this.end;
  }

  /** Records a decoding error at the current offset (the first one wins). */
  fail(what: string): void {
    if (this.error.length == 0) {
      this.error = what;
      this.errorAt = this.pos - this.base;
    }
  }

  private need(n: i32, what: string): bool {
    if (this.error.length != 0) return false;
    if (n < 0 || this.end - this.pos < n) {
      this.fail(what + " runs past the end of the batch");
      return false;
    }
    return true;
  }

  u8(what: string): u8 {
    if (!this.need(1, what)) return 0;
    const v = load<u8>(changetype<usize>(this.buf) + <usize>this.pos);
    this.pos += 1;
    return v;
  }

  u32(what: string): u32 {
    if (!this.need(4, what)) return 0;
    const v = load<u32>(changetype<usize>(this.buf) + <usize>this.pos);
    this.pos += 4;
    return v;
  }

  i64(what: string): i64 {
    if (!this.need(8, what)) return 0;
    const v = load<i64>(changetype<usize>(this.buf) + <usize>this.pos);
    this.pos += 8;
    return v;
  }

  /**
   * Reads the u32 length of a `bytes` or `string` field and checks that
   * that many bytes follow; returns -1 (with `error` set) when they do not.
   * The error's label is built only on failure, so a valid batch costs no
   * string concatenation per field.
   */
  fieldLength(what: string): i32 {
    if (this.error.length != 0) return -1;
    if (this.end - this.pos < 4) {
      this.fail(what + " length runs past the end of the batch");
      return -1;
    }
    const n = load<u32>(changetype<usize>(this.buf) + <usize>this.pos);
    this.pos += 4;
    if (n > <u32>i32.MAX_VALUE || <u32>(this.end - this.pos) < n) {
      this.fail(what + " runs past the end of the batch");
      return -1;
    }
    return <i32>n;
  }

  /** Skips `n` bytes (nothing when `n` is negative) and returns the address of the first. */
  take(n: i32): usize {
    const p = changetype<usize>(this.buf) + <usize>this.pos;
    if (n > 0) this.pos += n;
    return p;
  }

  /** Reads a `bytes` field as a view into the buffer. */
  bytes(what: string): Uint8Array {
    const n = this.fieldLength(what);
    if (n < 0) return new Uint8Array(0);
    const v = Uint8Array.wrap(this.buf, this.pos, n);
    this.pos += n;
    return v;
  }

  /** Reads a `string` field. */
  string(what: string): string {
    const n = this.fieldLength(what);
    if (n < 0) return "";
    if (n == 0) return "";
    const s = String.UTF8.decodeUnsafe(changetype<usize>(this.buf) + <usize>this.pos, <usize>n);
    this.pos += n;
    return s;
  }
}

/** Decodes a whole batch; on a malformed batch returns null and leaves the reason in `r.error`. */
export function decodeBatch(r: BatchReader): Record[] | null {
  const magic = r.u32("magic");
  if (r.error.length == 0 && magic != BATCH_MAGIC) {
    r.errorAt = 0;
    r.error = "wrong magic 0x" + magic.toString(16) + " (want 0x31424c53, \"SLB1\")";
    return null;
  }
  const batch = new Batch();
  batch.buffer = r.buffer;
  batch.invocationId = r.string("invocation_id");
  batch.deliveryStreamArn = r.string("delivery_stream_arn");
  batch.region = r.string("region");
  batch.sourceStreamArn = r.string("source_stream_arn");
  const count = r.u32("record_count");
  if (r.error.length != 0) return null;
  // Every record takes at least 4+8+1+4 bytes: refuse counts the bytes cannot hold
  // before allocating for them.
  if (<u64>count * 17 > <u64>r.remaining) {
    r.fail("record_count " + count.toString() + " is too large for the batch");
    return null;
  }
  batch.recordCount = <i32>count;
  const records = new Array<Record>(<i32>count);
  for (let i: u32 = 0; i < count; i++) {
    const idLength = r.fieldLength("record_id");
    const idStart = r.take(idLength);
    const ts = r.i64("approximate_arrival_timestamp");
    const flagsAt = r.offset;
    const flags = r.u8("flags");
    let kinesis: KinesisMetadata | null = null;
    if (r.error.length == 0 && (flags & 0xfe) != 0) {
      r.error = "unknown flags 0x" + flags.toString(16) + " in record " + i.toString();
      r.errorAt = flagsAt;
      return null;
    }
    if (flags & 1) {
      const k = new KinesisMetadata();
      k.shardId = r.string("shard_id");
      k.partitionKey = r.string("partition_key");
      k.sequenceNumber = r.string("sequence_number");
      k.subsequenceNumber = r.i64("subsequence_number");
      k.approximateArrivalTimestamp = r.i64("kinesis approximate_arrival_timestamp");
      kinesis = k;
    }
    const data = r.bytes("data");
    if (r.error.length != 0) return null;
    const rec = new Record(batch, idStart, idLength, data);
    rec.approximateArrivalTimestamp = ts;
    rec.kinesis = kinesis;
    unchecked(records[i] = rec);
  }
  if (!r.atEnd) {
    r.fail("bytes left over after the last record");
    return null;
  }
  return records;
}
