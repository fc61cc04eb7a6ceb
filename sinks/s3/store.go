package s3

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/sluice-io/sluice/sinks"
)

// Defaults.
const (
	// DefaultRegion is used when Config.Region is empty.
	DefaultRegion = "us-east-1"
	// DefaultMaxAttempts is how many times the SDK tries one PutObject
	// (with its own short backoff) before Put returns; the delivery engine
	// retries further with its own backoff.
	DefaultMaxAttempts = 3
)

// Config says where objects go. The delivery definition's S3Dest maps onto
// it field by field.
type Config struct {
	// Endpoint is the S3 API's base URL ("http://127.0.0.1:7070"); empty
	// means AWS S3 for Region.
	Endpoint string
	Bucket   string
	// Region; empty means DefaultRegion.
	Region string
	// AccessKeyID and SecretAccessKey are static credentials.
	AccessKeyID     string
	SecretAccessKey string
	SessionToken    string
	// AmbientCredentials uses the SDK's default chain (the environment,
	// the shared files, an instance or task role) instead of static keys.
	// It must be asked for: a Config with neither keys nor it is refused,
	// so a destination never signs with the host's own credentials by
	// accident.
	AmbientCredentials bool
	// PathStyle addresses the bucket as ENDPOINT/BUCKET/KEY rather than
	// BUCKET.ENDPOINT/KEY; most self-hosted servers need it.
	PathStyle bool
}

// ErrNoCredentials: a Config with no keys that does not ask for the
// ambient credentials.
var ErrNoCredentials = errors.New("s3: no credentials: give an access key id and secret access key, or ask for the ambient credentials")

// Store puts objects into one bucket.
type Store struct {
	cfg    Config
	client *s3.Client
}

var (
	_ sinks.ObjectStore = (*Store)(nil)
	_ sinks.KeyChecker  = (*Store)(nil)
)

// MaxKeyBytes is the longest object key S3 takes (UTF-8 bytes).
const MaxKeyBytes = 1024

// CheckKey refuses, permanently, a key S3 can never hold: empty, longer
// than MaxKeyBytes, or not UTF-8.
func (s *Store) CheckKey(key string) error {
	switch {
	case key == "":
		return sinks.Permanent(&Error{Bucket: s.cfg.Bucket, Err: errors.New("empty key")})
	case len(key) > MaxKeyBytes:
		return sinks.Permanent(&Error{Bucket: s.cfg.Bucket, Key: key[:64] + "...", Code: "KeyTooLongError",
			Err: fmt.Errorf("key is %d bytes; S3 allows %d", len(key), MaxKeyBytes)})
	case !utf8.ValidString(key):
		return sinks.Permanent(&Error{Bucket: s.cfg.Bucket, Key: key, Err: errors.New("key is not UTF-8")})
	}
	return nil
}

type options struct {
	httpClient  *http.Client
	maxAttempts int
}

// Option configures a Store.
type Option func(*options) error

// WithHTTPClient sets the HTTP client the SDK uses.
func WithHTTPClient(c *http.Client) Option {
	return func(o *options) error {
		if c == nil {
			return errors.New("s3: nil HTTP client")
		}
		o.httpClient = c
		return nil
	}
}

// WithMaxAttempts sets how many times the SDK tries one PutObject (>= 1).
func WithMaxAttempts(n int) Option {
	return func(o *options) error {
		if n < 1 {
			return fmt.Errorf("s3: max attempts %d < 1", n)
		}
		o.maxAttempts = n
		return nil
	}
}

// New returns a Store for cfg. It does not contact the server.
func New(cfg Config, opts ...Option) (*Store, error) {
	o := options{maxAttempts: DefaultMaxAttempts}
	for _, opt := range opts {
		if err := opt(&o); err != nil {
			return nil, err
		}
	}
	if cfg.Bucket == "" {
		return nil, errors.New("s3: empty bucket")
	}
	if cfg.Endpoint != "" {
		u, err := url.Parse(cfg.Endpoint)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("s3: endpoint %q is not an http(s) URL", cfg.Endpoint)
		}
	}
	if (cfg.AccessKeyID == "") != (cfg.SecretAccessKey == "") {
		return nil, errors.New("s3: give both access key id and secret access key, or neither")
	}
	switch {
	case cfg.AccessKeyID == "" && !cfg.AmbientCredentials:
		return nil, ErrNoCredentials
	case cfg.AccessKeyID != "" && cfg.AmbientCredentials:
		return nil, errors.New("s3: static keys and ambient credentials exclude each other")
	}
	if cfg.Region == "" {
		cfg.Region = DefaultRegion
	}
	so := s3.Options{
		Region:           cfg.Region,
		UsePathStyle:     cfg.PathStyle,
		RetryMaxAttempts: o.maxAttempts,
	}
	if cfg.Endpoint != "" {
		so.BaseEndpoint = aws.String(cfg.Endpoint)
	}
	if o.httpClient != nil {
		so.HTTPClient = o.httpClient
	}
	if cfg.AccessKeyID != "" {
		so.Credentials = credentials.NewStaticCredentialsProvider(cfg.AccessKeyID, cfg.SecretAccessKey, cfg.SessionToken)
	} else {
		// Loading the default chain reads the environment and files only;
		// credentials are fetched lazily on the first request.
		ac, err := config.LoadDefaultConfig(context.Background(), config.WithRegion(cfg.Region))
		if err != nil {
			return nil, fmt.Errorf("s3: default credentials: %w", err)
		}
		so.Credentials = ac.Credentials
	}
	return &Store{cfg: cfg, client: s3.New(so)}, nil
}

// String names the store for logs.
func (s *Store) String() string {
	if s.cfg.Endpoint == "" {
		return fmt.Sprintf("s3://%s (AWS %s)", s.cfg.Bucket, s.cfg.Region)
	}
	return fmt.Sprintf("s3://%s at %s", s.cfg.Bucket, s.cfg.Endpoint)
}

// Client is the underlying SDK client (for listing and reading back).
func (s *Store) Client() *s3.Client { return s.client }

// Put uploads obj in one PutObject with its Content-MD5 and returns once
// the server has stored it. Failures are *Error.
func (s *Store) Put(ctx context.Context, obj sinks.Object) error {
	if err := s.CheckKey(obj.Key); err != nil {
		return err
	}
	sum := md5.Sum(obj.Body)
	in := &s3.PutObjectInput{
		Bucket:        aws.String(s.cfg.Bucket),
		Key:           aws.String(obj.Key),
		Body:          bytes.NewReader(obj.Body),
		ContentLength: aws.Int64(int64(len(obj.Body))),
		ContentMD5:    aws.String(base64.StdEncoding.EncodeToString(sum[:])),
	}
	if obj.ContentType != "" {
		in.ContentType = aws.String(obj.ContentType)
	}
	if obj.ContentEncoding != "" {
		in.ContentEncoding = aws.String(obj.ContentEncoding)
	}
	if _, err := s.client.PutObject(ctx, in); err != nil {
		return classify(ctx, s.cfg.Bucket, obj.Key, err)
	}
	return nil
}
