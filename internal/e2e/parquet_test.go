package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sluice-io/sluice/internal/parquettest"
	"github.com/sluice-io/sluice/internal/s3test"
)

// arrowRows reads a Parquet object with Apache Arrow's Go implementation
// (independent of the parquet-go writer) and returns its rows as Go values,
// timestamps as RFC 3339 text in UTC, and the compression codec of every
// column chunk.
func arrowRows(t testing.TB, key string, body []byte) ([]map[string]any, []string) {
	t.Helper()
	f := parquettest.Read(t, body)
	for _, row := range f.Rows {
		parquettest.TimesAsText(row)
	}
	return f.Rows, f.Codecs
}

// folderObjects returns every object under dir by key (slash-separated,
// relative to dir), skipping the hidden temporary files of writes in
// progress.
func folderObjects(t testing.TB, dir string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			if os.IsNotExist(err) {
				return nil
			}
			return err
		}
		if d.IsDir() || strings.HasPrefix(d.Name(), ".") {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			if os.IsNotExist(err) { // renamed over meanwhile
				return nil
			}
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		out[filepath.ToSlash(rel)] = b
		return nil
	})
	if err != nil {
		t.Fatalf("list %s: %v", dir, err)
	}
	return out
}

// s3Objects returns every object of the test bucket under prefix.
func s3Objects(t testing.TB, s3 *s3test.Server, prefix string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	for _, k := range s3.List(prefix) {
		out[k] = s3.Get(k)
	}
	return out
}
