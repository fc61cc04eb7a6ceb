package firehose

import (
	"encoding/json"

	"github.com/sluice-io/sluice/host/awsjson"
)

// Wire shapes of the Firehose API, field names as AWS spells them. Input
// shapes hold only the fields Sluice honours (or accepts with no effect,
// such as RoleARN): any other field present in a request is refused by
// unsupportedField with InvalidArgumentException naming it.

type createInput struct {
	DeliveryStreamName                   string                 `json:"DeliveryStreamName"`
	DeliveryStreamType                   string                 `json:"DeliveryStreamType"`
	DirectPutSourceConfiguration         *directPutSourceConfig `json:"DirectPutSourceConfiguration"`
	KinesisStreamSourceConfiguration     *kinesisSourceConfig   `json:"KinesisStreamSourceConfiguration"`
	ExtendedS3DestinationConfiguration   *extendedS3Config      `json:"ExtendedS3DestinationConfiguration"`
	S3DestinationConfiguration           *s3Config              `json:"S3DestinationConfiguration"`
	HttpEndpointDestinationConfiguration *httpEndpointConfig    `json:"HttpEndpointDestinationConfiguration"`
	Tags                                 []tagIn                `json:"Tags"`
	// DeliveryStreamEncryptionConfigurationInput is taken when the server
	// encrypts at rest (see Config.EncryptedAtRest).
	DeliveryStreamEncryptionConfigurationInput *encryptionConfigInput `json:"DeliveryStreamEncryptionConfigurationInput"`
}

type directPutSourceConfig struct {
	ThroughputHintInMBs *int32 `json:"ThroughputHintInMBs"`
}

type kinesisSourceConfig struct {
	KinesisStreamARN string `json:"KinesisStreamARN"`
	RoleARN          string `json:"RoleARN"`
}

type bufferingHints struct {
	SizeInMBs         *int32 `json:"SizeInMBs"`
	IntervalInSeconds *int32 `json:"IntervalInSeconds"`
}

type cloudWatchLoggingOptions struct {
	Enabled       *bool  `json:"Enabled"`
	LogGroupName  string `json:"LogGroupName"`
	LogStreamName string `json:"LogStreamName"`
}

type encryptionConfiguration struct {
	NoEncryptionConfig string `json:"NoEncryptionConfig"`
}

// s3Config is S3DestinationConfiguration: the S3 part every S3 destination
// shares, also the failed-data store of an HTTP endpoint and a backup.
type s3Config struct {
	BucketARN                string                    `json:"BucketARN"`
	RoleARN                  string                    `json:"RoleARN"`
	Prefix                   *string                   `json:"Prefix"`
	ErrorOutputPrefix        *string                   `json:"ErrorOutputPrefix"`
	BufferingHints           *bufferingHints           `json:"BufferingHints"`
	CompressionFormat        string                    `json:"CompressionFormat"`
	EncryptionConfiguration  *encryptionConfiguration  `json:"EncryptionConfiguration"`
	CloudWatchLoggingOptions *cloudWatchLoggingOptions `json:"CloudWatchLoggingOptions"`
}

type extendedS3Config struct {
	s3Config
	ProcessingConfiguration           *processingConfig          `json:"ProcessingConfiguration"`
	DataFormatConversionConfiguration *json.RawMessage           `json:"DataFormatConversionConfiguration"`
	DynamicPartitioningConfiguration  *dynamicPartitioningConfig `json:"DynamicPartitioningConfiguration"`
	S3BackupMode                      string                     `json:"S3BackupMode"`
	S3BackupConfiguration             *s3Config                  `json:"S3BackupConfiguration"`
}

type processingConfig struct {
	Enabled    *bool       `json:"Enabled"`
	Processors []processor `json:"Processors"`
}

type processor struct {
	Type       string               `json:"Type"`
	Parameters []processorParameter `json:"Parameters"`
}

type processorParameter struct {
	ParameterName  string `json:"ParameterName"`
	ParameterValue string `json:"ParameterValue"`
}

type retryOptions struct {
	DurationInSeconds *int32 `json:"DurationInSeconds"`
}

type dynamicPartitioningConfig struct {
	Enabled      *bool         `json:"Enabled"`
	RetryOptions *retryOptions `json:"RetryOptions"`
}

