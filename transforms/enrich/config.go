package main

import (
	"errors"
	"fmt"

	"github.com/sluice-io/sluice/sdk/go/jsonpath"
)

// What to do with a record whose key is not in the table.
const (
	missingKeep = "keep"
	missingFail = "fail"
	missingDrop = "drop"
)

// defaultOnMissing passes a record whose key is not in the table on unchanged.
const defaultOnMissing = missingKeep

// config is the transform's parameters, parsed.
type config struct {
	bucket    string
	keyField  jsonpath.Path
	target    jsonpath.Path
	onMissing string
}

// configFromParams reads and checks the parameters through param
// (transform.Param in the module, a map in tests).
func configFromParams(param func(string) string) (config, error) {
	var cfg config
	var errs []error
	if cfg.bucket = param("BUCKET"); cfg.bucket == "" {
		errs = append(errs, errors.New("BUCKET is required"))
	}
	var err error
	if k := param("KEY_FIELD"); k == "" {
		errs = append(errs, errors.New("KEY_FIELD is required"))
	} else if cfg.keyField, err = jsonpath.Parse(k); err != nil {
		errs = append(errs, fmt.Errorf("KEY_FIELD: %w", err))
	}
	if tf := param("TARGET_FIELD"); tf == "" {
		errs = append(errs, errors.New("TARGET_FIELD is required"))
	} else if cfg.target, err = jsonpath.Parse(tf); err != nil {
		errs = append(errs, fmt.Errorf("TARGET_FIELD: %w", err))
	}
	switch cfg.onMissing = param("ON_MISSING"); cfg.onMissing {
	case "":
		cfg.onMissing = defaultOnMissing
	case missingKeep, missingFail, missingDrop:
	default:
		errs = append(errs, fmt.Errorf("ON_MISSING is %q; want keep, fail or drop", cfg.onMissing))
	}
	return cfg, errors.Join(errs...)
}
