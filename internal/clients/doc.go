// Package clients tests Sluice against real AWS clients other than the
// Go SDK: boto3 (Debian's python3-boto3), the AWS CLI v2 (Debian's
// awscli, /usr/bin/aws) and the AWS SDK for JavaScript v3 (npm, pinned
// by js/package-lock.json, over HTTP/1.1 with NodeHttpHandler). Each signs
// with SigV4; the tests check that the right key passes and that an
// unknown key, a wrong secret, a tampered body, a skewed clock and a
// missing signature fail with AWS's error names, and that a key limited
// to puts is refused a read. TestBoto3API and TestAWSCLIAPI drive the
// operations issue 10 added (Kinesis TagResource, ListTagsForResource,
// UntagResource, DescribeLimits, UpdateMaxRecordSize,
// Enable/DisableEnhancedMonitoring; Firehose tags and UpdateDestination);
// Debian's clients predate some of them and read AWS's current Kinesis
// model from models/ (AWS_DATA_PATH). scripts/install-toolchains.sh installs the
// clients; a test fails, naming that script, when one is missing.
package clients
