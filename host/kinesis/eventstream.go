package kinesis

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/aws/protocol/eventstream"
	"github.com/aws/aws-sdk-go-v2/aws/protocol/eventstream/eventstreamapi"

	"github.com/sluice-io/sluice/host/awscbor"
	"github.com/sluice-io/sluice/host/awsjson"
	"github.com/sluice-io/sluice/host/streams"
)

// EventStreamContentType is the content type of SubscribeToShard's
// answer: AWS's event stream encoding, a sequence of messages each with a
// prelude, headers and payload, and CRC-32s of the prelude and of the
// whole message.
const EventStreamContentType = "application/vnd.amazon.eventstream"

// Event types of SubscribeToShard's stream.
const (
	eventInitialResponse  = "initial-response"
	eventSubscribeToShard = "SubscribeToShardEvent"
	// eventPayloadJSON is the content type of the events' payloads when
	// the request was JSON; a CBOR request (the Java SDKs', the KCL's)
	// gets CBOR payloads, awscbor.ContentType, as the SDK reads an event
	// with the protocol of its operation.
	eventPayloadJSON = "application/json"
)

// eventWriter writes event stream messages with the AWS SDK's encoder, the
// payloads in the request's protocol.
type eventWriter struct {
	w    io.Writer
	cbor bool
}

func (ew eventWriter) payloadType() string {
	if ew.cbor {
		return awscbor.ContentType
	}
	return eventPayloadJSON
}

// initialResponse writes the initial-response event: an empty structure.
func (ew eventWriter) initialResponse() error {
	if ew.cbor {
		return ew.event(eventInitialResponse, awscbor.AppendMapHead(nil, 0))
	}
	return ew.event(eventInitialResponse, []byte("{}"))
}

// shardEvent writes a SubscribeToShardEvent.
func (ew eventWriter) shardEvent(ev *streams.SubscriptionEvent, encryption string) error {
	if ew.cbor {
		payload, err := eventPayloadCBOR(ev, encryption)
		if err != nil {
			return err
		}
		return ew.event(eventSubscribeToShard, payload)
	}
	return ew.event(eventSubscribeToShard, eventPayload(ev, encryption))
}

func (ew eventWriter) write(headers eventstream.Headers, payload []byte) error {
	// A fresh encoder per message: its buffers hold one message, which
	// the read budget counted for this event only.
	return eventstream.NewEncoder().Encode(ew.w, eventstream.Message{Headers: headers, Payload: payload})
}

// event writes an event message of type typ with a payload in the
// writer's protocol.
func (ew eventWriter) event(typ string, payload []byte) error {
	return ew.write(eventstream.Headers{
		{Name: eventstreamapi.MessageTypeHeader, Value: eventstream.StringValue(eventstreamapi.EventMessageType)},
		{Name: eventstreamapi.EventTypeHeader, Value: eventstream.StringValue(typ)},
		{Name: eventstreamapi.ContentTypeHeader, Value: eventstream.StringValue(ew.payloadType())},
	}, payload)
}

// exception writes an exception message: name is a member of the
// operation's event stream union (ResourceNotFoundException,
// ResourceInUseException, InternalFailureException, ...), the payload
// {"message": ...} in the writer's protocol.
func (ew eventWriter) exception(name, message string) error {
	var payload []byte
	if ew.cbor {
		payload = awscbor.AppendMapHead(nil, 1)
		payload = awscbor.AppendText(payload, "message")
		payload = awscbor.AppendText(payload, message)
	} else {
		payload, _ = json.Marshal(struct {
			Message string `json:"message"`
		}{message})
	}
	return ew.write(eventstream.Headers{
		{Name: eventstreamapi.MessageTypeHeader, Value: eventstream.StringValue(eventstreamapi.ExceptionMessageType)},
		{Name: eventstreamapi.ExceptionTypeHeader, Value: eventstream.StringValue(name)},
		{Name: eventstreamapi.ContentTypeHeader, Value: eventstream.StringValue(ew.payloadType())},
	}, payload)
}

