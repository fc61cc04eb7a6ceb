package console

import "net/http"

// chartsPage charts the whole server over the sampler's window.
func (c *Console) chartsPage(w http.ResponseWriter, r *http.Request, se *session) {
	if !se.allowed("sluice:GetMetrics", c.arns.Any()) {
		c.denied(w, r, se, "sluice:GetMetrics", c.arns.Any())
		return
	}
	every := ""
	if c.cfg.Sampler != nil {
		every = c.cfg.Sampler.Every().String()
	}
	c.render(w, r, se, http.StatusOK, "charts", "Charts", "charts", struct {
		Every  string
		Charts []chartData
	}{every, []chartData{
		c.rateChart("Data streams: incoming records per second", "records/s", nil, streamIncoming...),
		c.gaugeChart("Data streams: iterator age (slowest reader)", "ms", 1, nil, streamAge...),
		c.rateChart("Delivery: incoming records per second", "records/s", nil, "sluice_delivery_incoming_records_total"),
		c.rateChart("Delivery: delivered records per second", "records/s", nil, "sluice_delivery_delivered_records_total"),
		c.rateChart("Delivery: error output records per second", "records/s", nil, "sluice_delivery_error_records_total"),
		c.gaugeChart("Delivery: data freshness (oldest undelivered)", "s", 1, nil, "sluice_delivery_data_freshness_seconds"),
		c.rateChart("API requests per second", "requests/s", nil, "sluice_api_requests_total"),
		c.rateChart("Transform invocations per second", "calls/s", nil, "sluice_runtime_invocations_total"),
	}})
}
