package console

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"unicode/utf8"

	"github.com/sluice-io/sluice/host/delivery"
)

type deliveryRow struct {
	Name, State, Source, Destination, LastError string
	Freshness                                   string
	Delivered                                   int64
}

func sourceOf(d *delivery.Definition) string {
	if d.Source.Kind == delivery.SourceDataStream {
		return "stream " + d.Source.Stream
	}
	return "direct put"
}

func destinationOf(d *delivery.Definition) string {
	dst := d.Destination
	switch {
	case dst.Folder != nil:
		return "folder " + dst.Folder.Path
	case dst.S3 != nil:
		return "s3 " + dst.S3.Bucket
	case dst.HTTP != nil:
		// Only scheme, host and path: a query may carry a token.
		if u, err := url.Parse(dst.HTTP.URL); err == nil {
			return "http " + u.Scheme + "://" + u.Host + u.Path
		}
		return "http endpoint"
	}
	return dst.Kind
}

func (c *Console) deliveriesPage(w http.ResponseWriter, r *http.Request, se *session) {
	if !se.allowed("firehose:ListDeliveryStreams", c.arns.Any()) {
		c.denied(w, r, se, "firehose:ListDeliveryStreams", c.arns.Any())
		return
	}
	names, err := c.cfg.Delivery.List(r.Context())
	if err != nil {
		c.engineError(w, r, se, err)
		return
	}
	more := len(names) > MaxListed
	var rows []deliveryRow
	for _, n := range names[:min(len(names), MaxListed)] {
		def, st, err := c.cfg.Delivery.Describe(r.Context(), n)
		if err != nil {
			rows = append(rows, deliveryRow{Name: n, State: "?", LastError: err.Error()})
			continue
		}
		rows = append(rows, deliveryRow{Name: n, State: st.State, Source: sourceOf(def), Destination: destinationOf(def),
			LastError: st.LastError, Freshness: st.OldestUndeliveredAge.Round(1e6).String(), Delivered: st.DeliveredRecords})
	}
	c.render(w, r, se, http.StatusOK, "deliveries", "Delivery streams", "delivery", struct {
		Streams []deliveryRow
		More    bool
	}{rows, more})
}

func (c *Console) describeDelivery(w http.ResponseWriter, r *http.Request, se *session) (*delivery.Definition, delivery.Status, bool) {
	name := r.PathValue("name")
	res := c.arns.DeliveryStream(name)
	if !se.allowed("firehose:DescribeDeliveryStream", res) {
		c.denied(w, r, se, "firehose:DescribeDeliveryStream", res)
		return nil, delivery.Status{}, false
	}
	def, st, err := c.cfg.Delivery.Describe(r.Context(), name)
	if err != nil {
		c.engineError(w, r, se, err)
		return nil, delivery.Status{}, false
	}
	return def, st, true
}

func (c *Console) deliveryPage(w http.ResponseWriter, r *http.Request, se *session) {
	def, st, ok := c.describeDelivery(w, r, se)
	if !ok {
		return
	}
	// The definition as JSON, its secrets already masked by Describe.
	js, _ := json.MarshalIndent(def, "", "  ")
	m := map[string]string{"delivery_stream": def.Name}
	objects := st.RecentObjects
	// Newest first.
	rev := make([]delivery.RecentObject, len(objects))
	for i, o := range objects {
		rev[len(objects)-1-i] = o
	}
	c.render(w, r, se, http.StatusOK, "delivery", "Delivery stream "+def.Name, "delivery", struct {
		Def         *delivery.Definition
		St          delivery.Status
		Source      string
		Destination string
		Definition  string
		Objects     []delivery.RecentObject
		Incoming    chartData
		Delivered   chartData
		Errors      chartData
		Freshness   chartData
	}{def, st, sourceOf(def), destinationOf(def), string(js), rev,
		c.rateChart("Incoming records per second", "records/s", m, "sluice_delivery_incoming_records_total"),
		c.rateChart("Delivered records per second", "records/s", m, "sluice_delivery_delivered_records_total"),
		c.rateChart("Error output records per second", "records/s", m, "sluice_delivery_error_records_total"),
		c.gaugeChart("Data freshness", "s", 1, m, "sluice_delivery_data_freshness_seconds")})
}

// failedRow is a failed record as the error browser shows it: its data
// as text when it is UTF-8 (pretty when it is JSON), else base64.
type failedRow struct {
	delivery.FailedRecord
	Text   string
	Base64 bool
}

func (c *Console) errorsPage(w http.ResponseWriter, r *http.Request, se *session) {
	def, st, ok := c.describeDelivery(w, r, se)
	if !ok {
		return
	}
	kind := r.URL.Query().Get("type")
	var rows []failedRow
	kinds := map[string]int{}
	for i := len(st.RecentErrors) - 1; i >= 0; i-- {
		e := st.RecentErrors[i]
		kinds[e.OutputType]++
		if kind != "" && e.OutputType != kind {
			continue
		}
		row := failedRow{FailedRecord: e}
		switch {
		case utf8.Valid(e.Data) && json.Valid(e.Data):
			var v any
			_ = json.Unmarshal(e.Data, &v)
			b, _ := json.MarshalIndent(v, "", "  ")
			row.Text = string(b)
		case utf8.Valid(e.Data):
			row.Text = string(e.Data)
		default:
			row.Text, row.Base64 = base64.StdEncoding.EncodeToString(e.Data), true
		}
		rows = append(rows, row)
	}
	errPrefix := def.Destination.ErrorPrefix
	c.render(w, r, se, http.StatusOK, "errors", "Error output of "+def.Name, "delivery", struct {
		Name    string
		Type    string
		Kinds   map[string]int
		Rows    []failedRow
		Total   int64
		Prefix  string
		Kept    int
		Objects []delivery.RecentObject
	}{def.Name, kind, kinds, rows, st.ErrorRecords, errPrefix, delivery.RecentErrorsKept, errorObjects(st.RecentObjects)})
}

func errorObjects(objs []delivery.RecentObject) []delivery.RecentObject {
	var out []delivery.RecentObject
	for i := len(objs) - 1; i >= 0; i-- {
		if objs[i].Kind == delivery.ObjectError {
			out = append(out, objs[i])
		}
	}
	return out
}
