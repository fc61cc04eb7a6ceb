package delivery

import (
	"context"

	"github.com/sluice-io/sluice/sinks"
	"github.com/sluice-io/sluice/sinks/s3"
)

// openS3 opens an S3-compatible destination, with its credentials
// resolved now (a reference is read here, never stored) and its
// connections through the server's egress policy. A PutObject that fails
// is retried by the delivery loop (with backoff, for ever), so the store
// itself tries each request once.
func (m *Manager) openS3(_ context.Context, d *S3Dest, at string) (sinks.ObjectStore, error) {
	// A definition stored before credentials had to be explicit fails
	// here with the rule, not the sink's words.
	if err := checkS3Credentials(d, at); err != nil {
		return nil, err
	}
	id, err := m.secret(d.AccessKeyID, d.AccessKeyIDFrom, at+".s3.accessKeyId")
	if err != nil {
		return nil, err
	}
	key, err := m.secret(d.SecretAccessKey, d.SecretAccessKeyFrom, at+".s3.secretAccessKey")
	if err != nil {
		return nil, err
	}
	return s3.New(s3.Config{
		Endpoint:           d.Endpoint,
		Bucket:             d.Bucket,
		Region:             d.Region,
		AccessKeyID:        id,
		SecretAccessKey:    key,
		AmbientCredentials: d.UseAmbientCredentials,
		PathStyle:          d.PathStyle,
	}, s3.WithMaxAttempts(1), s3.WithHTTPClient(m.client))
}