type httpEndpointConfig struct {
	EndpointConfiguration    *endpointConfig           `json:"EndpointConfiguration"`
	RequestConfiguration     *requestConfig            `json:"RequestConfiguration"`
	RetryOptions             *retryOptions             `json:"RetryOptions"`
	BufferingHints           *bufferingHints           `json:"BufferingHints"`
	ProcessingConfiguration  *processingConfig         `json:"ProcessingConfiguration"`
	S3BackupMode             string                    `json:"S3BackupMode"`
	S3Configuration          *s3Config                 `json:"S3Configuration"`
	RoleARN                  string                    `json:"RoleARN"`
	CloudWatchLoggingOptions *cloudWatchLoggingOptions `json:"CloudWatchLoggingOptions"`
}

type endpointConfig struct {
	Url       string `json:"Url"`
	Name      string `json:"Name,omitempty"`
	AccessKey string `json:"AccessKey,omitempty"`
}

type requestConfig struct {
	ContentEncoding  string            `json:"ContentEncoding,omitempty"`
	CommonAttributes []commonAttribute `json:"CommonAttributes,omitempty"`
}

type commonAttribute struct {
	AttributeName  string `json:"AttributeName"`
	AttributeValue string `json:"AttributeValue"`
}

type createOutput struct {
	DeliveryStreamARN string `json:"DeliveryStreamARN"`
}

type deliveryStreamRef struct {
	DeliveryStreamName string `json:"DeliveryStreamName"`
}

type deleteInput struct {
	DeliveryStreamName string `json:"DeliveryStreamName"`
	AllowForceDelete   *bool  `json:"AllowForceDelete"`
}

type describeInput struct {
	DeliveryStreamName          string `json:"DeliveryStreamName"`
	Limit                       *int32 `json:"Limit"`
	ExclusiveStartDestinationId string `json:"ExclusiveStartDestinationId"`
}

type listInput struct {
	Limit                            *int32 `json:"Limit"`
	DeliveryStreamType               string `json:"DeliveryStreamType"`
	ExclusiveStartDeliveryStreamName string `json:"ExclusiveStartDeliveryStreamName"`
}

type listOutput struct {
	DeliveryStreamNames    []string `json:"DeliveryStreamNames"`
	HasMoreDeliveryStreams bool     `json:"HasMoreDeliveryStreams"`
}

type record struct {
	Data []byte `json:"Data"`
}

type putRecordInput struct {
	DeliveryStreamName string  `json:"DeliveryStreamName"`
	Record             *record `json:"Record"`
}

type putRecordOutput struct {
	RecordId  string `json:"RecordId"`
	Encrypted bool   `json:"Encrypted"`
}

type putRecordBatchInput struct {
	DeliveryStreamName string    `json:"DeliveryStreamName"`
	Records            []*record `json:"Records"`
}

type putRecordBatchEntry struct {
	RecordId     string `json:"RecordId,omitempty"`
	ErrorCode    string `json:"ErrorCode,omitempty"`
	ErrorMessage string `json:"ErrorMessage,omitempty"`
}

type putRecordBatchOutput struct {
	FailedPutCount   int                   `json:"FailedPutCount"`
	Encrypted        bool                  `json:"Encrypted"`
	RequestResponses []putRecordBatchEntry `json:"RequestResponses"`
}

// Description shapes (DescribeDeliveryStream's answer).

type describeOutput struct {
	DeliveryStreamDescription deliveryStreamDescription `json:"DeliveryStreamDescription"`
}

type deliveryStreamDescription struct {
	DeliveryStreamName   string              `json:"DeliveryStreamName"`
	DeliveryStreamARN    string              `json:"DeliveryStreamARN"`
	DeliveryStreamStatus string              `json:"DeliveryStreamStatus"`
	FailureDescription   *failureDescription `json:"FailureDescription,omitempty"`
	// DeliveryStreamEncryptionConfiguration is the server's encryption.
	DeliveryStreamEncryptionConfiguration *encryptionConfigOut     `json:"DeliveryStreamEncryptionConfiguration,omitempty"`
	DeliveryStreamType                    string                   `json:"DeliveryStreamType"`
	VersionId                             string                   `json:"VersionId"`
	CreateTimestamp                       *awsjson.Time            `json:"CreateTimestamp,omitempty"`
	LastUpdateTimestamp                   *awsjson.Time            `json:"LastUpdateTimestamp,omitempty"`
	Source                                *sourceDescription       `json:"Source,omitempty"`
	Destinations                          []destinationDescription `json:"Destinations"`
	HasMoreDestinations                   bool                     `json:"HasMoreDestinations"`
}

