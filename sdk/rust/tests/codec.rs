//! The wire format against golden bytes written by hand from sdk/ABI.md,
//! round trips, and malformed batches.

use sluice_transform::testing::{decode_response, encode_batch, Answer};
use sluice_transform::{
    decode_batch, process_batch, process_whole_batch, Batch, KinesisMetadata, Output, Record,
};

#[rustfmt::skip]
const GOLDEN_BATCH: &[u8] = &[
    0x53, 0x4C, 0x42, 0x31,             // magic "SLB1"
    3, 0, 0, 0, b'i', b'n', b'v',       // invocation_id
    1, 0, 0, 0, b'd',                   // delivery_stream_arn
    1, 0, 0, 0, b'r',                   // region
    0, 0, 0, 0,                         // source_stream_arn ""
    2, 0, 0, 0,                         // record_count
    // record 1
    1, 0, 0, 0, b'1',                               // record_id
    0x00, 0x68, 0xE5, 0xCF, 0x8B, 0x01, 0x00, 0x00, // 1700000000000
    0,                                              // flags
    2, 0, 0, 0, b'h', b'i',                         // data
    // record 2
    1, 0, 0, 0, b'2',
    0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, // -1
    1,                                              // flags: kinesis metadata
    1, 0, 0, 0, b's',                               // shard_id
    1, 0, 0, 0, b'k',                               // partition_key
    1, 0, 0, 0, b'9',                               // sequence_number
    5, 0, 0, 0, 0, 0, 0, 0,                         // subsequence_number
    7, 0, 0, 0, 0, 0, 0, 0,                         // kinesis arrival
    0, 0, 0, 0,                                     // data ""
];

#[rustfmt::skip]
const GOLDEN_RESPONSE: &[u8] = &[
    0x53, 0x4C, 0x52, 0x31, // magic "SLR1"
    3, 0, 0, 0,             // record_count
    1, 0, 0, 0, b'1',       // record_id
    0,                      // Ok
    2, 0, 0, 0, b'H', b'I', // data
    1, 0, 0, 0,             // partition_key_count
    1, 0, 0, 0, b'a', 1, 0, 0, 0, b'b',
    0, 0, 0, 0,             // error_message ""
    1, 0, 0, 0, b'2',
    1,                      // Dropped
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    1, 0, 0, 0, b'3',
    2,                      // ProcessingFailed
    0, 0, 0, 0,             // data
    0, 0, 0, 0,             // partition keys
    3, 0, 0, 0, b'b', b'a', b'd',
];

fn golden_batch() -> Batch<'static> {
    Batch {
        invocation_id: "inv",
        delivery_stream_arn: "d",
        region: "r",
        source_stream_arn: "",
        records: vec![
            Record {
                id: "1",
                approximate_arrival_timestamp: 1_700_000_000_000,
                kinesis: None,
                data: b"hi",
            },
            Record {
                id: "2",
                approximate_arrival_timestamp: -1,
                kinesis: Some(KinesisMetadata {
                    shard_id: "s",
                    partition_key: "k",
                    sequence_number: "9",
                    subsequence_number: 5,
                    approximate_arrival_timestamp: 7,
                }),
                data: b"",
            },
        ],
    }
}

#[test]
fn decodes_golden_batch() {
    assert_eq!(decode_batch(GOLDEN_BATCH).unwrap(), golden_batch());
}

#[test]
fn encodes_golden_batch() {
    assert_eq!(encode_batch(&golden_batch()), GOLDEN_BATCH);
}

#[test]
fn encodes_golden_response() {
    let mut out = Vec::new();
    let mut w = sluice_transform::ResponseWriter::new(&mut out, 3);
    w.answer("1", &Ok(Output::data("HI").with_partition_key("a", "b")));
    w.answer("2", &Ok(Output::dropped()));
    w.answer("3", &Err("bad".to_string()));
    assert_eq!(out, GOLDEN_RESPONSE);
}

#[test]
fn processes_golden_batch() {
    let mut out = Vec::new();
    process_batch(GOLDEN_BATCH, &mut out, |r| match r.id {
        "1" => Ok(Output::data(r.data.to_ascii_uppercase()).with_partition_key("a", "b")),
        _ => Ok(Output::dropped()),
    })
    .unwrap();
    // The golden response without its third answer (21 bytes), and a count of 2.
    let mut want = GOLDEN_RESPONSE[..GOLDEN_RESPONSE.len() - 21].to_vec();
    want[4] = 2;
    assert_eq!(out, want);
}

