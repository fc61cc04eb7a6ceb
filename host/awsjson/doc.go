// Package awsjson serves the AWS JSON 1.1 protocol over HTTP: POST / with
// an X-Amz-Target header naming "<TargetPrefix>.<Operation>", a JSON body
// in and out, and errors as HTTP 400 {"__type": ..., "message": ...}; and,
// for the target prefixes AllowCBOR names (Kinesis), its binary twin AWS
// CBOR 1.1 (Content-Type application/x-amz-cbor-1.1, host/awscbor), which
// the AWS SDKs for Java send by default.
//
// It is shared by the Kinesis and Firehose APIs. Handlers are typed
// functions (see Func); the Mux owns body limits, decoding, encoding and
// the error shape, so every operation answers alike. The protocol of a
// request is its Content-Type (ProtocolOf): a Func decodes a CBOR body
// into the same Go struct as a JSON one (members named by the json
// struct tags; []byte from a byte string instead of base64; Time from
// epoch milliseconds under tag 1 instead of epoch seconds) and its answer
// is encoded in the request's protocol, errors included. An input that is a
// FastDecoder (PutRecords, PutRecordBatch) decodes its usual JSON without
// reflection (Lexer) and leaves anything unusual to encoding/json, so
// answers and errors are the same either way. An output that
// is a Streamer writes its own JSON through a bounded buffer (GetRecords'
// answers are not built in memory first), and a CBORStreamer its own
// CBOR; one that is a Responder writes the whole HTTP answer itself
// (SubscribeToShard's event stream, in either protocol); one that is an
// io.Closer is closed once written. Timestamps (Time) outside years 1 to
// 9999 are a SerializationException. It does not look at signatures:
// host/auth verifies them in front of the Mux and answers its refusals
// through WriteRequestError, in the same shape.
package awsjson
