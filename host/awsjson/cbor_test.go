package awsjson

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/fxamacker/cbor/v2"

	"github.com/sluice-io/sluice/host/awscbor"
)

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.Join(strings.Fields(s), ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// jsonOnly is a streamed answer with no CBOR form.
type jsonOnly struct{}

func (jsonOnly) StreamJSON(w io.Writer) error { _, err := io.WriteString(w, `{}`); return err }

// both is a streamed answer with both forms.
type both struct{ jsonOnly }

func (both) StreamCBOR(w io.Writer) error {
	_, err := w.Write([]byte{0xa1, 0x61, 0x73, 0xf5})
	return err
}

// newCBORMux serves Test_1 over JSON and CBOR, and Other_1 over JSON only.
func newCBORMux(log *slog.Logger, opts ...Option) *Mux {
	m := NewMux(log, opts...)
	echo := Func(func(_ context.Context, in *echoIn) (*echoOut, error) {
		switch in.Name {
		case "fail":
			return nil, Errorf("ResourceNotFoundException", "no %s", in.Name)
		case "panic-free internal":
			return nil, io.ErrUnexpectedEOF
		}
		return &echoOut{Name: in.Name, At: in.At, Blob: in.Blob}, nil
	})
	m.Handle("Test_1", "Echo", echo)
	m.Handle("Test_1", "Raw", HandlerFunc(func(context.Context, []byte) (any, error) { return struct{}{}, nil }))
	m.Handle("Test_1", "JSONStream", Func(func(context.Context, *struct{}) (*jsonOnly, error) { return &jsonOnly{}, nil }))
	m.Handle("Test_1", "Stream", Func(func(context.Context, *struct{}) (*both, error) { return &both{}, nil }))
	m.Handle("Other_1", "Echo", echo)
	m.AllowCBOR("Test_1")
	return m
}

func serveCBOR(m *Mux, method, target string, body []byte) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, "/", bytes.NewReader(body))
	req.Header.Set("Content-Type", awscbor.ContentType)
	req.Header.Set("X-Amz-Target", target)
	w := httptest.NewRecorder()
	m.ServeHTTP(w, req)
	return w
}

// cborError is an error answer's body.
type cborError struct {
	Type    string `cbor:"__type"`
	Message string `cbor:"message"`
}

