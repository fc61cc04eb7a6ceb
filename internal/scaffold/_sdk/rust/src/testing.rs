//! The host's half of the wire format, for native tests of a transform:
//! encode a batch the way the host does, decode the response the way the
//! host checks it.

use crate::codec::{Batch, BATCH_MAGIC, RESPONSE_MAGIC};

fn put_u32(out: &mut Vec<u8>, v: u32) {
    out.extend_from_slice(&v.to_le_bytes());
}

fn put_bytes(out: &mut Vec<u8>, b: &[u8]) {
    put_u32(out, b.len() as u32);
    out.extend_from_slice(b);
}

/// Encodes a batch exactly as the host does (ABI v1).
pub fn encode_batch(b: &Batch<'_>) -> Vec<u8> {
    let mut out = Vec::new();
    put_u32(&mut out, BATCH_MAGIC);
    put_bytes(&mut out, b.invocation_id.as_bytes());
    put_bytes(&mut out, b.delivery_stream_arn.as_bytes());
    put_bytes(&mut out, b.region.as_bytes());
    put_bytes(&mut out, b.source_stream_arn.as_bytes());
    put_u32(&mut out, b.records.len() as u32);
    for r in &b.records {
        put_bytes(&mut out, r.id.as_bytes());
        out.extend_from_slice(&r.approximate_arrival_timestamp.to_le_bytes());
        match &r.kinesis {
            None => out.push(0),
            Some(k) => {
                out.push(1);
                put_bytes(&mut out, k.shard_id.as_bytes());
                put_bytes(&mut out, k.partition_key.as_bytes());
                put_bytes(&mut out, k.sequence_number.as_bytes());
                out.extend_from_slice(&k.subsequence_number.to_le_bytes());
                out.extend_from_slice(&k.approximate_arrival_timestamp.to_le_bytes());
            }
        }
        put_bytes(&mut out, r.data);
    }
    out
}

/// One decoded answer of a response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    /// The record id answered.
    pub record_id: String,
    /// 0 Ok, 1 Dropped, 2 ProcessingFailed.
    pub result: u8,
    /// The new data.
    pub data: Vec<u8>,
    /// Partition keys, in wire order.
    pub partition_keys: Vec<(String, String)>,
    /// The reason of a ProcessingFailed answer; empty otherwise.
    pub error_message: String,
}

struct Rd<'a> {
    b: &'a [u8],
    off: usize,
}

impl<'a> Rd<'a> {
    fn take(&mut self, n: usize, what: &str) -> Result<&'a [u8], String> {
        if self.b.len() - self.off < n {
            return Err(format!(
                "malformed response: {} past the end at byte {}",
                what, self.off
            ));
        }
        let s = &self.b[self.off..self.off + n];
        self.off += n;
        Ok(s)
    }
    fn u32(&mut self, what: &str) -> Result<u32, String> {
        let b = self.take(4, what)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }
    fn bytes(&mut self, what: &str) -> Result<&'a [u8], String> {
        let n = self.u32(what)? as usize;
        self.take(n, what)
    }
    fn string(&mut self, what: &str) -> Result<String, String> {
        let at = self.off;
        let b = self.bytes(what)?;
        String::from_utf8(b.to_vec())
            .map_err(|_| format!("malformed response: {} not UTF-8 at byte {}", what, at))
    }
}

/// Decodes a response as strictly as the host does: the magic, every
/// length, result codes 0 to 2, UTF-8 strings and no bytes left over.
pub fn decode_response(buf: &[u8]) -> Result<Vec<Answer>, String> {
    let mut r = Rd { b: buf, off: 0 };
    if r.u32("magic")? != RESPONSE_MAGIC {
        return Err("malformed response: wrong magic at byte 0".to_string());
    }
    let n = r.u32("record_count")?;
    let mut answers = Vec::new();
    for _ in 0..n {
        let record_id = r.string("record_id")?;
        let at = r.off;
        let result = r.take(1, "result")?[0];
        if result > 2 {
            return Err(format!(
                "malformed response: result code {} at byte {}",
                result, at
            ));
        }
        let data = r.bytes("data")?.to_vec();
        let pk = r.u32("partition_key_count")?;
        let mut partition_keys = Vec::new();
        for _ in 0..pk {
            partition_keys.push((r.string("partition key")?, r.string("partition value")?));
        }
        let error_message = r.string("error_message")?;
        answers.push(Answer {
            record_id,
            result,
            data,
            partition_keys,
            error_message,
        });
    }
    if r.off != buf.len() {
        return Err(format!(
            "malformed response: bytes left over at byte {}",
            r.off
        ));
    }
    Ok(answers)
}
