// Package natscluster starts a real NATS JetStream cluster for tests: n
// embedded nats-server nodes in the test process, joined by routes on
// loopback ports, each with its own store directory, as nats-server's
// own cluster tests build theirs. Clients and routes must authenticate.
// A node can be stopped and restarted on the same ports and store, to
// test what Sluice does while a node is down and after it catches up.
package natscluster
