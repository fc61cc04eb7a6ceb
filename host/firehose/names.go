package firehose

import (
	"fmt"
	"strings"

	"github.com/sluice-io/sluice/host/delivery"
)

// storable reports whether the delivery manager can store a delivery
// stream of this (otherwise valid) name. host/delivery keys a definition
// "def.<name>" in its KV bucket, where '.' separates tokens and no token
// may be empty, so a name that starts or ends with '.' or holds ".."
// cannot be stored, though AWS allows it. Such a stream cannot exist:
// CreateDeliveryStream refuses the name, the other operations answer not
// found, instead of an internal failure from the store.
func storable(name string) bool {
	return !strings.HasPrefix(name, ".") && !strings.HasSuffix(name, ".") && !strings.Contains(name, "..")
}

// unstorable is CreateDeliveryStream's refusal of a name storable
// refuses.
func unstorable(name string) error {
	return invalid("DeliveryStreamName %s cannot start or end with '.' or contain '..' in Sluice.", name)
}

// checkExisting answers not found for a name no stored delivery stream can
// have (see storable); other names go on to the manager.
func checkExisting(name string) error {
	if name != "" && !storable(name) {
		return awsError(fmt.Errorf("%w: %s", delivery.ErrNotFound, name))
	}
	return nil
}
