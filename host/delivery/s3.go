package delivery

import (
	"context"

	"github.com/sluice-io/sluice/sinks"
	"github.com/sluice-io/sluice/sinks/s3"
)

// openS3 opens an S3-compatible destination. A PutObject that fails is
// retried by the delivery loop (with backoff, for ever), so the store
// itself tries each request once.
func openS3(_ context.Context, d *S3Dest) (sinks.ObjectStore, error) {
	return s3.New(s3.Config{
		Endpoint:        d.Endpoint,
		Bucket:          d.Bucket,
		Region:          d.Region,
		AccessKeyID:     d.AccessKeyID,
		SecretAccessKey: d.SecretAccessKey,
		PathStyle:       d.PathStyle,
	}, s3.WithMaxAttempts(1))
}
