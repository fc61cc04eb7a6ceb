package runtime

import (
	"encoding/json"
	"fmt"
)

// The Firehose data-transformation event and response as JSON, the form a
// Lambda sees and a WASI command reads on stdin and writes on stdout.

type jsonEvent struct {
	InvocationID           string       `json:"invocationId"`
	DeliveryStreamArn      string       `json:"deliveryStreamArn"`
	Region                 string       `json:"region"`
	SourceKinesisStreamArn string       `json:"sourceKinesisStreamArn,omitempty"`
	Records                []jsonRecord `json:"records"`
}

type jsonRecord struct {
	RecordID                    string               `json:"recordId"`
	ApproximateArrivalTimestamp int64                `json:"approximateArrivalTimestamp"`
	Data                        []byte               `json:"data"`
	KinesisRecordMetadata       *jsonKinesisMetadata `json:"kinesisRecordMetadata,omitempty"`
}

type jsonKinesisMetadata struct {
	ShardID                     string `json:"shardId"`
	PartitionKey                string `json:"partitionKey"`
	ApproximateArrivalTimestamp int64  `json:"approximateArrivalTimestamp"`
	SequenceNumber              string `json:"sequenceNumber"`
	SubsequenceNumber           int64  `json:"subsequenceNumber"`
}

type jsonResponse struct {
	Records []jsonResult `json:"records"`
}

type jsonResult struct {
	RecordID     string        `json:"recordId"`
	Result       string        `json:"result"`
	Data         []byte        `json:"data,omitempty"`
	Metadata     *jsonMetadata `json:"metadata,omitempty"`
	ErrorMessage string        `json:"errorMessage,omitempty"`
}

type jsonMetadata struct {
	PartitionKeys map[string]string `json:"partitionKeys,omitempty"`
}

// EncodeEvent returns b as a Firehose data-transformation event (record data
// in base64, times in milliseconds since the epoch).
func EncodeEvent(b *Batch) ([]byte, error) {
	ev := jsonEvent{
		InvocationID:           b.InvocationID,
		DeliveryStreamArn:      b.DeliveryStreamARN,
		Region:                 b.Region,
		SourceKinesisStreamArn: b.SourceStreamARN,
		Records:                make([]jsonRecord, len(b.Records)),
	}
	for i := range b.Records {
		r := &b.Records[i]
		jr := &ev.Records[i]
		jr.RecordID = r.RecordID
		jr.ApproximateArrivalTimestamp = millis(r.ArrivalTime)
		jr.Data = r.Data
		if jr.Data == nil {
			jr.Data = []byte{}
		}
		if k := r.Kinesis; k != nil {
			jr.KinesisRecordMetadata = &jsonKinesisMetadata{
				ShardID:                     k.ShardID,
				PartitionKey:                k.PartitionKey,
				ApproximateArrivalTimestamp: millis(k.ArrivalTime),
				SequenceNumber:              k.SequenceNumber,
				SubsequenceNumber:           k.SubsequenceNumber,
			}
		}
	}
	return json.Marshal(&ev)
}

// DecodeEvent parses a Firehose data-transformation event.
func DecodeEvent(data []byte) (*Batch, error) {
	var ev jsonEvent
	if err := json.Unmarshal(data, &ev); err != nil {
		return nil, fmt.Errorf("decode event: %w", err)
	}
	b := &Batch{
		InvocationID:      ev.InvocationID,
		DeliveryStreamARN: ev.DeliveryStreamArn,
		Region:            ev.Region,
		SourceStreamARN:   ev.SourceKinesisStreamArn,
		Records:           make([]Record, len(ev.Records)),
	}
	for i, jr := range ev.Records {
		r := &b.Records[i]
		r.RecordID = jr.RecordID
		r.ArrivalTime = fromMillis(jr.ApproximateArrivalTimestamp)
		r.Data = jr.Data
		if k := jr.KinesisRecordMetadata; k != nil {
			r.Kinesis = &KinesisMetadata{
				ShardID:           k.ShardID,
				PartitionKey:      k.PartitionKey,
				SequenceNumber:    k.SequenceNumber,
				SubsequenceNumber: k.SubsequenceNumber,
				ArrivalTime:       fromMillis(k.ApproximateArrivalTimestamp),
			}
		}
	}
	return b, nil
}

// EncodeResponse returns r as a Firehose data-transformation response;
// ErrorMessage is written as Sluice's "errorMessage" extension.
func EncodeResponse(r *Response) ([]byte, error) {
	out := jsonResponse{Records: make([]jsonResult, len(r.Records))}
	for i := range r.Records {
		res := &r.Records[i]
		jr := &out.Records[i]
		jr.RecordID = res.RecordID
		jr.Result = res.Status.String()
		if res.Status == StatusOk {
			jr.Data = res.Data
			if jr.Data == nil {
				jr.Data = []byte{}
			}
		}
		if len(res.PartitionKeys) > 0 {
			jr.Metadata = &jsonMetadata{PartitionKeys: res.PartitionKeys}
		}
		jr.ErrorMessage = res.ErrorMessage
	}
	return json.Marshal(&out)
}

// DecodeResponse parses a Firehose data-transformation response. It checks
// the form (JSON, result names, base64) but not that the response answers
// a particular batch; Module.Transform does that.
func DecodeResponse(data []byte) (*Response, error) {
	var jr jsonResponse
	if err := json.Unmarshal(data, &jr); err != nil {
		return nil, fmt.Errorf("malformed response: %w", err)
	}
	if jr.Records == nil {
		return nil, fmt.Errorf("malformed response: no \"records\" array")
	}
	resp := &Response{Records: make([]Result, len(jr.Records))}
	for i, r := range jr.Records {
		st, ok := parseStatus(r.Result)
		if !ok {
			return nil, fmt.Errorf("malformed response: record %q has result %q", r.RecordID, r.Result)
		}
		res := &resp.Records[i]
		res.RecordID = r.RecordID
		res.Status = st
		if st == StatusOk {
			res.Data = r.Data
		}
		if r.Metadata != nil && len(r.Metadata.PartitionKeys) > 0 {
			res.PartitionKeys = r.Metadata.PartitionKeys
		}
		res.ErrorMessage = r.ErrorMessage
	}
	return resp, nil
}