// eventPayload is a SubscribeToShardEvent's JSON:
// {"Records":[...],"ContinuationSequenceNumber":...,"MillisBehindLatest":...,
// "ChildShards":[...]}, with each record as GetRecords writes it. It is
// built in one allocation of its final size.
func eventPayload(ev *streams.SubscriptionEvent, encryption string) []byte {
	n := 128
	for _, r := range ev.Records {
		n += 128 + base64.StdEncoding.EncodedLen(len(r.Data)) + 6*len(r.PartitionKey) + len(encryption)
	}
	var children []byte
	if len(ev.ChildShards) > 0 {
		children, _ = json.Marshal(childShards(ev.ChildShards))
		n += len(children) + 16
	}
	b := make([]byte, 0, n)
	b = append(b, `{"Records":[`...)
	for i, r := range ev.Records {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"SequenceNumber":`...)
		b = appendJSONString(b, r.SequenceNumber)
		b = append(b, `,"ApproximateArrivalTimestamp":`...)
		ts, _ := awsjson.Time{Time: r.Arrival}.MarshalJSON()
		b = append(b, ts...)
		b = append(b, `,"Data":"`...)
		b = base64.StdEncoding.AppendEncode(b, r.Data)
		b = append(b, `","PartitionKey":`...)
		b = appendJSONString(b, r.PartitionKey)
		if encryption != "" {
			b = append(b, `,"EncryptionType":`...)
			b = appendJSONString(b, encryption)
		}
		b = append(b, '}')
	}
	b = append(b, ']')
	if ev.ContinuationSequenceNumber != "" {
		b = append(b, `,"ContinuationSequenceNumber":`...)
		b = appendJSONString(b, ev.ContinuationSequenceNumber)
	}
	b = append(b, `,"MillisBehindLatest":`...)
	b = strconv.AppendInt(b, ev.MillisBehindLatest, 10)
	if children != nil {
		b = append(b, `,"ChildShards":`...)
		b = append(b, children...)
	}
	return append(b, '}')
}

// eventPayloadCBOR is a SubscribeToShardEvent in CBOR, the members and
// record shape of GetRecords' CBOR answer (recordsAnswer.StreamCBOR):
// Data a byte string, timestamps epoch milliseconds under tag 1.
func eventPayloadCBOR(ev *streams.SubscriptionEvent, encryption string) ([]byte, error) {
	n := 128
	for _, r := range ev.Records {
		n += 128 + len(r.Data) + len(r.PartitionKey) + len(encryption)
	}
	members := 2 // Records, MillisBehindLatest
	if ev.ContinuationSequenceNumber != "" {
		members++
	}
	var children []byte
	if len(ev.ChildShards) > 0 {
		var err error
		if children, err = awscbor.Marshal(childShards(ev.ChildShards)); err != nil {
			return nil, err
		}
		members++
		n += len(children) + 16
	}
	b := make([]byte, 0, n)
	b = awscbor.AppendMapHead(b, members)
	b = awscbor.AppendText(b, "Records")
	b = awscbor.AppendArrayHead(b, len(ev.Records))
	for i := range ev.Records {
		r := &ev.Records[i]
		b = appendRecordHeadCBOR(b, r, encryption)
		b = append(b, r.Data...)
		b = appendRecordTailCBOR(b, r, encryption)
	}
	if ev.ContinuationSequenceNumber != "" {
		b = awscbor.AppendText(b, "ContinuationSequenceNumber")
		b = awscbor.AppendText(b, ev.ContinuationSequenceNumber)
	}
	b = awscbor.AppendText(b, "MillisBehindLatest")
	b = awscbor.AppendInt(b, ev.MillisBehindLatest)
	if children != nil {
		b = awscbor.AppendText(b, "ChildShards")
		b = append(b, children...)
	}
	return b, nil
}

// appendJSONString appends s as a JSON string, as encoding/json writes it.
func appendJSONString(b []byte, s string) []byte {
	q, _ := json.Marshal(s)
	return append(b, q...)
}
