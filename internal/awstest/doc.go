// Package awstest calls AWS JSON 1.1 handlers in tests and fuzz targets
// and checks that an answer has the protocol's shape: a JSON object on
// success, or a 4xx {"__type", "message"} error of a known exception name.
// SDKHTTPClient is the AWS SDK for Go v2's HTTP client for tests that
// hold event streams open.
package awstest