// TestMuxCBOR: a CBOR request is decoded into the operation's input and
// answered in CBOR, errors included, with the status JSON would get;
// targets not allowed CBOR, and handlers that cannot decode it, refuse
// it in CBOR.
func TestMuxCBOR(t *testing.T) {
	var logged bytes.Buffer
	m := newCBORMux(slog.New(slog.NewTextHandler(&logged, nil)), WithMaxBodyBytes(1024))
	// {"Name": "x", "At": 1(1515531081123), "Blob": h'6869'}, as the Java
	// SDK writes it (an indefinite-length map).
	echo := `bf 64 4e616d65 61 78 62 4174 c1 1b 00000160dcb115a3 64 426c6f62 42 6869 ff`
	cases := []struct {
		name, method, target, body string
		status                     int
		want                       string // hex of the answer, or an error type
	}{
		{"ok", "POST", "Test_1.Echo", echo, 200, `a3 64 4e616d65 61 78 62 4174 c1 1b 00000160dcb115a3 64 426c6f62 42 6869`},
		{"empty body", "POST", "Test_1.Echo", ``, 200, `a1 64 4e616d65 60`},
		{"streamed", "POST", "Test_1.Stream", `a0`, 200, `a1 61 73 f5`},
		{"aws error", "POST", "Test_1.Echo", `a1 64 4e616d65 64 6661696c`, 400, "ResourceNotFoundException"},
		{"internal", "POST", "Test_1.Echo", `a1 64 4e616d65 73 70616e69632d6672656520696e7465726e616c`, 500, TypeInternalFailure},
		{"unknown op", "POST", "Test_1.Nope", `a0`, 400, TypeUnknownOperation},
		{"bad cbor", "POST", "Test_1.Echo", `bf 64 4e616d65`, 400, TypeSerialization},
		{"json body", "POST", "Test_1.Echo", hex.EncodeToString([]byte(`{"Name":"x"}`)), 400, TypeSerialization},
		{"wrong type", "POST", "Test_1.Echo", `a1 64 426c6f62 62 6869`, 400, TypeSerialization},
		{"time out of range", "POST", "Test_1.Echo", `a1 62 4174 c1 1b 0000e677d21fdc00`, 400, TypeSerialization},
		{"not allowed CBOR", "POST", "Other_1.Echo", echo, 400, TypeSerialization},
		{"no CBOR decoder", "POST", "Test_1.Raw", `a0`, 400, TypeSerialization},
		{"streamed JSON only", "POST", "Test_1.JSONStream", `a0`, 500, TypeInternalFailure},
		{"GET", "GET", "Test_1.Echo", ``, 405, TypeMethodNotAllowed},
		{"too large", "POST", "Test_1.Echo", `a1 64 4e616d65 79 0800` + strings.Repeat("61", 2048), 413, TypeRequestTooLarge},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := serveCBOR(m, c.method, c.target, unhex(t, c.body))
			if w.Code != c.status {
				t.Fatalf("status %d, want %d: %x", w.Code, c.status, w.Body.Bytes())
			}
			if ct := w.Header().Get("Content-Type"); ct != awscbor.ContentType {
				t.Fatalf("content type %q", ct)
			}
			if c.status == 200 {
				if want := unhex(t, c.want); !bytes.Equal(w.Body.Bytes(), want) {
					t.Fatalf("answer %x, want %x", w.Body.Bytes(), want)
				}
				return
			}
			var e cborError
			if err := cbor.Unmarshal(w.Body.Bytes(), &e); err != nil || e.Type != c.want || e.Message == "" {
				t.Fatalf("error body %x (%+v, %v), want a CBOR map with __type %s and a message", w.Body.Bytes(), e, err, c.want)
			}
			if got := w.Header().Get("X-Amzn-ErrorType"); got != c.want {
				t.Errorf("X-Amzn-ErrorType %q", got)
			}
		})
	}
	if !strings.Contains(logged.String(), "an answer written as JSON only was asked for in CBOR") {
		t.Errorf("the JSON-only stream asked for in CBOR was not logged: %s", logged.String())
	}
}

// TestCBORSameMembersAsJSON: a request sent in JSON and the same request
// sent in CBOR decode into equal inputs, and their answers carry the
// same members and values (a blob as base64 in one and bytes in the
// other, a time as seconds in one and milliseconds in the other).
func TestCBORSameMembersAsJSON(t *testing.T) {
	var got []echoIn
	m := NewMux(nil)
	m.Handle("Test_1", "Echo", Func(func(_ context.Context, in *echoIn) (*echoOut, error) {
		got = append(got, *in)
		return &echoOut{Name: in.Name, At: in.At, Blob: in.Blob}, nil
	}))
	m.AllowCBOR("Test_1")
	jw := serve(m, "Test_1.Echo", strings.NewReader(`{"Name":"x","Count":7,"Blob":"aGk=","At":1515531081.123}`), -1)
	cw := serveCBOR(m, "POST", "Test_1.Echo", unhex(t, `bf 64 4e616d65 61 78 65 436f756e74 07 64 426c6f62 42 6869 62 4174 c1 1b 00000160dcb115a3 ff`))
	if jw.Code != 200 || cw.Code != 200 {
		t.Fatalf("JSON %d %s, CBOR %d %x", jw.Code, jw.Body, cw.Code, cw.Body.Bytes())
	}
	if len(got) != 2 || !reflect.DeepEqual(got[0], got[1]) {
		t.Fatalf("JSON decoded %+v, CBOR %+v", got[0], got[1])
	}
	var fromJSON, fromCBOR echoOut
	if err := Decode(jw.Body.Bytes(), &fromJSON); err != nil {
		t.Fatal(err)
	}
	if err := DecodeCBOR(cw.Body.Bytes(), &fromCBOR); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(fromJSON, fromCBOR) {
		t.Fatalf("answers differ: JSON %+v, CBOR %+v", fromJSON, fromCBOR)
	}
}

