package main

import (
	"strings"
	"testing"

	"github.com/sluice-io/sluice/host/delivery"
)

func TestForwardDestinationText(t *testing.T) {
	for _, tc := range []struct {
		d    delivery.Destination
		want string
	}{
		{delivery.Destination{Kind: delivery.DestKinesis, Kinesis: &delivery.StreamDest{Stream: "home", Endpoint: "https://hub:4566", SecretAccessKey: delivery.Mask}}, "kinesis home at https://hub:4566"},
		{delivery.Destination{Kind: delivery.DestFirehose, Firehose: &delivery.StreamDest{Stream: "logs", Region: "eu-west-1"}}, "firehose logs at AWS eu-west-1"},
	} {
		got := destinationText(tc.d)
		if got != tc.want || strings.Contains(got, delivery.Mask) {
			t.Errorf("destinationText = %q, want %q", got, tc.want)
		}
	}
}
