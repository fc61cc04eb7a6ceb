package transform

import "os"

// Param returns the value of the pipeline parameter name, or "" when the
// pipeline does not set it. Parameters reach a module as the environment
// variables the pipeline grants it, so Param is os.Getenv under a name that
// says what it is for.
func Param(name string) string {
	return os.Getenv(name)
}

// LookupParam returns the value of the pipeline parameter name and whether
// the pipeline sets it.
func LookupParam(name string) (string, bool) {
	return os.LookupEnv(name)
}