// failureDescription is Firehose's FailureDescription.
type failureDescription struct {
	Type    string `json:"Type"`
	Details string `json:"Details"`
}

type sourceDescription struct {
	DirectPutSourceDescription     *struct{}                 `json:"DirectPutSourceDescription,omitempty"`
	KinesisStreamSourceDescription *kinesisSourceDescription `json:"KinesisStreamSourceDescription,omitempty"`
}

type kinesisSourceDescription struct {
	KinesisStreamARN       string        `json:"KinesisStreamARN"`
	DeliveryStartTimestamp *awsjson.Time `json:"DeliveryStartTimestamp,omitempty"`
}

type destinationDescription struct {
	DestinationId                      string                   `json:"DestinationId"`
	ExtendedS3DestinationDescription   *extendedS3Description   `json:"ExtendedS3DestinationDescription,omitempty"`
	HttpEndpointDestinationDescription *httpEndpointDescription `json:"HttpEndpointDestinationDescription,omitempty"`
}

type bufferingHintsOut struct {
	SizeInMBs         int `json:"SizeInMBs"`
	IntervalInSeconds int `json:"IntervalInSeconds"`
}

type s3Description struct {
	BucketARN         string            `json:"BucketARN"`
	Prefix            string            `json:"Prefix,omitempty"`
	ErrorOutputPrefix string            `json:"ErrorOutputPrefix,omitempty"`
	BufferingHints    bufferingHintsOut `json:"BufferingHints"`
	CompressionFormat string            `json:"CompressionFormat"`
}

type extendedS3Description struct {
	s3Description
	ProcessingConfiguration           *processingConfigOut     `json:"ProcessingConfiguration,omitempty"`
	DataFormatConversionConfiguration *dataFormatConversionOut `json:"DataFormatConversionConfiguration,omitempty"`
	DynamicPartitioningConfiguration  *dynamicPartitioningOut  `json:"DynamicPartitioningConfiguration,omitempty"`
	S3BackupMode                      string                   `json:"S3BackupMode"`
	S3BackupDescription               *s3Description           `json:"S3BackupDescription,omitempty"`
}

type processingConfigOut struct {
	Enabled    bool        `json:"Enabled"`
	Processors []processor `json:"Processors"`
}

type dynamicPartitioningOut struct {
	Enabled bool `json:"Enabled"`
}

type dataFormatConversionOut struct {
	Enabled                   bool            `json:"Enabled"`
	InputFormatConfiguration  inputFormatOut  `json:"InputFormatConfiguration"`
	OutputFormatConfiguration outputFormatOut `json:"OutputFormatConfiguration"`
}

type inputFormatOut struct {
	Deserializer struct {
		OpenXJsonSerDe struct{} `json:"OpenXJsonSerDe"`
	} `json:"Deserializer"`
}

type outputFormatOut struct {
	Serializer struct {
		ParquetSerDe struct {
			Compression string `json:"Compression"`
		} `json:"ParquetSerDe"`
	} `json:"Serializer"`
}

type httpEndpointDescription struct {
	EndpointConfiguration    endpointDescription  `json:"EndpointConfiguration"`
	RequestConfiguration     *requestConfig       `json:"RequestConfiguration,omitempty"`
	RetryOptions             retryOptionsOut      `json:"RetryOptions"`
	BufferingHints           bufferingHintsOut    `json:"BufferingHints"`
	ProcessingConfiguration  *processingConfigOut `json:"ProcessingConfiguration,omitempty"`
	S3BackupMode             string               `json:"S3BackupMode"`
	S3DestinationDescription *s3Description       `json:"S3DestinationDescription,omitempty"`
}

// endpointDescription is HttpEndpointDescription: AWS never shows the
// access key back.
type endpointDescription struct {
	Url  string `json:"Url"`
	Name string `json:"Name,omitempty"`
}

type retryOptionsOut struct {
	DurationInSeconds int `json:"DurationInSeconds"`
}
