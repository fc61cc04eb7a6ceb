// Package jsretry retries the JetStream requests a Sluice host makes when
// it opens its buckets and streams, for a cluster: a meta leader that is
// being elected, or a create racing the same create from another host
// (the JetStream cluster can leave the second request unanswered), must
// not fail or hang a host's start. Each attempt gets a short deadline of
// its own; an answer that is an error (a bad configuration, no room) ends
// the retries at once.
package jsretry
