package host

import (
	"bytes"
	"io"
	"net"
	"strconv"
	"testing"
	"time"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"
)

// rawH2 is an HTTP/2 peer written frame by frame, for behaviour no
// client library shows: it opens the connection with the widest windows
// and can then stop reading its socket altogether.
type rawH2 struct {
	t  *testing.T
	fr *http2.Framer
}

// newRawH2 sends the client preface and SETTINGS on c (prior knowledge,
// no TLS), opens the flow-control windows as wide as they go, and
// acknowledges the server's SETTINGS.
func newRawH2(t *testing.T, c net.Conn) *rawH2 {
	t.Helper()
	if _, err := io.WriteString(c, http2.ClientPreface); err != nil {
		t.Fatal(err)
	}
	fr := http2.NewFramer(c, c)
	const maxWindow = 1<<31 - 1
	if err := fr.WriteSettings(http2.Setting{ID: http2.SettingInitialWindowSize, Val: maxWindow}); err != nil {
		t.Fatal(err)
	}
	if err := fr.WriteWindowUpdate(0, maxWindow-65535); err != nil {
		t.Fatal(err)
	}
	_ = c.SetReadDeadline(time.Now().Add(hangLimit))
	for {
		f, err := fr.ReadFrame()
		if err != nil {
			t.Fatalf("reading the server's SETTINGS: %v", err)
		}
		if s, ok := f.(*http2.SettingsFrame); ok && !s.IsAck() {
			break
		}
	}
	_ = c.SetReadDeadline(time.Time{})
	if err := fr.WriteSettingsAck(); err != nil {
		t.Fatal(err)
	}
	return &rawH2{t: t, fr: fr}
}

// post opens stream id with an AWS JSON request for target and sends its
// whole body.
func (p *rawH2) post(id uint32, authority, target, body string) {
	p.t.Helper()
	var hb bytes.Buffer
	enc := hpack.NewEncoder(&hb)
	for _, f := range [][2]string{
		{":method", "POST"}, {":scheme", "http"}, {":authority", authority}, {":path", "/"},
		{"x-amz-target", target}, {"content-type", "application/x-amz-json-1.1"},
		{"content-length", strconv.Itoa(len(body))},
	} {
		if err := enc.WriteField(hpack.HeaderField{Name: f[0], Value: f[1]}); err != nil {
			p.t.Fatal(err)
		}
	}
	if err := p.fr.WriteHeaders(http2.HeadersFrameParam{StreamID: id, BlockFragment: hb.Bytes(), EndHeaders: true}); err != nil {
		p.t.Fatal(err)
	}
	if err := p.fr.WriteData(id, true, []byte(body)); err != nil {
		p.t.Fatal(err)
	}
}
