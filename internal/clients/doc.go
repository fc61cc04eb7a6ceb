// Package clients tests Sluice against real AWS clients other than the
// Go SDK: boto3 (Debian's python3-boto3), the AWS CLI v2 (Debian's
// awscli, /usr/bin/aws) and the AWS SDK for JavaScript v3 (npm, pinned
// by js/package-lock.json). The JavaScript clients run with their HTTP
// handlers as they ship (the Kinesis client's NodeHttp2Handler speaks
// HTTP/2 with prior knowledge, h2c, to an http:// endpoint and signs
// :authority instead of host; the Firehose client's NodeHttpHandler
// speaks HTTP/1.1) and with the other handler, and a forwarder in front
// of the server checks which protocol each connection spoke. Each client
// signs with SigV4; the tests check that the right key passes and that
// an unknown key, a wrong secret, a tampered body, a skewed clock and a
// missing signature fail with AWS's error names, that a key limited to
// puts is refused a read, and (JavaScript) that create, put, get and list
// work for Kinesis and Firehose over both protocols. TestBoto3API and
// TestAWSCLIAPI drive the operations issue 10 added (Kinesis TagResource,
// ListTagsForResource, UntagResource, DescribeLimits, UpdateMaxRecordSize,
// Enable/DisableEnhancedMonitoring; Firehose tags and UpdateDestination);
// Debian's clients predate some of them and read AWS's current Kinesis
// model from models/ (AWS_DATA_PATH).
// scripts/install-toolchains.sh installs the clients; a test fails,
// naming that script, when one is missing.
package clients
