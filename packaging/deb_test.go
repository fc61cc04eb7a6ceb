package packaging

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// standIn builds a tiny static Go program for arch, standing in for the
// sluice binary (which takes far longer to build; make dist-test installs
// the real one).
func standIn(t *testing.T, arch string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "main.go"), []byte("package main\n\nfunc main() { println(\"stand-in\") }\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module standin\n\ngo 1.26\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "sluice-"+arch)
	cmd := exec.Command("go", "build", "-o", out, ".")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH="+arch)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, b)
	}
	return out
}

// dpkgDeb runs Debian's own dpkg-deb on a package: the reader that dpkg -i
// uses, so the test checks what an install would see.
func dpkgDeb(t *testing.T, args ...string) string {
	t.Helper()
	if _, err := exec.LookPath("dpkg-deb"); err != nil {
		t.Fatal("dpkg-deb is needed to read the package (Debian's dpkg package)")
	}
	b, err := exec.Command("dpkg-deb", args...).CombinedOutput()
	if err != nil {
		t.Fatalf("dpkg-deb %v: %v\n%s", args, err, b)
	}
	return string(b)
}

// TestBuildDeb builds the amd64 package and reads it back with dpkg-deb:
// control fields, the files with their modes, the conffile, the unit and
// the maintainer scripts.
func TestBuildDeb(t *testing.T) {
	t.Setenv("SOURCE_DATE_EPOCH", "1764633600")
	bin := standIn(t, "amd64")
	out := t.TempDir()
	deb, err := Build(Options{Binary: bin, Arch: "amd64", Version: "v1.2.0-3-gabc1234", OutDir: out})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := filepath.Base(deb), "sluice_1.2.0+3.gabc1234_amd64.deb"; got != want {
		t.Errorf("package file %s, want %s", got, want)
	}

	for field, want := range map[string]string{
		"Package":      "sluice",
		"Version":      "1.2.0+3.gabc1234",
		"Architecture": "amd64",
		"Depends":      "adduser",
		"Section":      "net",
		"Maintainer":   "Sluice developers <sluice-io@users.noreply.github.com>",
	} {
		if got := strings.TrimSpace(dpkgDeb(t, "-f", deb, field)); got != want {
			t.Errorf("%s: %q, want %q", field, got, want)
		}
	}
	if d := dpkgDeb(t, "-f", deb, "Description"); !strings.Contains(d, "systemd service sluice.service") {
		t.Errorf("Description: %q", d)
	}

	listing := dpkgDeb(t, "-c", deb)
	for path, mode := range map[string]string{
		"./usr/bin/sluice":                        "-rwxr-xr-x root/root",
		"./usr/lib/systemd/system/sluice.service": "-rw-r--r-- root/root",
		"./etc/sluice/sluice.conf":                "-rw-r----- root/root",
	} {
		found := false
		for _, line := range strings.Split(listing, "\n") {
			if strings.HasSuffix(line, " "+path) {
				found = true
				if !strings.HasPrefix(line, mode) {
					t.Errorf("%s: %q, want mode and owner %s", path, line, mode)
				}
			}
		}
		if !found {
			t.Errorf("no %s in the package:\n%s", path, listing)
		}
	}

	ctrl := filepath.Join(t.TempDir(), "DEBIAN")
	dpkgDeb(t, "-e", deb, ctrl)
	read := func(p string) string {
		t.Helper()
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	if got := read(filepath.Join(ctrl, "conffiles")); strings.TrimSpace(got) != ConfigPath {
		t.Errorf("conffiles: %q, want %s", got, ConfigPath)
	}
	for script, wants := range map[string][]string{
		"postinst": {"adduser --system", "--ingroup sluice", "chown root:sluice /etc/sluice/sluice.conf", "systemctl enable sluice.service"},
		"prerm":    {"systemctl stop sluice.service"},
		"postrm":   {"daemon-reload"},
	} {
		p := filepath.Join(ctrl, script)
		if fi, err := os.Stat(p); err != nil || fi.Mode().Perm()&0o111 == 0 {
			t.Errorf("%s: missing or not executable (%v)", script, err)
			continue
		}
		text := read(p)
		for _, w := range wants {
			if !strings.Contains(text, w) {
				t.Errorf("%s lacks %q", script, w)
			}
		}
	}

	root := t.TempDir()
	dpkgDeb(t, "-x", deb, root)
	if got, want := read(filepath.Join(root, BinaryPath)), read(bin); got != want {
		t.Error("/usr/bin/sluice is not the binary given")
	}
	if got, want := read(filepath.Join(root, ConfigPath)), read("files/sluice.conf"); got != want {
		t.Error("sluice.conf is not files/sluice.conf")
	}
	unit := read(filepath.Join(root, UnitPath))
	if unit != read("files/sluice.service") {
		t.Error("the unit is not files/sluice.service")
	}
	for _, w := range []string{
		"ExecStart=/usr/bin/sluice serve --config /etc/sluice/sluice.conf\n",
		"User=sluice\n", "Group=sluice\n",
		"StateDirectory=sluice\n", "ReadWritePaths=/var/lib/sluice\n",
		"NoNewPrivileges=yes\n", "ProtectSystem=strict\n", "ProtectHome=yes\n",
		"Restart=on-failure\n", "WantedBy=multi-user.target\n",
	} {
		if !strings.Contains(unit, w) {
			t.Errorf("sluice.service lacks %q", strings.TrimSpace(w))
		}
	}

	// The same inputs give the same bytes (file times from SOURCE_DATE_EPOCH).
	again, err := Build(Options{Binary: bin, Arch: "amd64", Version: "v1.2.0-3-gabc1234", OutDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal([]byte(read(deb)), []byte(read(again))) {
		t.Error("two builds of the same package differ")
	}
}

// TestBuildDebArm64: the arm64 package carries its architecture.
func TestBuildDebArm64(t *testing.T) {
	deb, err := Build(Options{Binary: standIn(t, "arm64"), Arch: "arm64", Version: "b9e5fa0-dirty", OutDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.TrimSpace(dpkgDeb(t, "-f", deb, "Architecture")); got != "arm64" {
		t.Errorf("Architecture %q", got)
	}
	if got := filepath.Base(deb); got != "sluice_0.0.0+gb9e5fa0.dirty_arm64.deb" {
		t.Errorf("package file %s", got)
	}
}

// TestBuildRefuses: a binary for another architecture, a dynamically
// linked one and a version that is not git describe's are refused.
func TestBuildRefuses(t *testing.T) {
	amd := standIn(t, "amd64")
	for _, c := range []struct {
		o    Options
		want string
	}{
		{Options{Binary: amd, Arch: "arm64", Version: "v1.0.0"}, "is for EM_X86_64, not arm64"},
		{Options{Binary: amd, Arch: "riscv64", Version: "v1.0.0"}, `architecture "riscv64"`},
		{Options{Binary: "/bin/sh", Arch: "amd64", Version: "v1.0.0"}, "dynamically linked: build it with CGO_ENABLED=0"},
		{Options{Binary: "files/sluice.conf", Arch: "amd64", Version: "v1.0.0"}, "binary files/sluice.conf"},
		{Options{Binary: amd, Arch: "amd64", Version: "release one"}, "not git describe output"},
	} {
		c.o.OutDir = t.TempDir()
		if _, err := Build(c.o); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: %v, want %q", c.o, err, c.want)
		}
	}
}

func TestDebVersion(t *testing.T) {
	for in, want := range map[string]string{
		"v1.2.0":                  "1.2.0",
		"1.2.0":                   "1.2.0",
		"v1.2.0-dirty":            "1.2.0+dirty",
		"v1.2.0-5-gabc1234":       "1.2.0+5.gabc1234",
		"v1.2.0-5-gabc1234-dirty": "1.2.0+5.gabc1234.dirty",
		"b9e5fa0":                 "0.0.0+gb9e5fa0",
		"b9e5fa0-dirty\n":         "0.0.0+gb9e5fa0.dirty",
	} {
		if got, err := DebVersion(in); err != nil || got != want {
			t.Errorf("DebVersion(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"", "dev", "v1.2.0 beta", "-dirty"} {
		if got, err := DebVersion(in); err == nil {
			t.Errorf("DebVersion(%q) = %q, want an error", in, got)
		}
	}
}
