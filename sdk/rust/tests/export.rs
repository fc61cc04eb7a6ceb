//! The exported entry points, called the way the host calls them, with the
//! host's set_output captured natively.

use sluice_transform::testing::{decode_response, encode_batch};
use sluice_transform::{last_output, Batch, Output, Record};

fn shout(r: &Record<'_>) -> Result<Output, String> {
    let text = std::str::from_utf8(r.data).map_err(|_| "not UTF-8".to_string())?;
    if text.is_empty() {
        return Ok(Output::dropped());
    }
    Ok(Output::data(text.to_uppercase()))
}

sluice_transform::export!(shout);

fn call(batch: &[u8]) -> (i32, Vec<u8>) {
    let p = sluice_alloc(batch.len() as u32);
    assert!(!p.is_null());
    unsafe { std::ptr::copy_nonoverlapping(batch.as_ptr(), p, batch.len()) };
    let rc = sluice_transform(p, batch.len() as u32);
    (rc, last_output())
}

#[test]
fn exported_functions() {
    sluice_abi_version_1();
    let batch = Batch {
        invocation_id: "i",
        delivery_stream_arn: "a",
        region: "r",
        source_stream_arn: "",
        records: vec![
            Record {
                id: "a",
                approximate_arrival_timestamp: 0,
                kinesis: None,
                data: b"hello",
            },
            Record {
                id: "b",
                approximate_arrival_timestamp: 0,
                kinesis: None,
                data: b"",
            },
            Record {
                id: "c",
                approximate_arrival_timestamp: 0,
                kinesis: None,
                data: b"\xff",
            },
        ],
    };
    let (rc, out) = call(&encode_batch(&batch));
    assert_eq!(rc, 0);
    let answers = decode_response(&out).unwrap();
    assert_eq!(answers.len(), 3);
    assert_eq!(
        (answers[0].result, answers[0].data.as_slice()),
        (0, &b"HELLO"[..])
    );
    assert_eq!(answers[1].result, 1);
    assert_eq!(
        (answers[2].result, answers[2].error_message.as_str()),
        (2, "not UTF-8")
    );

    let first = sluice_alloc(100);
    assert_eq!(
        sluice_alloc(10),
        first,
        "a smaller batch reuses the input buffer"
    );

    let (rc, out) = call(b"SLB2");
    assert_eq!(rc, 1);
    assert_eq!(
        String::from_utf8(out).unwrap(),
        "malformed batch: magic at byte 0"
    );
}
