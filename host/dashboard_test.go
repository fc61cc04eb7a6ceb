package host

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	dto "github.com/prometheus/client_model/go"
)

// dashboardFile is the Grafana dashboard the README points to.
var dashboardFile = filepath.Join("..", "examples", "grafana", "sluice.json")

// metricName finds the metric names in a PromQL expression.
var metricName = regexp.MustCompile(`\bsluice_[a-z0-9_]+`)

// checkDashboard parses the Grafana dashboard and checks that every
// metric its panels and variables query is one of fams (a scrape after
// real traffic), a histogram's _bucket, _count or _sum by its family.
func checkDashboard(t *testing.T, fams map[string]*dto.MetricFamily) {
	t.Helper()
	data, err := os.ReadFile(dashboardFile)
	if err != nil {
		t.Fatal(err)
	}
	var d struct {
		Title  string `json:"title"`
		Panels []struct {
			Title   string `json:"title"`
			Type    string `json:"type"`
			Targets []struct {
				Expr string `json:"expr"`
			} `json:"targets"`
		} `json:"panels"`
		Templating struct {
			List []struct {
				Name       string `json:"name"`
				Definition string `json:"definition"`
			} `json:"list"`
		} `json:"templating"`
	}
	if err := json.Unmarshal(data, &d); err != nil {
		t.Fatalf("%s is not valid JSON: %v", dashboardFile, err)
	}
	var exprs []string
	charts := 0
	for _, p := range d.Panels {
		if p.Type == "row" {
			continue
		}
		charts++
		if len(p.Targets) == 0 {
			t.Errorf("panel %q queries nothing", p.Title)
		}
		for _, tg := range p.Targets {
			exprs = append(exprs, tg.Expr)
		}
	}
	for _, v := range d.Templating.List {
		exprs = append(exprs, v.Definition)
	}
	if charts < 10 {
		t.Fatalf("the dashboard has %d charts", charts)
	}
	seen := map[string]bool{}
	for _, e := range exprs {
		for _, name := range metricName.FindAllString(e, -1) {
			seen[name] = true
			if fams[name] != nil {
				continue
			}
			found := false
			for _, suffix := range []string{"_bucket", "_count", "_sum"} {
				if base, ok := strings.CutSuffix(name, suffix); ok && fams[base] != nil && fams[base].GetType() == dto.MetricType_HISTOGRAM {
					found = true
				}
			}
			if !found {
				t.Errorf("the dashboard queries %s, which the server does not export (in %s)", name, e)
			}
		}
	}
	if len(seen) < 15 {
		t.Errorf("the dashboard uses only %d metrics", len(seen))
	}
}
