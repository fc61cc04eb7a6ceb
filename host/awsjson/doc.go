// Package awsjson serves the AWS JSON 1.1 protocol over HTTP: POST / with an
// X-Amz-Target header naming "<TargetPrefix>.<Operation>", a JSON body in
// and out, and errors as HTTP 400 {"__type": ..., "message": ...}.
//
// It is shared by the Kinesis and Firehose APIs. Handlers are typed
// functions (see Func); the Mux owns body limits, decoding, encoding and
// the error shape, so every operation answers alike. An output that is a
// Streamer writes its own JSON through a bounded buffer (GetRecords'
// answers are not built in memory first), one that is a Responder writes
// the whole HTTP answer itself (SubscribeToShard's event stream), and one
// that is an io.Closer is closed once written. Timestamps (Time) outside years 1 to 9999 are a
// SerializationException. It does not look at signatures: host/auth
// verifies them in front of the Mux and answers its refusals through
// WriteError, in the same shape.
package awsjson
