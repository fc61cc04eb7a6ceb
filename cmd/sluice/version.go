package main

import (
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"

	"github.com/spf13/cobra"
)

// version is the release this binary is, set by a release build:
//
//	go build -ldflags "-X main.version=v1.2.0" ./cmd/sluice
//
// Empty, the version comes from the build information Go records (the
// module's version for `go install ...@v1.2.0`, else "devel").
var version string

// buildInfo is what `sluice version` says of the binary.
type buildInfo struct {
	Version   string
	Module    string `json:",omitempty"`
	Revision  string `json:",omitempty"` // the VCS commit, when the build recorded it
	Time      string `json:",omitempty"` // the commit's time
	Modified  bool   // the work tree had uncommitted changes
	GoVersion string
	Platform  string // GOOS/GOARCH
}

// readBuildInfo reads the version variable and the build information
// of the running binary (runtime/debug.ReadBuildInfo).
func readBuildInfo() buildInfo {
	b := buildInfo{Version: version, GoVersion: runtime.Version(), Platform: runtime.GOOS + "/" + runtime.GOARCH}
	if bi, ok := debug.ReadBuildInfo(); ok {
		b.Module, b.GoVersion = bi.Main.Path, bi.GoVersion
		if b.Version == "" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			b.Version = bi.Main.Version
		}
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				b.Revision = s.Value
			case "vcs.time":
				b.Time = s.Value
			case "vcs.modified":
				b.Modified = s.Value == "true"
			}
		}
	}
	if b.Version == "" {
		b.Version = "devel"
	}
	return b
}

// text is the version for a person: the first line is "sluice VERSION".
func (b buildInfo) text() string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "sluice %s\n", b.Version)
	if b.Revision != "" {
		rev := b.Revision
		if b.Modified {
			rev += " (modified)"
		}
		fmt.Fprintf(&sb, "  commit:  %s\n", rev)
	}
	if b.Time != "" {
		fmt.Fprintf(&sb, "  time:    %s\n", b.Time)
	}
	if b.Module != "" {
		fmt.Fprintf(&sb, "  module:  %s\n", b.Module)
	}
	fmt.Fprintf(&sb, "  go:      %s %s\n", b.GoVersion, b.Platform)
	return sb.String()
}

func newVersionCmd(c *cli) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Show the version and build of this binary (also --version)",
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			b := readBuildInfo()
			if c.jsonOutput() {
				return c.printJSON(b)
			}
			_, err := fmt.Fprint(c.stdout, b.text())
			return err
		},
	}
}
