package console

import (
	"fmt"
	"html"
	"html/template"
	"math"
	"strings"
	"time"
)

// chartData is one chart: a title, a unit and its points (rates or
// values), drawn as an inline SVG line over the sampler's window.
type chartData struct {
	Title string
	Unit  string
	P     Points
	Found bool // a series matched
}

// svg draws the chart. Only numbers and escaped text go into it.
func (cd chartData) SVG() template.HTML {
	const w, h, left, bottom, top = 560.0, 150.0, 52.0, 20.0, 10.0
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="chart" viewBox="0 0 %g %g" role="img" aria-label="%s">`, w, h, html.EscapeString(cd.Title))
	maxV := 0.0
	n := 0
	for _, v := range cd.P.Values {
		if !math.IsNaN(v) {
			maxV = math.Max(maxV, v)
			n++
		}
	}
	if maxV == 0 {
		maxV = 1
	}
	maxV = niceCeil(maxV)
	plotW, plotH := w-left-8, h-top-bottom
	// Axes and grid.
	for i := 0; i <= 2; i++ {
		y := top + plotH*float64(i)/2
		fmt.Fprintf(&b, `<line class="grid" x1="%g" y1="%.1f" x2="%g" y2="%.1f"/>`, left, y, w-8, y)
		fmt.Fprintf(&b, `<text class="tick" x="%g" y="%.1f" text-anchor="end">%s</text>`, left-4, y+4, html.EscapeString(short(maxV*float64(2-i)/2)))
	}
	if len(cd.P.Times) > 1 {
		span := cd.P.Times[len(cd.P.Times)-1].Sub(cd.P.Times[0])
		fmt.Fprintf(&b, `<text class="tick" x="%g" y="%g">-%s</text>`, left, h-4, html.EscapeString(span.Round(time.Second).String()))
		fmt.Fprintf(&b, `<text class="tick" x="%g" y="%g" text-anchor="end">now</text>`, w-8, h-4)
	}
	if n == 0 {
		msg := "no samples yet"
		if !cd.Found {
			msg = "no such metric on this server yet"
		}
		fmt.Fprintf(&b, `<text class="empty" x="%g" y="%g" text-anchor="middle">%s</text>`, left+plotW/2, top+plotH/2, msg)
	} else {
		var path strings.Builder
		pen := false
		last := len(cd.P.Values) - 1
		for j, v := range cd.P.Values {
			if math.IsNaN(v) {
				pen = false
				continue
			}
			x := left
			if last > 0 {
				x += plotW * float64(j) / float64(last)
			}
			y := top + plotH*(1-v/maxV)
			if pen {
				fmt.Fprintf(&path, " L%.1f,%.1f", x, y)
			} else {
				fmt.Fprintf(&path, " M%.1f,%.1f", x, y)
				pen = true
			}
		}
		fmt.Fprintf(&b, `<path class="line" d="%s"/>`, strings.TrimSpace(path.String()))
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// Latest is the newest value, formatted, or "–".
func (cd chartData) Latest() string {
	if v, ok := cd.P.Last(); ok {
		return short(v)
	}
	return "–"
}

func niceCeil(v float64) float64 {
	e := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 5, 10} {
		if v <= m*e {
			return m * e
		}
	}
	return 10 * e
}

// short formats a number for a label: 3 significant digits, k and M.
func short(v float64) string {
	a := math.Abs(v)
	switch {
	case a >= 1e9:
		return trimZeros(fmt.Sprintf("%.2f", v/1e9)) + "G"
	case a >= 1e6:
		return trimZeros(fmt.Sprintf("%.2f", v/1e6)) + "M"
	case a >= 1e4:
		return trimZeros(fmt.Sprintf("%.1f", v/1e3)) + "k"
	case a >= 100 || v == math.Trunc(v):
		return fmt.Sprintf("%.0f", v)
	case a >= 1:
		return trimZeros(fmt.Sprintf("%.1f", v))
	}
	return trimZeros(fmt.Sprintf("%.3f", v))
}

func trimZeros(s string) string {
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return s
}

// rateChart is the per-second rate of a counter family summed over the
// series matching match; the first family that has any series wins (a
// per-stream family before a per-shard one).
func (c *Console) rateChart(title, unit string, match map[string]string, families ...string) chartData {
	cd := chartData{Title: title, Unit: unit}
	if c.cfg.Sampler == nil {
		return cd
	}
	for _, f := range families {
		if p, ok := c.cfg.Sampler.Query(f, match); ok {
			cd.P, cd.Found = p.Rate(), true
			return cd
		}
	}
	return cd
}

// gaugeChart is the largest value of a gauge family over the matching
// series, at each sample.
func (c *Console) gaugeChart(title, unit string, scale float64, match map[string]string, families ...string) chartData {
	cd := chartData{Title: title, Unit: unit}
	if c.cfg.Sampler == nil {
		return cd
	}
	for _, f := range families {
		if p, ok := c.cfg.Sampler.Max(f, match); ok {
			for j := range p.Values {
				p.Values[j] *= scale
			}
			cd.P, cd.Found = p, true
			return cd
		}
	}
	return cd
}

// total is the newest value of a counter family summed over the matching
// series (first family with any), and whether one was found.
func (c *Console) total(match map[string]string, families ...string) (float64, bool) {
	if c.cfg.Sampler == nil {
		return 0, false
	}
	for _, f := range families {
		if p, ok := c.cfg.Sampler.Query(f, match); ok {
			return p.Last()
		}
	}
	return 0, false
}

var funcs = template.FuncMap{
	"short": short,
	"ago": func(t time.Time) string {
		if t.IsZero() {
			return "never"
		}
		return time.Since(t).Round(time.Second).String() + " ago"
	},
	"dur": func(d time.Duration) string { return d.Round(time.Millisecond).String() },
	"utc": func(t time.Time) string {
		if t.IsZero() {
			return "–"
		}
		return t.UTC().Format("2006-01-02 15:04:05Z")
	},
}
