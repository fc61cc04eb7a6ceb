package kinesis

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"testing"

	"github.com/nats-io/nats.go"

	"github.com/sluice-io/sluice/host/awsjson"
)

// TestUnavailableIsServiceUnavailable: JetStream not answering (a timeout,
// no responders) is Kinesis's ServiceUnavailable (503), which
// the SDKs retry; anything else unknown stays an internal failure.
func TestUnavailableIsServiceUnavailable(t *testing.T) {
	for _, err := range []error{fmt.Errorf("put: %w", nats.ErrTimeout), fmt.Errorf("put: %w", nats.ErrNoResponders), fmt.Errorf("put: %w", context.DeadlineExceeded)} {
		var ae *awsjson.Error
		if !errors.As(awsError(err), &ae) || ae.Type != ServiceUnavailable || ae.Status != http.StatusServiceUnavailable {
			t.Errorf("%v: %v, want %s 503", err, awsError(err), ServiceUnavailable)
		}
	}
	var ae *awsjson.Error
	if errors.As(awsError(errors.New("a bug")), &ae) {
		t.Errorf("an unknown error became %s", ae.Type)
	}
}