#[test]
fn round_trip() {
    let datas: Vec<Vec<u8>> = (0..500u32)
        .map(|i| (0..(i * 37) % 3000).map(|k| (k * 13 + i) as u8).collect())
        .collect();
    let ids: Vec<String> = (0..500).map(|i| i.to_string()).collect();
    let batch = Batch {
        invocation_id: "inv-7",
        delivery_stream_arn: "arn:aws:firehose:us-east-1:123456789012:deliverystream/x",
        region: "us-east-1",
        source_stream_arn: "arn:aws:kinesis:us-east-1:123456789012:stream/s",
        records: (0..500)
            .map(|i| Record {
                id: &ids[i],
                approximate_arrival_timestamp: i as i64 * 1000,
                kinesis: if i % 2 == 1 {
                    Some(KinesisMetadata {
                        shard_id: "shardId-000000000001",
                        partition_key: "pk",
                        sequence_number: "49600000000000000000000000000000000000000000000000000001",
                        subsequence_number: i as i64,
                        approximate_arrival_timestamp: -(i as i64),
                    })
                } else {
                    None
                },
                data: &datas[i],
            })
            .collect(),
    };
    let encoded = encode_batch(&batch);
    assert_eq!(decode_batch(&encoded).unwrap(), batch);

    let mut out = Vec::new();
    for _ in 0..2 {
        // the second pass reuses the output buffer
        process_batch(&encoded, &mut out, |r| {
            let i: usize = r.id.parse().unwrap();
            match i % 3 {
                0 => Ok(
                    Output::data(r.data.iter().rev().copied().collect::<Vec<u8>>())
                        .with_partition_key("n", r.id)
                        .with_partition_key("ü", "ß"),
                ),
                1 => Ok(Output::dropped()),
                _ => Err(format!("record {} failed", i)),
            }
        })
        .unwrap();
        let answers = decode_response(&out).unwrap();
        assert_eq!(answers.len(), 500);
        for (i, a) in answers.iter().enumerate() {
            let want = match i % 3 {
                0 => Answer {
                    record_id: i.to_string(),
                    result: 0,
                    data: datas[i].iter().rev().copied().collect(),
                    partition_keys: vec![("n".into(), i.to_string()), ("ü".into(), "ß".into())],
                    error_message: String::new(),
                },
                1 => Answer {
                    record_id: i.to_string(),
                    result: 1,
                    data: vec![],
                    partition_keys: vec![],
                    error_message: String::new(),
                },
                _ => Answer {
                    record_id: i.to_string(),
                    result: 2,
                    data: vec![],
                    partition_keys: vec![],
                    error_message: format!("record {} failed", i),
                },
            };
            assert_eq!(a, &want, "answer {}", i);
        }
    }
}

#[test]
fn malformed_batches() {
    let with = |at: usize, v: u8| {
        let mut b = GOLDEN_BATCH.to_vec();
        b[at] = v;
        b
    };
    let mut huge = GOLDEN_BATCH.to_vec();
    huge[4..8].copy_from_slice(&[0xFF; 4]);
    let mut trailing = GOLDEN_BATCH.to_vec();
    trailing.push(0);
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "wrong magic",
            with(3, b'2'),
            "malformed batch: magic at byte 0",
        ),
        ("empty", vec![], "malformed batch: magic at byte 0"),
        (
            "huge length",
            huge,
            "malformed batch: invocation_id at byte 4",
        ),
        (
            "data past the end",
            with(44, 0xFF),
            "malformed batch: data at byte 43",
        ),
        (
            "unknown flag",
            with(42, 2),
            "malformed batch: flags at byte 42",
        ),
        (
            "id not utf-8",
            with(33, 0xFF),
            "malformed batch: record_id at byte 29",
        ),
        (
            "count too high",
            with(25, 3),
            "malformed batch: record_id at byte 98",
        ),
        (
            "trailing byte",
            trailing,
            "malformed batch: bytes left over after the last record at byte 98",
        ),
        (
            "count huge",
            with(28, 0xFF),
            "malformed batch: record_id at byte 98",
        ),
    ];
    for (name, input, want) in cases {
        let err = decode_batch(&input).expect_err(name);
        assert_eq!(err.to_string(), want, "{}", name);
        let mut out = Vec::new();
        let err = process_batch(&input, &mut out, |_| Ok(Output::dropped())).expect_err(name);
        assert_eq!(err, want, "{}", name);
    }
    for n in 0..GOLDEN_BATCH.len() {
        let err = decode_batch(&GOLDEN_BATCH[..n]).expect_err("truncated batch decoded");
        assert!(
            err.to_string().starts_with("malformed batch: "),
            "truncated at {}: {}",
            n,
            err
        );
    }
}

#[test]
fn whole_batch_function() {
    let mut out = Vec::new();
    process_whole_batch(GOLDEN_BATCH, &mut out, |b| {
        assert_eq!(b.invocation_id, "inv");
        Ok(b.records.iter().map(|_| Ok(Output::dropped())).collect())
    })
    .unwrap();
    assert_eq!(decode_response(&out).unwrap().len(), 2);

    let err = process_whole_batch(GOLDEN_BATCH, &mut out, |_| Err("table not loaded".into()))
        .unwrap_err();
    assert_eq!(err, "table not loaded");
    let err = process_whole_batch(GOLDEN_BATCH, &mut out, |_| Ok(vec![])).unwrap_err();
    assert_eq!(err, "batch function gave 0 answers for 2 records");
}

#[test]
fn response_decoder_is_strict() {
    let mut bad_code = GOLDEN_RESPONSE.to_vec();
    bad_code[13] = 3;
    let mut leftover = GOLDEN_RESPONSE.to_vec();
    leftover.push(0);
    for (name, b) in [
        ("bad code", bad_code),
        ("leftover", leftover),
        ("truncated", GOLDEN_RESPONSE[..20].to_vec()),
    ] {
        assert!(decode_response(&b).is_err(), "{}", name);
    }
}
