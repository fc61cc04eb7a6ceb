package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// parsedServe returns the serve command with args parsed (as cobra does
// before RunE) and the config file holding conf applied.
func parsedServe(t *testing.T, conf string, args ...string) (*cobra.Command, error) {
	t.Helper()
	cmd := newServeCmd(&cli{})
	path := writeConfig(t, conf, 0o640)
	if err := cmd.ParseFlags(append([]string{"--config", path}, args...)); err != nil {
		t.Fatalf("parse %v: %v", args, err)
	}
	return cmd, applyConfigFile(cmd, path)
}

func writeConfig(t *testing.T, conf string, mode os.FileMode) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "sluice.conf")
	if err := os.WriteFile(path, []byte(conf), mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, mode); err != nil { // past the umask
		t.Fatal(err)
	}
	return path
}

func flagValue(t *testing.T, cmd *cobra.Command, name string) string {
	t.Helper()
	f := cmd.Flags().Lookup(name)
	if f == nil {
		t.Fatalf("no flag %s", name)
	}
	return f.Value.String()
}

// TestConfigFileKeys: the file's keys set the flags, with comments, blank
// lines, quoted values, a bare bool key and repeated list keys.
func TestConfigFileKeys(t *testing.T) {
	cmd, err := parsedServe(t, `
# a comment
data-dir = /var/lib/sluice
  http=127.0.0.1:9999
nats = ""
shard-limits
metrics-no-auth = false
hostname = a.example
hostname = b.example,c.example
allow-endpoint = s3.example
allow-endpoint = "10.0.0.0/8"
max-requests = 7
log-level = "debug"
`)
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{
		"data-dir":        "/var/lib/sluice",
		"http":            "127.0.0.1:9999",
		"nats":            "",
		"shard-limits":    "true",
		"metrics-no-auth": "false",
		"hostname":        "[a.example,b.example,c.example]",
		"allow-endpoint":  "[s3.example,10.0.0.0/8]",
		"max-requests":    "7",
		"log-level":       "debug",
	} {
		if got := flagValue(t, cmd, name); got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
	// A key set in the file counts as given (serve treats a given --nats
	// differently from its default).
	if !cmd.Flags().Changed("nats") {
		t.Error("nats from the file is not marked as given")
	}
	if cmd.Flags().Changed("region") {
		t.Error("region, in neither, is marked as given")
	}
}

// TestConfigFileCommandLineWins: a flag on the command line overrides the
// file's key, list flags included (the file's items are not added).
func TestConfigFileCommandLineWins(t *testing.T) {
	cmd, err := parsedServe(t, "http = 127.0.0.1:1\nhostname = file.example\nregion = eu-west-1\n",
		"--http", "127.0.0.1:2", "--hostname", "cli.example")
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{"http": "127.0.0.1:2", "hostname": "[cli.example]", "region": "eu-west-1"} {
		if got := flagValue(t, cmd, name); got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
}

// TestConfigFileErrors: an unknown key, a bad value, a missing value, a
// key twice and config itself are errors naming the file, line and key.
func TestConfigFileErrors(t *testing.T) {
	for _, c := range []struct{ conf, want string }{
		{"http = 127.0.0.1:1\ndata_dir = /x\n", `sluice.conf:2: unknown key "data_dir"`},
		{"endpoint = http://x\n", `unknown key "endpoint"`}, // a client flag, not serve's
		{"help = true\n", `unknown key "help"`},
		{"max-requests = many\n", `sluice.conf:1: max-requests: invalid argument "many"`},
		{"http\n", "sluice.conf:1: http needs a value: http = VALUE"},
		{"http = 127.0.0.1:1\nhttp = 127.0.0.1:2\n", "sluice.conf:2: http is already set on line 1"},
		{"config = /etc/other.conf\n", "config cannot be set in a config file"},
		{`http = "127.0.0.1:1` + "\n", `sluice.conf:1: http: a quoted value must end with "`},
	} {
		_, err := parsedServe(t, c.conf)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: %v, want %q", c.conf, err, c.want)
		}
		if _, ok := err.(usageError); !ok {
			t.Errorf("%q: %T is not a usage error", c.conf, err)
		}
	}
	cmd := newServeCmd(&cli{})
	if err := applyConfigFile(cmd, filepath.Join(t.TempDir(), "none.conf")); err == nil || !strings.Contains(err.Error(), "--config") {
		t.Errorf("missing file: %v", err)
	}
}

// TestConfigFileSecrets: a secret value may be set only in a file other
// users cannot read, and is never echoed.
func TestConfigFileSecrets(t *testing.T) {
	const token = "s3cr3t-token-value-1234"
	for _, key := range []string{"nats-token", "nats-password", "nats-kv-token"} {
		conf := key + " = " + token + "\n"
		cmd := newServeCmd(&cli{})
		open := writeConfig(t, conf, 0o644)
		err := applyConfigFile(cmd, open)
		if err == nil || !strings.Contains(err.Error(), key+" is a secret, and every user can read") {
			t.Errorf("%s in a 0644 file: %v", key, err)
		} else if strings.Contains(err.Error(), token) {
			t.Errorf("the error shows the secret: %v", err)
		}
		cmd = newServeCmd(&cli{})
		if err := applyConfigFile(cmd, writeConfig(t, conf, 0o640)); err != nil {
			t.Errorf("%s in a 0640 file: %v", key, err)
		} else if got := flagValue(t, cmd, key); got != token {
			t.Errorf("%s = %q", key, got)
		}
	}
	// Not secret: fine in a file anyone reads.
	if err := applyConfigFile(newServeCmd(&cli{}), writeConfig(t, "nats-user = app\n", 0o644)); err != nil {
		t.Error(err)
	}
}

// TestConfigFileEveryFlag: every flag of serve is a key, and setting it in
// the file gives the flag the same value as the command line does.
func TestConfigFileEveryFlag(t *testing.T) {
	var conf strings.Builder
	var args []string
	n := 0
	newServeCmd(&cli{}).LocalFlags().VisitAll(func(f *pflag.Flag) {
		if f.Name == configFlag || f.Name == "help" {
			return
		}
		v := f.DefValue
		if _, ok := f.Value.(pflag.SliceValue); ok || v == "" {
			v = "x" + f.Name
		}
		if f.Value.Type() == "bool" {
			v = "true"
		}
		if f.Value.Type() == "int" {
			v = "3"
		}
		conf.WriteString(f.Name + " = " + v + "\n")
		args = append(args, "--"+f.Name+"="+v)
		n++
	})
	if n < 40 {
		t.Fatalf("only %d serve flags", n)
	}
	fromFile, err := parsedServe(t, conf.String())
	if err != nil {
		t.Fatal(err)
	}
	fromArgs := newServeCmd(&cli{})
	if err := fromArgs.ParseFlags(args); err != nil {
		t.Fatal(err)
	}
	fromArgs.LocalFlags().VisitAll(func(f *pflag.Flag) {
		if f.Name == configFlag || f.Name == "help" {
			return
		}
		got := fromFile.Flags().Lookup(f.Name)
		if !got.Changed {
			t.Errorf("%s: not set from the file", f.Name)
		}
		if got.Value.String() != f.Value.String() {
			t.Errorf("%s: file gives %q, command line %q", f.Name, got.Value.String(), f.Value.String())
		}
	})
}

// TestServeReadsConfig: `sluice serve --config` hands the file's settings
// to the server, and the command line wins.
func TestServeReadsConfig(t *testing.T) {
	dir := t.TempDir()
	path := writeConfig(t, "data-dir = "+filepath.Join(dir, "d")+"\nhttp = 127.0.0.1:0\nnats = \"\"\nsync = sometimes\n", 0o640)
	if _, err := sluice(t, "", "", "serve", "--config", path); err == nil || !strings.Contains(err.Error(), `--sync must be default or always, not "sometimes"`) {
		t.Errorf("serve with sync = sometimes: %v", err)
	}
	_, err := sluice(t, "", "", "serve", "--config", path, "--sync", "default", "--max-requests", "0")
	if err == nil || !strings.Contains(err.Error(), "--max-requests must be at least 1") {
		t.Errorf("serve --sync default --max-requests 0: %v", err)
	}
}

// TestPackagedConfig: the default config the Debian package installs
// (packaging/files/sluice.conf) is valid, and so are its commented-out
// examples.
func TestPackagedConfig(t *testing.T) {
	b, err := os.ReadFile("../../packaging/files/sluice.conf")
	if err != nil {
		t.Fatal(err)
	}
	cmd, err := parsedServe(t, string(b))
	if err != nil {
		t.Fatal(err)
	}
	if got := flagValue(t, cmd, "data-dir"); got != "/var/lib/sluice" {
		t.Errorf("data-dir = %q", got)
	}
	var examples []string
	for _, line := range strings.Split(string(b), "\n") {
		if k, _, ok := strings.Cut(strings.TrimPrefix(line, "# "), " = "); ok && strings.HasPrefix(line, "# ") && !strings.Contains(k, " ") {
			examples = append(examples, strings.TrimPrefix(line, "# "))
		}
	}
	if len(examples) < 5 {
		t.Fatalf("only %d commented-out examples", len(examples))
	}
	if _, err := parsedServe(t, strings.Join(examples, "\n")); err != nil {
		t.Errorf("the commented-out examples: %v", err)
	}
}
