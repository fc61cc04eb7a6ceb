package kinesisdest

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/firehose"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
)

// Kind is the API a Client puts records with.
type Kind string

// Kinds.
const (
	// Kinesis puts to a Kinesis data stream with PutRecords.
	Kinesis Kind = "kinesis"
	// Firehose puts to a Firehose delivery stream with PutRecordBatch.
	Firehose Kind = "firehose"
)

// AWS's limits on one call and one record (they cannot be raised on AWS;
// a Sluice target enforces the same ones).
const (
	// MaxCallRecords is the most records of one PutRecords or
	// PutRecordBatch call.
	MaxCallRecords = 500
	// MaxKinesisCallBytes bounds one PutRecords call: data and partition
	// keys.
	MaxKinesisCallBytes = 5 << 20
	// MaxKinesisRecordBytes bounds one Kinesis record: its data and its
	// partition key.
	MaxKinesisRecordBytes = 1 << 20
	// MaxPartitionKeyChars is the longest partition key, in Unicode
	// characters; the shortest is 1.
	MaxPartitionKeyChars = 256
	// MaxFirehoseCallBytes bounds the data of one PutRecordBatch call.
	MaxFirehoseCallBytes = 4 << 20
	// MaxFirehoseRecordBytes bounds one Firehose record's data (1,000 KiB).
	MaxFirehoseRecordBytes = 1000 << 10
)

// Defaults.
const (
	// DefaultRegion is used when Config.Region is empty and the stream is
	// not an ARN.
	DefaultRegion = "us-east-1"
	// DefaultInitialBackoff and DefaultMaxBackoff bound the wait between
	// attempts.
	DefaultInitialBackoff = time.Second
	DefaultMaxBackoff     = 30 * time.Second
	// DefaultCallTimeout bounds one call, answer included.
	DefaultCallTimeout = 60 * time.Second
)

// ErrNoCredentials: a Config with no keys that does not ask for the
// ambient credentials.
var ErrNoCredentials = errors.New("kinesisdest: no credentials: give an access key id and secret access key, or ask for the ambient credentials")

// Config names the stream records go to. The delivery definition's
// StreamDest maps onto it field by field.
type Config struct {
	Kind Kind
	// Endpoint is the API's base URL ("http://hub:4566"); empty means AWS
	// in Region.
	Endpoint string
	// Region signs the requests and picks AWS's endpoint; empty means the
	// stream ARN's region, else DefaultRegion.
	Region string
	// Stream is the data stream's or delivery stream's name, or its ARN
	// (arn:aws:kinesis:REGION:ACCOUNT:stream/NAME,
	// arn:aws:firehose:REGION:ACCOUNT:deliverystream/NAME): the name is
	// sent, and the ARN's region is the default Region.
	Stream string
	// AccessKeyID and SecretAccessKey are static credentials.
	AccessKeyID, SecretAccessKey, SessionToken string
	// AmbientCredentials uses the SDK's default chain (environment,
	// shared files, instance or task role) instead of static keys. It
	// must be asked for: a Config with neither is refused.
	AmbientCredentials bool
}

// Record is one record to put. PartitionKey is required for Kinesis and
// ignored by Firehose; ExplicitHashKey (a decimal 128-bit number) is
// Kinesis's optional override of the key's hash.
type Record struct {
	Data            []byte
	PartitionKey    string
	ExplicitHashKey string
}

// Client puts records to one stream. It is safe for concurrent use.
type Client struct {
	cfg      Config
	name     string // the stream's name
	kinesis  *kinesis.Client
	firehose *firehose.Client
	initial  time.Duration
	max      time.Duration
	timeout  time.Duration
}

type options struct {
	httpClient *http.Client
	initial    time.Duration
	max        time.Duration
	timeout    time.Duration
}

// Option configures a Client.
type Option func(*options) error

// WithHTTPClient sets the HTTP client the SDK uses (the server's egress
// policy's, for one).
func WithHTTPClient(c *http.Client) Option {
	return func(o *options) error {
		if c == nil {
			return errors.New("kinesisdest: nil HTTP client")
		}
		o.httpClient = c
		return nil
	}
}

// WithBackoff sets the first wait between attempts and its cap.
func WithBackoff(initial, max time.Duration) Option {
	return func(o *options) error {
		if initial <= 0 || max < initial {
			return fmt.Errorf("kinesisdest: backoff %v..%v: want 0 < initial <= max", initial, max)
		}
		o.initial, o.max = initial, max
		return nil
	}
}

// WithCallTimeout bounds one call.
func WithCallTimeout(d time.Duration) Option {
	return func(o *options) error {
		if d <= 0 {
			return fmt.Errorf("kinesisdest: call timeout %v <= 0", d)
		}
		o.timeout = d
		return nil
	}
}

