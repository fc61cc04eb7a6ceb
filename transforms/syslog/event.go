package main

// event is the Firehose data-transformation event Sluice writes to stdin.
// Data fields are base64 in JSON; encoding/json decodes them into []byte.
type event struct {
	InvocationID           string        `json:"invocationId"`
	DeliveryStreamARN      string        `json:"deliveryStreamArn"`
	Region                 string        `json:"region"`
	SourceKinesisStreamARN string        `json:"sourceKinesisStreamArn,omitempty"`
	Records                []eventRecord `json:"records"`
}

type eventRecord struct {
	RecordID                    string           `json:"recordId"`
	ApproximateArrivalTimestamp int64            `json:"approximateArrivalTimestamp"`
	Data                        []byte           `json:"data"`
	KinesisRecordMetadata       *kinesisMetadata `json:"kinesisRecordMetadata,omitempty"`
}

type kinesisMetadata struct {
	ShardID                     string `json:"shardId"`
	PartitionKey                string `json:"partitionKey"`
	ApproximateArrivalTimestamp int64  `json:"approximateArrivalTimestamp"`
	SequenceNumber              string `json:"sequenceNumber"`
	SubsequenceNumber           int64  `json:"subsequenceNumber"`
}

// response is the Firehose response Sluice reads from stdout.
type response struct {
	Records []responseRecord `json:"records"`
}

// The results of the Firehose record contract.
const (
	resultOk               = "Ok"
	resultProcessingFailed = "ProcessingFailed"
)

type responseRecord struct {
	RecordID string `json:"recordId"`
	Result   string `json:"result"`
	Data     []byte `json:"data,omitempty"`
	// ErrorMessage is Sluice's extension: why the record failed.
	ErrorMessage string `json:"errorMessage,omitempty"`
}
