package modules

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// MaxNameLength is the longest module name, as for a Lambda function.
const MaxNameLength = 64

var nameRe = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// ValidateName checks a module name: 1 to 64 letters, digits, hyphens or
// underscores. It fails with ErrInvalidName.
func ValidateName(name string) error {
	if !nameRe.MatchString(name) {
		return fmt.Errorf("%w %q: use 1 to %d letters, digits, hyphens or underscores", ErrInvalidName, name, MaxNameLength)
	}
	return nil
}

// ParseRef splits "name" or "name@version" into the name and the version,
// which is 0 for "name" (meaning the newest). It fails with ErrInvalidName
// or ErrInvalidRef.
func ParseRef(ref string) (name string, version int, err error) {
	name, v, hasVersion := strings.Cut(ref, "@")
	if err := ValidateName(name); err != nil {
		return "", 0, err
	}
	if !hasVersion {
		return name, 0, nil
	}
	version, err = ParseVersion(v)
	if err != nil {
		return "", 0, fmt.Errorf("%w %q: %w", ErrInvalidRef, ref, err)
	}
	return name, version, nil
}

// ParseVersion parses a version number: a decimal integer from 1 up.
func ParseVersion(s string) (int, error) {
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || strings.TrimLeft(s, "0123456789") != "" {
		return 0, fmt.Errorf("version %q is not a whole number from 1 up", s)
	}
	return n, nil
}

// objectName is the object store name of a version: the reference itself.
func objectName(name string, version int) string {
	return name + "@" + strconv.Itoa(version)
}
