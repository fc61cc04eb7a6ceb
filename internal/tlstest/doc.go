// Package tlstest makes throwaway certificate authorities for tests: a CA
// written to a temporary directory, and server and client certificates it
// signs, as PEM files and as tls.Certificate values.
package tlstest
