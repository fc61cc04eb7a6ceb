// Package egress decides which hosts Sluice's outbound connections may
// reach: the HTTP endpoint, S3, Kinesis and Firehose destinations of
// delivery streams.
//
// A Policy is an allow-list of host names, wildcard domains, IP addresses
// and CIDRs (`sluice serve --allow-endpoint`). Whatever the list, link-local
// addresses (169.254.0.0/16, fe80::/10) and cloud metadata services
// (169.254.169.254, fd00:ec2::254, 100.100.100.200, metadata.google.internal
// and the like) are refused unless a pattern names them explicitly: a
// destination that could reach the instance metadata service could read the
// host's cloud credentials.
//
// A definition is checked when it is applied (CheckURL: the host, and the
// addresses it resolves to now), and every connection is checked again
// when it is made: the dialer's Control function sees the address the
// socket is about to connect to, after DNS resolution, so a name that
// resolves to a forbidden address later (DNS rebinding, a changed record)
// is refused before anything is sent. HTTPClient builds the client the
// destinations use, which follows no redirects.
package egress
