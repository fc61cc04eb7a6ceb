package host

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/sluice-io/sluice/host/natsd"
)

// storageMetrics are the gauges that tell whether the store takes writes
// and what its limit is.
func storageMetrics(n *natsd.Server) []prometheus.Collector {
	return []prometheus.Collector{
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "sluice_store_limit_bytes",
			Help: "JetStream's store limit (sluice serve --max-store), as resolved at start.",
		}, func() float64 { return float64(n.MaxStore()) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "sluice_store_used_bytes",
			Help: "What JetStream's file store holds now.",
		}, func() float64 { return float64(n.StoreUsed()) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "sluice_store_writable",
			Help: "1 while JetStream's store takes writes, 0 while a write error (most often a full disk) keeps it from taking any.",
		}, func() float64 {
			if n.StorageErr() != nil {
				return 0
			}
			return 1
		}),
	}
}