// TestTimeCBOR: timestamps go out as tag 1 around integer milliseconds
// and come in the same way, within years 1 to 9999 as in JSON.
func TestTimeCBOR(t *testing.T) {
	at := Time{time.UnixMilli(1515531081123).UTC()}
	b, err := at.MarshalCBOR()
	if err != nil || !bytes.Equal(b, unhex(t, `c1 1b 00000160dcb115a3`)) {
		t.Fatalf("MarshalCBOR: %x %v", b, err)
	}
	for _, c := range []struct {
		ms int64
		ok bool
	}{
		{253402300799000, true}, {253402300799001, false}, {-62135596800000, true}, {-62135596800001, false}, {0, true},
	} {
		var in struct {
			At *Time `json:"At"`
		}
		body := awscbor.AppendTime(awscbor.AppendText(awscbor.AppendMapHead(nil, 1), "At"), time.UnixMilli(c.ms))
		err := DecodeCBOR(body, &in)
		if (err == nil) != c.ok {
			t.Errorf("%d ms: %v, want ok %v", c.ms, err, c.ok)
			continue
		}
		if err != nil {
			var aerr *Error
			if !errors.As(err, &aerr) || aerr.Type != TypeSerialization || !strings.Contains(aerr.Message, "Field At: expected a timestamp") {
				t.Errorf("%d ms: %v", c.ms, err)
			}
			continue
		}
		if in.At.UnixMilli() != c.ms {
			t.Errorf("%d ms decoded as %v", c.ms, in.At)
		}
		if _, err := in.At.MarshalText(); err != nil {
			t.Errorf("%d ms: decoded to a time RFC 3339 cannot write: %v", c.ms, err)
		}
	}
}

// FuzzMuxCBOR serves CBOR requests with any body: no panic, no 5xx,
// every answer a CBOR map, every error a known __type with a message.
func FuzzMuxCBOR(f *testing.F) {
	m := NewMux(nil, WithMaxBodyBytes(1<<16))
	m.Handle("Test_1", "Echo", Func(func(_ context.Context, in *fuzzIn) (*fuzzIn, error) {
		if in.Name == "missing" {
			return nil, Errorf("ResourceNotFoundException", "no %s", in.Name)
		}
		return in, nil
	}))
	m.AllowCBOR("Test_1")
	for _, s := range []string{
		`bf 64 4e616d65 61 78 64 426c6f62 42 6869 62 4174 c1 1b 00000160dcb115a3 ff`,
		`a1 64 4e616d65 67 6d697373696e67`, ``, `a1 62 4174 c1 fb 7ff0000000000000`,
		`a1 67 5265636f726473 81 a2 64 44617461 41 78 63 4b6579 61 6b`,
		`a1 63 526177 83 01 a0 f6`, `a1 64 54616773 a1 61 61 61 62`,
	} {
		f.Add(unhex(f, s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		w := serveCBOR(m, "POST", "Test_1.Echo", body)
		if w.Header().Get("Content-Type") != awscbor.ContentType {
			t.Fatalf("content type %q", w.Header().Get("Content-Type"))
		}
		if w.Code == http.StatusOK {
			var v map[string]any
			if err := cbor.Unmarshal(w.Body.Bytes(), &v); err != nil {
				t.Fatalf("200 with a body that is not a CBOR map: %v: %x", err, w.Body.Bytes())
			}
			return
		}
		var e cborError
		if err := cbor.Unmarshal(w.Body.Bytes(), &e); err != nil || w.Code >= 500 || !knownTypes[e.Type] || e.Message == "" {
			t.Fatalf("answer %d %x (%+v, %v)", w.Code, w.Body.Bytes(), e, err)
		}
	})
}
