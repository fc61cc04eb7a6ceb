// Package edgetohub holds the test of the README's "Edge to hub" steps:
// a hub NATS server with a leaf listener, a hub Sluice on it
// (--nats-url), an edge Sluice whose embedded server is a leaf node of
// the hub in its own JetStream domain, and a mirror of an edge stream at
// the hub, through a cut of the link. This package has no code besides
// its test.
package edgetohub
