package rofs

import (
	"os"
	"path/filepath"
	"testing"
)

func TestNothingCanBeCreated(t *testing.T) {
	dir := Dir(t)
	if err := os.Mkdir(filepath.Join(dir, "sub"), 0o755); err == nil {
		t.Error("a directory was created in the read-only directory")
	}
	if err := os.WriteFile(filepath.Join(dir, "f"), []byte("x"), 0o644); err == nil {
		t.Error("a file was created in the read-only directory")
	}
}
