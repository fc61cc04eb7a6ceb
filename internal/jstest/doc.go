// Package jstest starts real embedded JetStream servers on temporary
// directories for tests.
package jstest
