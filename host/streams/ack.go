package streams

import (
	"bytes"
	"encoding/json"

	"github.com/nats-io/nats.go/jetstream"
)

// parseAck reads JetStream's answer to a publish: the record's stream
// sequence, or the error nats.go's own publish gives for the same answer
// (the *jetstream.APIError JetStream sent, or ErrInvalidJSAck). The usual
// answer, {"stream":"NAME","seq":N} exactly as JetStream writes it, is
// read without reflection; anything else as nats.go reads it.
func parseAck(data []byte) (uint64, error) {
	if seq, ok := quickAck(data); ok {
		return seq, nil
	}
	var pa struct {
		Error    *jetstream.APIError `json:"error,omitempty"`
		Stream   string              `json:"stream"`
		Sequence uint64              `json:"seq"`
	}
	if err := json.Unmarshal(data, &pa); err != nil {
		return 0, jetstream.ErrInvalidJSAck
	}
	if pa.Error != nil {
		return 0, pa.Error
	}
	if pa.Stream == "" {
		return 0, jetstream.ErrInvalidJSAck
	}
	return pa.Sequence, nil
}

// quickAck reads {"stream":"NAME","seq":N} (N of at most 18 digits); ok
// is false for anything else (more members, such as "duplicate" or
// "domain", an error, other spacing).
func quickAck(data []byte) (uint64, bool) {
	const head, mid = `{"stream":"`, `","seq":`
	if !bytes.HasPrefix(data, []byte(head)) {
		return 0, false
	}
	rest := data[len(head):]
	end := bytes.IndexByte(rest, '"')
	if end <= 0 || bytes.IndexByte(rest[:end], '\\') >= 0 || !bytes.HasPrefix(rest[end:], []byte(mid)) {
		return 0, false
	}
	rest = rest[end+len(mid):]
	var seq uint64
	n := 0
	for n < len(rest) && rest[n] >= '0' && rest[n] <= '9' && n < 19 {
		seq = seq*10 + uint64(rest[n]-'0')
		n++
	}
	if n == 0 || n == 19 || n > 1 && rest[0] == '0' {
		return 0, false
	}
	if len(rest) != n+1 || rest[n] != '}' {
		return 0, false
	}
	return seq, true
}
