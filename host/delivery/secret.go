package delivery

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// Secrets in definitions.
const (
	// Mask is what every credential a definition holds (an S3, Kinesis or
	// Firehose destination's access key id and secret access key, an HTTP
	// endpoint's access key) shows as in
	// what the Manager returns: Describe, Create and Apply, and so the
	// REST API, the CLI and the Firehose API. Applying a definition with
	// the mask in a credential keeps the stored value, as long as the
	// destination it goes with (the S3 endpoint, the HTTP URL) is the
	// stored one; see keepMasked.
	Mask = "****"
	// SecretEnvPrefix starts the name of every environment variable a
	// SecretRef may name.
	SecretEnvPrefix = "SLUICE_SECRET_"
	// MaxSecretBytes bounds a secret file.
	MaxSecretBytes = 64 << 10
)

// secretField is one credential of a definition: the value it holds, the
// reference it may have instead, and the destination the secret goes with.
type secretField struct {
	path  string // as in a pipeline file: "destination.s3.secretAccessKey"
	value *string
	from  **SecretRef
	scope string // the S3 endpoint or the HTTP URL
}

// secretFields lists every credential of def.
func secretFields(def *Definition) []secretField {
	return destSecretFields(&def.Destination, "destination")
}

func destSecretFields(d *Destination, at string) []secretField {
	var out []secretField
	if s := d.S3; s != nil {
		scope := "s3 " + s.Endpoint
		out = append(out,
			secretField{at + ".s3.accessKeyId", &s.AccessKeyID, &s.AccessKeyIDFrom, scope},
			secretField{at + ".s3.secretAccessKey", &s.SecretAccessKey, &s.SecretAccessKeyFrom, scope})
	}
	if h := d.HTTP; h != nil {
		out = append(out, secretField{at + ".http.accessKey", &h.AccessKey, &h.AccessKeyFrom, "http " + h.URL})
		if h.ErrorStore != nil {
			out = append(out, destSecretFields(h.ErrorStore, at+".http.errorStore")...)
		}
	}
	for _, k := range []struct {
		kind string
		s    *StreamDest
	}{{DestKinesis, d.Kinesis}, {DestFirehose, d.Firehose}} {
		kind, s := k.kind, k.s
		if s == nil {
			continue
		}
		// The secret goes with the endpoint, and on AWS with the region
		// (which picks the endpoint).
		scope := kind + " " + s.Endpoint
		if s.Endpoint == "" {
			scope += " aws " + s.Region
		}
		at := at + "." + kind
		out = append(out,
			secretField{at + ".accessKeyId", &s.AccessKeyID, &s.AccessKeyIDFrom, scope},
			secretField{at + ".secretAccessKey", &s.SecretAccessKey, &s.SecretAccessKeyFrom, scope})
		if s.ErrorStore != nil {
			out = append(out, destSecretFields(s.ErrorStore, at+".errorStore")...)
		}
	}
	return out
}

// normalizeSecrets checks the shape of def's credentials (no I/O): a
// field holds a value or a reference, not both, and a reference names
// exactly one place an environment variable may be read from or a file
// path that cannot leave the secrets directory by its spelling. The
// S3 rules (both keys or none, ambient only when asked) are in
// normalizeDestination.
func normalizeSecrets(def *Definition) error {
	for _, f := range secretFields(def) {
		ref := *f.from
		if ref == nil {
			continue
		}
		if *f.value != "" {
			return invalidf("%s and %sFrom exclude each other: give the value or a reference", f.path, f.path)
		}
		if err := checkRef(ref, f.path+"From"); err != nil {
			return err
		}
	}
	return nil
}

func checkRef(r *SecretRef, at string) error {
	switch {
	case (r.Env == "") == (r.File == ""):
		return invalidf("%s: give exactly one of env and file", at)
	case r.Env != "":
		name, ok := strings.CutPrefix(r.Env, SecretEnvPrefix)
		if !ok || name == "" {
			return invalidf("%s.env %q: the variable's name must start with %s (only those are read, so a definition cannot send the server's other variables anywhere)", at, r.Env, SecretEnvPrefix)
		}
		for i := 0; i < len(name); i++ {
			if c := name[i]; !(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_') {
				return invalidf("%s.env %q: use upper-case letters, digits and _", at, r.Env)
			}
		}
	default:
		if strings.ContainsRune(r.File, 0) || hasDotDot(r.File) {
			return invalidf("%s.file %q: a secret file is named inside the server's secrets directory, without ..", at, r.File)
		}
	}
	return nil
}

