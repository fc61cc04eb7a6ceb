//! The wire format of Sluice ABI v1 (`sdk/ABI.md`): decoding the batch the
//! host sends and encoding the response the guest answers with.
//!
//! Decoding borrows from the input buffer: a [`Record`] holds `&str` and
//! `&[u8]` slices into it, so no record data is copied.

use std::fmt;

use crate::output::Output;

/// Magic number of a batch: the bytes `"SLB1"` read as a little-endian u32.
pub const BATCH_MAGIC: u32 = 0x3142_4C53;
/// Magic number of a response: the bytes `"SLR1"`.
pub const RESPONSE_MAGIC: u32 = 0x3152_4C53;

/// Result code of an answer: the record was transformed.
pub const RESULT_OK: u8 = 0;
/// Result code of an answer: the record is deliberately left out.
pub const RESULT_DROPPED: u8 = 1;
/// Result code of an answer: the record could not be transformed.
pub const RESULT_PROCESSING_FAILED: u8 = 2;

/// One batch of records, as the host hands it to the transform.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Batch<'a> {
    /// The invocation's id.
    pub invocation_id: &'a str,
    /// The delivery stream's ARN.
    pub delivery_stream_arn: &'a str,
    /// The region.
    pub region: &'a str,
    /// The source data stream's ARN; empty for direct put.
    pub source_stream_arn: &'a str,
    /// The records, in the order the host sent them.
    pub records: Vec<Record<'a>>,
}

/// One input record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record<'a> {
    /// The record's id, unique in its batch; the SDK answers with it.
    pub id: &'a str,
    /// Arrival time in milliseconds since the Unix epoch.
    pub approximate_arrival_timestamp: i64,
    /// Metadata of a record read from a data stream; `None` for direct put.
    pub kinesis: Option<KinesisMetadata<'a>>,
    /// The record's bytes.
    pub data: &'a [u8],
}

/// Metadata of a record read from a data stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KinesisMetadata<'a> {
    /// The shard, for example `shardId-000000000000`.
    pub shard_id: &'a str,
    /// The record's partition key.
    pub partition_key: &'a str,
    /// The sequence number, a decimal string.
    pub sequence_number: &'a str,
    /// The subsequence number.
    pub subsequence_number: i64,
    /// Arrival time at the data stream, milliseconds since the epoch.
    pub approximate_arrival_timestamp: i64,
}

/// Why a batch did not decode: what was being read and at which byte.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodeError {
    /// The field being read, for example `"record_id"`.
    pub what: &'static str,
    /// The byte offset where that field starts.
    pub offset: usize,
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "malformed batch: {} at byte {}", self.what, self.offset)
    }
}

impl std::error::Error for DecodeError {}

struct Reader<'a> {
    buf: &'a [u8],
    off: usize,
}

impl<'a> Reader<'a> {
    fn err(&self, what: &'static str, offset: usize) -> DecodeError {
        DecodeError { what, offset }
    }

