package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// configFlag names the serve flag that reads the others from a file.
const configFlag = "config"

// maxConfigBytes bounds a config file: a full one is a few KiB.
const maxConfigBytes = 1 << 20

// secretAnnotation marks a serve flag whose value is a secret itself (not
// the name of a file holding one): a config file that sets it must not be
// readable by every user, and its value is never echoed in an error.
const secretAnnotation = "sluice/secret"

// markSecret annotates the named flags of f with secretAnnotation.
func markSecret(f *pflag.FlagSet, names ...string) {
	for _, n := range names {
		if err := f.SetAnnotation(n, secretAnnotation, []string{"true"}); err != nil {
			panic(err) // a flag name misspelt in the source
		}
	}
}

// applyConfigFile reads `sluice serve --config FILE`: one `key = value`
// a line, where every key is the name of one of cmd's own flags and the
// value is what the flag would take on the command line (set through the
// flag itself, so a file and the command line cannot disagree). A flag
// given on the command line wins over the file. Blank lines and lines
// starting with # are skipped; a value may be double-quoted (Go syntax),
// which is how an empty one is written; a bool key alone means true. A
// key of a flag that takes a list may repeat, and adds to the list as a
// repeated flag does; any other key may appear once. An unknown key is an
// error naming it.
func applyConfigFile(cmd *cobra.Command, path string) error {
	if path == "" {
		return nil
	}
	own := cmd.LocalFlags()
	fs := cmd.Flags()
	onCommandLine := map[string]bool{}
	fs.Visit(func(f *pflag.Flag) { onCommandLine[f.Name] = true })

	file, err := os.Open(path)
	if err != nil {
		return usageErr("--%s: %v", configFlag, err)
	}
	defer file.Close()
	b, err := io.ReadAll(io.LimitReader(file, maxConfigBytes+1))
	if err != nil {
		return fmt.Errorf("--%s: %w", configFlag, err)
	}
	if len(b) > maxConfigBytes {
		return usageErr("--%s: %s is over %d bytes: not a config file", configFlag, path, maxConfigBytes)
	}
	othersRead := false
	if fi, err := file.Stat(); err == nil {
		othersRead = fi.Mode().Perm()&0o004 != 0
	}

	seen := map[string]int{}
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 0, 64<<10), maxConfigBytes)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		at := fmt.Sprintf("%s:%d", path, n)
		key, value, hasValue := strings.Cut(line, "=")
		key = strings.TrimSpace(key)
		f := own.Lookup(key)
		if key == configFlag {
			return usageErr("%s: %s cannot be set in a config file", at, configFlag)
		}
		if f == nil || key == "help" {
			return usageErr("%s: unknown key %q: the keys are the names of the flags of sluice serve (sluice serve --help)", at, key)
		}
		secret := len(f.Annotations[secretAnnotation]) > 0
		if secret && othersRead {
			return usageErr("%s: %s is a secret, and every user can read %s: chmod o-r it (or give the secret in the environment)", at, key, path)
		}
		value = strings.TrimSpace(value)
		switch {
		case !hasValue && f.NoOptDefVal != "":
			value = f.NoOptDefVal
		case !hasValue:
			return usageErr("%s: %s needs a value: %s = VALUE", at, key, key)
		case strings.HasPrefix(value, `"`):
			u, err := strconv.Unquote(value)
			if err != nil {
				return usageErr("%s: %s: a quoted value must end with \" (Go string syntax)", at, key)
			}
			value = u
		}
		_, isList := f.Value.(pflag.SliceValue)
		if prev, twice := seen[key]; twice && !isList {
			return usageErr("%s: %s is already set on line %d", at, key, prev)
		}
		seen[key] = n
		if onCommandLine[key] {
			continue
		}
		if err := fs.Set(key, value); err != nil {
			if secret {
				return usageErr("%s: %s: not a valid value", at, key)
			}
			return usageErr("%s: %s: %v", at, key, err)
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("--%s: %s: %w", configFlag, path, err)
	}
	return nil
}
