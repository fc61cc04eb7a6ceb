// Command mkdeb builds Sluice's Debian package for one architecture from a
// static binary (see package packaging); `make dist` runs it for amd64 and
// arm64:
//
//	go run ./cmd/mkdeb -arch amd64 -binary ../bin/dist/sluice-linux-amd64 -version "$(git describe --tags --always --dirty)" -out ../bin/dist
//
// It prints the path of the .deb. File times come from SOURCE_DATE_EPOCH
// when it is set (make dist sets it to the commit's time), so the same
// commit gives the same package.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/sluice-io/sluice/packaging"
)

func main() {
	var o packaging.Options
	flag.StringVar(&o.Binary, "binary", "", "the static sluice binary")
	flag.StringVar(&o.Arch, "arch", "", "Debian architecture: amd64 or arm64")
	flag.StringVar(&o.Version, "version", "", "git describe --tags --always --dirty")
	flag.StringVar(&o.OutDir, "out", ".", "directory to write the .deb to")
	flag.Parse()
	if o.Binary == "" || o.Arch == "" || o.Version == "" || flag.NArg() > 0 {
		fmt.Fprintln(os.Stderr, "usage: mkdeb -arch amd64|arm64 -binary FILE -version VERSION [-out DIR]")
		os.Exit(2)
	}
	path, err := packaging.Build(o)
	if err != nil {
		fmt.Fprintln(os.Stderr, "mkdeb:", err)
		os.Exit(1)
	}
	fmt.Println(path)
}
