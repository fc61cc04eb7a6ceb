package awsjson

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

// TestReadAllIsIOReadAll: reading a body into a buffer of its
// Content-Length gives what io.ReadAll gives, whether the length is right,
// short, long or unknown, and the same error when the body fails.
func TestReadAllIsIOReadAll(t *testing.T) {
	body := strings.Repeat("0123456789", 300)
	boom := errors.New("boom")
	for _, n := range []int64{-1, 0, 1, 511, 512, int64(len(body)) - 1, int64(len(body)), int64(len(body)) + 1, 10 * int64(len(body))} {
		for name, r := range map[string]func() io.Reader{
			"plain":     func() io.Reader { return strings.NewReader(body) },
			"one byte":  func() io.Reader { return iotest.OneByteReader(strings.NewReader(body)) },
			"data, err": func() io.Reader { return iotest.DataErrReader(strings.NewReader(body)) },
			"failing":   func() io.Reader { return io.MultiReader(strings.NewReader(body), iotest.ErrReader(boom)) },
		} {
			want, wantErr := io.ReadAll(r())
			got, err := readAll(r(), n)
			if !bytes.Equal(got, want) || !errors.Is(err, wantErr) && err != wantErr {
				t.Errorf("%s, length %d: %d bytes, %v; io.ReadAll %d bytes, %v", name, n, len(got), err, len(want), wantErr)
			}
		}
	}
}
