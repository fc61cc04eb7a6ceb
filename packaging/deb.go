package packaging

import (
	"debug/elf"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/goreleaser/nfpm/v2"
	"github.com/goreleaser/nfpm/v2/deb"
	nfiles "github.com/goreleaser/nfpm/v2/files"
)

// Where the package puts things.
const (
	BinaryPath = "/usr/bin/sluice"
	UnitPath   = "/usr/lib/systemd/system/sluice.service"
	ConfigPath = "/etc/sluice/sluice.conf"
)

// Name is the package's name.
const Name = "sluice"

//go:embed files
var embedded embed.FS

// Options say what to package.
type Options struct {
	// Binary is the static sluice binary for Arch.
	Binary string
	// Arch is the Debian architecture: amd64 or arm64.
	Arch string
	// Version is `git describe --tags --always --dirty` (or a Debian
	// version); see DebVersion.
	Version string
	// OutDir is where the .deb is written.
	OutDir string
}

// elfMachine is the ELF machine of each Debian architecture packaged.
var elfMachine = map[string]elf.Machine{"amd64": elf.EM_X86_64, "arm64": elf.EM_AARCH64}

// Build writes the .deb that o describes and returns its path
// (OutDir/sluice_VERSION_ARCH.deb). The binary must be a static ELF
// executable for Arch.
func Build(o Options) (string, error) {
	if err := CheckBinary(o.Binary, o.Arch); err != nil {
		return "", err
	}
	version, err := DebVersion(o.Version)
	if err != nil {
		return "", err
	}
	src, err := os.MkdirTemp("", "sluice-deb-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(src)
	if err := fs.WalkDir(embedded, "files", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := embedded.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(src, d.Name()), b, 0o755)
	}); err != nil {
		return "", err
	}
	file := func(from, to string, mode os.FileMode) *nfiles.Content {
		return &nfiles.Content{Source: from, Destination: to, FileInfo: &nfiles.ContentFileInfo{Mode: mode}}
	}
	conf := file(filepath.Join(src, "sluice.conf"), ConfigPath, 0o640) // postinst gives it to group sluice
	conf.Type = nfiles.TypeConfig
	info := &nfpm.Info{
		Name:          Name,
		Arch:          o.Arch,
		Platform:      "linux",
		Version:       version,
		VersionSchema: "none",
		Section:       "net",
		Priority:      "optional",
		Maintainer:    "Sluice developers <sluice-io@users.noreply.github.com>",
		Homepage:      "https://github.com/sluice-io/sluice",
		Description: "Kinesis- and Firehose-compatible streams on embedded NATS JetStream\n" +
			"Sluice gives an edge site what Amazon Kinesis Data Streams and Firehose\n" +
			"give in the cloud: sharded, ordered, retained streams behind the Kinesis\n" +
			"API, WebAssembly transforms, and delivery to folders, S3 and HTTP.\n" +
			"This package runs it as the systemd service sluice.service.",
		Overridables: nfpm.Overridables{
			Depends: []string{"adduser"},
			Contents: nfiles.Contents{
				file(o.Binary, BinaryPath, 0o755),
				file(filepath.Join(src, "sluice.service"), UnitPath, 0o644),
				conf,
			},
			Scripts: nfpm.Scripts{
				PostInstall: filepath.Join(src, "postinst"),
				PreRemove:   filepath.Join(src, "prerm"),
				PostRemove:  filepath.Join(src, "postrm"),
			},
		},
	}
	info = nfpm.WithDefaults(info)
	if err := nfpm.PrepareForPackager(info, "deb"); err != nil {
		return "", fmt.Errorf("deb %s: %w", o.Arch, err)
	}
	if err := os.MkdirAll(o.OutDir, 0o755); err != nil {
		return "", err
	}
	out := filepath.Join(o.OutDir, deb.Default.ConventionalFileName(info))
	w, err := os.Create(out)
	if err != nil {
		return "", err
	}
	if err := deb.Default.Package(info, w); err != nil {
		w.Close()
		os.Remove(out)
		return "", fmt.Errorf("deb %s: %w", o.Arch, err)
	}
	return out, w.Close()
}

// CheckBinary reports whether path is a static ELF executable for the
// Debian architecture arch (no program interpreter: CGO_ENABLED=0).
func CheckBinary(path, arch string) error {
	want, ok := elfMachine[arch]
	if !ok {
		return fmt.Errorf("architecture %q: want amd64 or arm64", arch)
	}
	f, err := elf.Open(path)
	if err != nil {
		return fmt.Errorf("binary %s: %w", path, err)
	}
	defer f.Close()
	if f.Machine != want {
		return fmt.Errorf("binary %s is for %s, not %s", path, f.Machine, arch)
	}
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			return fmt.Errorf("binary %s is dynamically linked: build it with CGO_ENABLED=0", path)
		}
	}
	return nil
}

var (
	describeTag  = regexp.MustCompile(`^v?([0-9][0-9A-Za-z.~+]*)(?:-([0-9]+)-g([0-9a-f]+))?(-dirty)?$`)
	describeHash = regexp.MustCompile(`^([0-9a-f]{4,40})(-dirty)?$`)
)

// DebVersion turns `git describe --tags --always --dirty` into a Debian
// version that sorts the same way: v1.2.0 is 1.2.0, five commits past it
// 1.2.0+5.gHASH, uncommitted changes add .dirty (+dirty on a tag), and
// with no tag yet it is 0.0.0+gHASH.
func DebVersion(describe string) (string, error) {
	describe = strings.TrimSpace(describe)
	if m := describeHash.FindStringSubmatch(describe); m != nil {
		return "0.0.0+g" + m[1] + strings.ReplaceAll(m[2], "-", "."), nil
	}
	m := describeTag.FindStringSubmatch(describe)
	if m == nil {
		return "", errors.New("version " + fmt.Sprintf("%q", describe) + ": not git describe output (vX.Y.Z[-N-gHASH][-dirty] or HASH[-dirty])")
	}
	v := m[1]
	switch {
	case m[2] != "":
		v += "+" + m[2] + ".g" + m[3]
		if m[4] != "" {
			v += ".dirty"
		}
	case m[4] != "":
		v += "+dirty"
	}
	return v, nil
}
