// Package packaging builds Sluice's Debian packages (.deb for amd64 and
// arm64) with nfpm used as a library, so `make dist` needs no packaging
// tool installed. A package holds the static binary as /usr/bin/sluice,
// the systemd unit sluice.service, the default configuration
// /etc/sluice/sluice.conf (a conffile) and the maintainer scripts, all
// kept in files/ and embedded here. cmd/mkdeb is its command line.
//
// It is a Go module of its own so nfpm and what it pulls in (go-git, PGP)
// stay out of the server's module graph.
package packaging