    fn take(&mut self, n: usize, what: &'static str, at: usize) -> Result<&'a [u8], DecodeError> {
        if self.buf.len() - self.off < n {
            return Err(self.err(what, at));
        }
        let s = &self.buf[self.off..self.off + n];
        self.off += n;
        Ok(s)
    }

    fn u8(&mut self, what: &'static str) -> Result<u8, DecodeError> {
        let at = self.off;
        Ok(self.take(1, what, at)?[0])
    }

    fn u32(&mut self, what: &'static str) -> Result<u32, DecodeError> {
        let at = self.off;
        let b = self.take(4, what, at)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    fn i64(&mut self, what: &'static str) -> Result<i64, DecodeError> {
        let at = self.off;
        let b = self.take(8, what, at)?;
        let mut a = [0u8; 8];
        a.copy_from_slice(b);
        Ok(i64::from_le_bytes(a))
    }

    fn bytes(&mut self, what: &'static str) -> Result<&'a [u8], DecodeError> {
        let at = self.off;
        let n = self.u32(what)? as usize;
        self.take(n, what, at)
    }

    fn string(&mut self, what: &'static str) -> Result<&'a str, DecodeError> {
        let at = self.off;
        let b = self.bytes(what)?;
        std::str::from_utf8(b).map_err(|_| self.err(what, at))
    }

    fn record(&mut self) -> Result<Record<'a>, DecodeError> {
        let id = self.string("record_id")?;
        let approximate_arrival_timestamp = self.i64("approximate_arrival_timestamp")?;
        let flags_at = self.off;
        let flags = self.u8("flags")?;
        if flags & !1 != 0 {
            return Err(self.err("flags", flags_at));
        }
        let kinesis = if flags & 1 == 1 {
            Some(KinesisMetadata {
                shard_id: self.string("shard_id")?,
                partition_key: self.string("partition_key")?,
                sequence_number: self.string("sequence_number")?,
                subsequence_number: self.i64("subsequence_number")?,
                approximate_arrival_timestamp: self.i64("kinesis approximate_arrival_timestamp")?,
            })
        } else {
            None
        };
        let data = self.bytes("data")?;
        Ok(Record {
            id,
            approximate_arrival_timestamp,
            kinesis,
            data,
        })
    }
}

/// Decodes an encoded batch. Every string must be UTF-8, unknown flag bits
/// are refused, and no bytes may follow the last record.
pub fn decode_batch(buf: &[u8]) -> Result<Batch<'_>, DecodeError> {
    let mut r = Reader { buf, off: 0 };
    if r.u32("magic")? != BATCH_MAGIC {
        return Err(r.err("magic", 0));
    }
    let invocation_id = r.string("invocation_id")?;
    let delivery_stream_arn = r.string("delivery_stream_arn")?;
    let region = r.string("region")?;
    let source_stream_arn = r.string("source_stream_arn")?;
    let count = r.u32("record_count")? as usize;
    // Each record takes at least 17 bytes: never reserve more than fits.
    let mut records = Vec::with_capacity(count.min((buf.len() - r.off) / 17));
    for _ in 0..count {
        records.push(r.record()?);
    }
    if r.off != buf.len() {
        return Err(r.err("bytes left over after the last record", r.off));
    }
    Ok(Batch {
        invocation_id,
        delivery_stream_arn,
        region,
        source_stream_arn,
        records,
    })
}

fn put_u32(out: &mut Vec<u8>, v: u32) {
    out.extend_from_slice(&v.to_le_bytes());
}

/// Appends a `bytes` field (u32 length, then the bytes). Lengths above
/// u32::MAX cannot be sent; the host's output cap is far below that.
fn put_bytes(out: &mut Vec<u8>, b: &[u8]) {
    put_u32(out, b.len() as u32);
    out.extend_from_slice(b);
}

/// Writes a response: the header first, then one answer per record.
pub struct ResponseWriter<'o> {
    out: &'o mut Vec<u8>,
}

impl<'o> ResponseWriter<'o> {
    /// Clears `out` and writes the response header for `record_count` answers.
    pub fn new(out: &'o mut Vec<u8>, record_count: u32) -> Self {
        out.clear();
        put_u32(out, RESPONSE_MAGIC);
        put_u32(out, record_count);
        ResponseWriter { out }
    }

    /// Appends the answer for the record `id`.
    pub fn answer(&mut self, id: &str, result: &Result<Output, String>) {
        let out = &mut *self.out;
        put_bytes(out, id.as_bytes());
        match result {
            Ok(Output::Data {
                data,
                partition_keys,
            }) => {
                out.push(RESULT_OK);
                put_bytes(out, data);
                put_u32(out, partition_keys.len() as u32);
                for (k, v) in partition_keys {
                    put_bytes(out, k.as_bytes());
                    put_bytes(out, v.as_bytes());
                }
                put_u32(out, 0);
            }
            Ok(Output::Dropped) => {
                out.push(RESULT_DROPPED);
                put_u32(out, 0);
                put_u32(out, 0);
                put_u32(out, 0);
            }
            Err(message) => {
                out.push(RESULT_PROCESSING_FAILED);
                put_u32(out, 0);
                put_u32(out, 0);
                put_bytes(out, message.as_bytes());
            }
        }
    }
}

/// Runs every record of an encoded batch through `f` and writes the encoded
/// response to `out`. An `Err` is a batch failure (the message the host fails
/// the batch with): a batch that does not decode.
pub fn process_batch<F>(input: &[u8], out: &mut Vec<u8>, mut f: F) -> Result<(), String>
where
    F: FnMut(&Record<'_>) -> Result<Output, String>,
{
    let batch = decode_batch(input).map_err(|e| e.to_string())?;
    let mut w = ResponseWriter::new(out, batch.records.len() as u32);
    for rec in &batch.records {
        w.answer(rec.id, &f(rec));
    }
    Ok(())
}

/// Like [`process_batch`] for a function that sees the whole batch and
/// answers every record, in order. Its `Err` fails the batch; so does an
/// answer count that differs from the record count.
pub fn process_whole_batch<F>(input: &[u8], out: &mut Vec<u8>, f: F) -> Result<(), String>
where
    F: FnOnce(&Batch<'_>) -> Result<Vec<Result<Output, String>>, String>,
{
    let batch = decode_batch(input).map_err(|e| e.to_string())?;
    let answers = f(&batch)?;
    if answers.len() != batch.records.len() {
        return Err(format!(
            "batch function gave {} answers for {} records",
            answers.len(),
            batch.records.len()
        ));
    }
    let mut w = ResponseWriter::new(out, answers.len() as u32);
    for (rec, a) in batch.records.iter().zip(answers.iter()) {
        w.answer(rec.id, a);
    }
    Ok(())
}