// hasDotDot reports whether a path has a ".." element.
func hasDotDot(p string) bool {
	for _, e := range strings.FieldsFunc(p, func(r rune) bool { return r == '/' || r == filepath.Separator }) {
		if e == ".." {
			return true
		}
	}
	return false
}

// redact replaces every credential def holds with Mask. References stay:
// they name where a secret is, not the secret.
func redact(def *Definition) {
	for _, f := range secretFields(def) {
		if *f.value != "" {
			*f.value = Mask
		}
	}
}

// keepMasked gives each credential of def that is the Mask the value cur
// (the stored definition) holds in the same field, so a definition read
// back from describe can be applied again without the secrets. A mask is
// refused where cur holds no value there, and where the destination the
// secret goes with changed (a new HTTP URL or S3 endpoint: sending the
// stored secret somewhere else takes the secret itself, so whoever may
// apply definitions but not read secrets cannot redirect one).
func keepMasked(def, cur *Definition) error {
	stored := map[string]secretField{}
	for _, f := range secretFields(cur) {
		stored[f.path] = f
	}
	for _, f := range secretFields(def) {
		if *f.value != Mask {
			continue
		}
		old, ok := stored[f.path]
		switch {
		case !ok || *old.value == "":
			return invalidf("%s is the mask %q, and delivery stream %s holds no value there to keep: give the secret or a reference (%sFrom)", f.path, Mask, def.Name, f.path)
		case old.scope != f.scope:
			return invalidf("%s is the mask %q, but its destination changed: give the secret again to send it to the new one", f.path, Mask)
		}
		*f.value = *old.value
	}
	return nil
}

// refuseMasked refuses a definition that still holds a mask: one that is
// created (there is no stored value to keep) or whose mask keepMasked did
// not replace.
func refuseMasked(def *Definition) error {
	for _, f := range secretFields(def) {
		if *f.value == Mask {
			return invalidf("%s is the mask %q: give the secret or a reference (%sFrom)", f.path, Mask, f.path)
		}
	}
	return nil
}

// secret resolves a credential: its value, or what its reference names.
// The error names the field and the reference, never a secret.
func (m *Manager) secret(value string, ref *SecretRef, at string) (string, error) {
	if ref == nil {
		return value, nil
	}
	if ref.Env != "" {
		v, ok := os.LookupEnv(ref.Env)
		if !ok || v == "" {
			return "", invalidf("%sFrom: the environment variable %s is not set on the server", at, ref.Env)
		}
		return v, nil
	}
	v, err := readSecretFile(m.cfg.SecretsDir, ref.File)
	if err != nil {
		return "", invalidf("%sFrom: %v", at, err)
	}
	return v, nil
}

// errNoSecretsDir: file references need a secrets directory.
var errNoSecretsDir = errors.New("this server has no secrets directory for secret files")

// readSecretFile reads a secret file inside dir, through an os.Root so
// that neither ".." nor a symbolic link can make it read another file.
func readSecretFile(dir, name string) (string, error) {
	if dir == "" {
		return "", errNoSecretsDir
	}
	rel := name
	if filepath.IsAbs(name) {
		var err error
		if rel, err = filepath.Rel(dir, name); err != nil {
			rel = ".."
		}
	}
	if !filepath.IsLocal(rel) || rel == "." {
		return "", fmt.Errorf("secret file %s is not inside the secrets directory %s", name, dir)
	}
	r, err := os.OpenRoot(dir)
	if err != nil {
		return "", fmt.Errorf("secrets directory: %w", err)
	}
	defer r.Close()
	f, err := r.Open(rel)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err // the path is named below
		}
		return "", fmt.Errorf("secret file %s in %s: %w", rel, dir, err)
	}
	defer f.Close()
	if fi, err := f.Stat(); err != nil || !fi.Mode().IsRegular() {
		return "", fmt.Errorf("secret file %s in %s is not a regular file", rel, dir)
	}
	b, err := io.ReadAll(io.LimitReader(f, MaxSecretBytes+1))
	if err != nil {
		return "", fmt.Errorf("secret file %s in %s: %w", rel, dir, err)
	}
	if len(b) > MaxSecretBytes {
		return "", fmt.Errorf("secret file %s in %s is over %d bytes", rel, dir, MaxSecretBytes)
	}
	b = bytes.TrimSuffix(b, []byte("\n"))
	b = bytes.TrimSuffix(b, []byte("\r"))
	if len(b) == 0 {
		return "", fmt.Errorf("secret file %s in %s is empty", rel, dir)
	}
	return string(b), nil
}
