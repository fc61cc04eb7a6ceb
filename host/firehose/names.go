package firehose

import (
	"fmt"

	"github.com/sluice-io/sluice/host/delivery"
)

// storable reports whether the delivery manager can store a delivery
// stream of this (otherwise valid) name (delivery.KeyableName): one that
// starts or ends with '.' or holds "..", which AWS allows, cannot be. Such
// a stream cannot exist: CreateDeliveryStream refuses the name, the other
// operations answer not found, instead of an internal failure.
func storable(name string) bool { return delivery.KeyableName(name) }

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
