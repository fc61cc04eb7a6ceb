//! Whole batches through the module's exported entry points, natively, the
//! way the host calls them.

use sluice_transform::testing::{decode_response, encode_batch};
use sluice_transform::{last_output, Batch, Record};

fn run(records: &[(&str, &[u8])]) -> (i32, Vec<u8>) {
    let batch = Batch {
        invocation_id: "inv",
        delivery_stream_arn: "arn:aws:firehose:us-east-1:123456789012:deliverystream/d",
        region: "us-east-1",
        source_stream_arn: "",
        records: records
            .iter()
            .map(|(id, data)| Record {
                id,
                approximate_arrival_timestamp: 0,
                kinesis: None,
                data,
            })
            .collect(),
    };
    let bytes = encode_batch(&batch);
    let p = redact::sluice_alloc(bytes.len() as u32);
    unsafe { std::ptr::copy_nonoverlapping(bytes.as_ptr(), p, bytes.len()) };
    let rc = redact::sluice_transform(p, bytes.len() as u32);
    (rc, last_output())
}

// One test: the parameters are process-wide environment variables.
#[test]
fn batches() {
    std::env::remove_var("CARD");
    std::env::remove_var("REDACT");
    std::env::remove_var("CARD_IN_NUMBERS");
    let (rc, out) = run(&[
        (
            "1",
            br#"{"email":"bob@example.com","card":"4111 1111 1111 1111","ip":"192.0.2.1"}"#,
        ),
        ("2", b"plain 4111111111111111 text"),
        ("3", b"\xff\xfe"),
    ]);
    assert_eq!(rc, 0);
    let a = decode_response(&out).unwrap();
    assert_eq!(a.len(), 3);
    assert_eq!(
        (a[0].result, String::from_utf8_lossy(&a[0].data).as_ref()),
        (0, r#"{"email":"[EMAIL]","card":"[CARD]","ip":"[IP]"}"#)
    );
    assert_eq!(a[1].data, b"plain [CARD] text");
    assert_eq!(
        (a[2].result, a[2].error_message.as_str()),
        (2, "record is not UTF-8 (invalid byte at offset 0)")
    );

    std::env::set_var("CARD", "last4");
    let (rc, out) = run(&[("1", b"4111 1111 1111 1111")]);
    assert_eq!(rc, 0);
    assert_eq!(decode_response(&out).unwrap()[0].data, b"****1111");

    std::env::set_var("CARD", "shred");
    let (rc, out) = run(&[("1", b"x")]);
    assert_eq!(rc, 1, "a bad parameter fails the batch");
    assert_eq!(
        String::from_utf8(out).unwrap(),
        "parameter CARD is \"shred\"; use mask or last4"
    );
    std::env::remove_var("CARD");
}