// New returns a Client for cfg. It does not contact the stream.
func New(cfg Config, opts ...Option) (*Client, error) {
	o := options{initial: DefaultInitialBackoff, max: DefaultMaxBackoff, timeout: DefaultCallTimeout}
	for _, opt := range opts {
		if err := opt(&o); err != nil {
			return nil, err
		}
	}
	if cfg.Kind != Kinesis && cfg.Kind != Firehose {
		return nil, fmt.Errorf("kinesisdest: kind %q must be %s or %s", cfg.Kind, Kinesis, Firehose)
	}
	name, region, err := ParseStream(cfg.Kind, cfg.Stream)
	if err != nil {
		return nil, err
	}
	if cfg.Region == "" {
		cfg.Region = region
	}
	if cfg.Region == "" {
		cfg.Region = DefaultRegion
	}
	if cfg.Endpoint != "" {
		u, err := url.Parse(cfg.Endpoint)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil {
			return nil, fmt.Errorf("kinesisdest: endpoint %q is not an http(s) URL without credentials", redactURL(cfg.Endpoint))
		}
	}
	if (cfg.AccessKeyID == "") != (cfg.SecretAccessKey == "") {
		return nil, errors.New("kinesisdest: give both access key id and secret access key, or neither")
	}
	var creds aws.CredentialsProvider
	switch {
	case cfg.AccessKeyID == "" && !cfg.AmbientCredentials:
		return nil, ErrNoCredentials
	case cfg.AccessKeyID != "" && cfg.AmbientCredentials:
		return nil, errors.New("kinesisdest: static keys and ambient credentials exclude each other")
	case cfg.AccessKeyID != "":
		creds = credentials.NewStaticCredentialsProvider(cfg.AccessKeyID, cfg.SecretAccessKey, cfg.SessionToken)
	default:
		// The default chain reads the environment and files now; the
		// credentials themselves are fetched on the first request.
		ac, err := config.LoadDefaultConfig(context.Background(), config.WithRegion(cfg.Region))
		if err != nil {
			return nil, fmt.Errorf("kinesisdest: default credentials: %w", err)
		}
		creds = ac.Credentials
	}
	c := &Client{cfg: cfg, name: name, initial: o.initial, max: o.max, timeout: o.timeout}
	var base *string
	if cfg.Endpoint != "" {
		base = aws.String(cfg.Endpoint)
	}
	// The SDK tries each call once: Deliver retries, only the records that
	// failed, with its own backoff.
	switch cfg.Kind {
	case Kinesis:
		ko := kinesis.Options{Region: cfg.Region, Credentials: creds, BaseEndpoint: base, RetryMaxAttempts: 1}
		if o.httpClient != nil {
			ko.HTTPClient = o.httpClient
		}
		c.kinesis = kinesis.New(ko)
	case Firehose:
		fo := firehose.Options{Region: cfg.Region, Credentials: creds, BaseEndpoint: base, RetryMaxAttempts: 1}
		if o.httpClient != nil {
			fo.HTTPClient = o.httpClient
		}
		c.firehose = firehose.New(fo)
	}
	return c, nil
}

// String names the destination for logs and errors (never a credential).
func (c *Client) String() string {
	what := "kinesis stream"
	if c.cfg.Kind == Firehose {
		what = "firehose delivery stream"
	}
	if c.cfg.Endpoint == "" {
		return fmt.Sprintf("%s %s (AWS %s)", what, c.name, c.cfg.Region)
	}
	return fmt.Sprintf("%s %s at %s", what, c.name, c.cfg.Endpoint)
}

// Endpoint is the base URL the client connects to: the configured one, or
// AWS's for the kind and region.
func (c *Client) Endpoint() string { return EndpointURL(c.cfg.Kind, c.cfg.Endpoint, c.cfg.Region) }

// EndpointURL is the base URL a destination of kind connects to: endpoint
// when not empty, else AWS's in region.
func EndpointURL(kind Kind, endpoint, region string) string {
	if endpoint != "" {
		return endpoint
	}
	if region == "" {
		region = DefaultRegion
	}
	return "https://" + string(kind) + "." + region + ".amazonaws.com"
}

// ParseStream checks a stream's name or ARN for kind and returns its name
// and, for an ARN, its region. Names follow AWS's rules: 1 to 128
// characters for a data stream, 1 to 64 for a delivery stream, from
// [a-zA-Z0-9_.-].
func ParseStream(kind Kind, s string) (name, region string, err error) {
	maxLen, resource := 128, "stream/"
	if kind == Firehose {
		maxLen, resource = 64, "deliverystream/"
	}
	name = s
	if strings.HasPrefix(s, "arn:") {
		// arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE
		parts := strings.SplitN(s, ":", 6)
		if len(parts) != 6 || parts[2] != string(kind) || !strings.HasPrefix(parts[5], resource) {
			return "", "", fmt.Errorf("kinesisdest: %q is not a %s ARN (arn:aws:%s:REGION:ACCOUNT:%sNAME)", s, kind, kind, resource)
		}
		name, region = strings.TrimPrefix(parts[5], resource), parts[3]
	}
	if len(name) < 1 || len(name) > maxLen {
		return "", "", fmt.Errorf("kinesisdest: stream name %q must have 1 to %d characters", name, maxLen)
	}
	for i := 0; i < len(name); i++ {
		if c := name[i]; !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '.' || c == '-') {
			return "", "", fmt.Errorf("kinesisdest: stream name %q must match [a-zA-Z0-9_.-]+", name)
		}
	}
	return name, region, nil
}

// CheckPartitionKey refuses a partition key Kinesis does not take: empty or
// over MaxPartitionKeyChars characters, or not UTF-8.
func CheckPartitionKey(k string) error {
	if !utf8.ValidString(k) {
		return errors.New("partition key is not UTF-8")
	}
	if n := utf8.RuneCountInString(k); n < 1 || n > MaxPartitionKeyChars {
		return fmt.Errorf("partition key has %d characters; Kinesis takes 1 to %d", n, MaxPartitionKeyChars)
	}
	return nil
}

// redactURL hides a password in a URL.
func redactURL(raw string) string {
	if u, err := url.Parse(raw); err == nil {
		return u.Redacted()
	}
	return "(unparseable URL)"
}
