package rest

import (
	"time"

	"github.com/sluice-io/sluice/host/modules"
	"github.com/sluice-io/sluice/runtime"
)

// ModuleVersion is one stored version of a module, as the API shows it
// (and the answer to a push).
type ModuleVersion struct {
	Name     string    `json:"name"`
	Version  int       `json:"version"`
	SHA256   string    `json:"sha256"`
	Size     int64     `json:"size"`
	ABI      string    `json:"abi"`
	Uploaded time.Time `json:"uploaded"`
}

// ModuleSummary is one module in a list.
type ModuleSummary struct {
	Name     string        `json:"name"`
	Versions int           `json:"versions"`
	Latest   ModuleVersion `json:"latest"`
}

// ModuleList answers GET /v1/modules.
type ModuleList struct {
	Modules []ModuleSummary `json:"modules"`
}

// ModuleDescription answers GET /v1/modules/{name}.
type ModuleDescription struct {
	Name     string          `json:"name"`
	Versions []ModuleVersion `json:"versions"`
}

// Ref names one module version.
type Ref struct {
	Name    string `json:"name"`
	Version int    `json:"version"`
}

// Removed answers a DELETE with the versions it removed.
type Removed struct {
	Removed []Ref `json:"removed"`
}

// ErrorBody is the body of every error answer.
type ErrorBody struct {
	Error ErrorDetail `json:"error"`
}

// ErrorDetail is a machine-readable code and a message for a person.
type ErrorDetail struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

func versionJSON(v modules.Version) ModuleVersion {
	return ModuleVersion{Name: v.Name, Version: v.Version, SHA256: v.SHA256, Size: v.Size, ABI: v.ABI, Uploaded: v.Uploaded}
}

func refsJSON(refs []runtime.Ref) []Ref {
	out := make([]Ref, len(refs))
	for i, r := range refs {
		out[i] = Ref{Name: r.Name, Version: r.Version}
	}
	return out
}
