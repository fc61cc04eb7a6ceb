package scaffold

import "path"

//go:generate go test -run TestSDKCopyIsCurrent -update .

// sdkFiles are the files of the repository's sdk/ directory (glob patterns
// relative to it) copied into _sdk/ and from there into every new project:
// the SDK sources and their READMEs, never their tests. A file named go.mod
// is kept as go.mod.in, since a go.mod would make _sdk/go a module of its
// own, which go:embed cannot reach into.
var sdkFiles = []string{
	"go/go.mod",
	"go/README.md",
	"go/transform/*.go",
	"go/jsonpath/*.go",
	"go/jsonpath/jsontest/*.go",
	"rust/Cargo.toml",
	"rust/README.md",
	"rust/src/*.rs",
	"c/sluice.h",
	"c/sluice.c",
	"c/README.md",
	"c/check-exports.sh",
	"assemblyscript/package.json",
	"assemblyscript/README.md",
	"assemblyscript/assembly/*.ts",
	"assemblyscript/testing/host.mjs",
}

// copyName is the name of an sdk/ file in _sdk/.
func copyName(rel string) string {
	if path.Base(rel) == "go.mod" {
		return rel + ".in"
	}
	return rel
}
