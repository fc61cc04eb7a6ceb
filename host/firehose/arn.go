package firehose

import (
	"regexp"
	"strings"

	"github.com/sluice-io/sluice/host/awsjson"
	"github.com/sluice-io/sluice/host/modules"
)

// ARN returns a delivery stream's ARN,
// arn:aws:firehose:REGION:ACCOUNT:deliverystream/NAME.
func (c Config) ARN(name string) string {
	return "arn:aws:firehose:" + c.Region + ":" + c.AccountID + ":deliverystream/" + name
}

// streamARN is a data stream's ARN, as host/streams names it.
func (c Config) streamARN(name string) string {
	return "arn:aws:kinesis:" + c.Region + ":" + c.AccountID + ":stream/" + name
}

// lambdaARN is the ARN a module reference is described with.
func (c Config) lambdaARN(ref string) string {
	name, version, ok := strings.Cut(ref, "@")
	arn := "arn:aws:lambda:" + c.Region + ":" + c.AccountID + ":function:" + name
	if ok {
		arn += ":" + version
	}
	return arn
}

// bucketRe is S3's bucket naming rule; it also keeps a bucket name a safe
// single path element for a folder-backed object store.
var bucketRe = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$`)

// bucketOf reads the bucket name of arn:aws:s3:::NAME.
func bucketOf(arn, field string) (string, error) {
	name, ok := strings.CutPrefix(arn, "arn:aws:s3:::")
	if !ok || !bucketRe.MatchString(name) || strings.Contains(name, "..") {
		return "", invalid("%s %q is not a bucket ARN, arn:aws:s3:::BUCKET (3 to 63 lowercase letters, digits, dots and hyphens).", field, arn)
	}
	return name, nil
}

// streamOf reads the data stream name of a Kinesis stream ARN of this
// server's region and account.
func (c Config) streamOf(arn, field string) (string, error) {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[2] != "kinesis" || !strings.HasPrefix(parts[5], "stream/") || len(parts[5]) == len("stream/") {
		return "", invalid("%s %q is not a Kinesis stream ARN, arn:aws:kinesis:REGION:ACCOUNT:stream/NAME.", field, arn)
	}
	if parts[3] != c.Region || parts[4] != c.AccountID {
		return "", invalid("%s %q is not in this server's region and account (%s, %s).", field, arn, c.Region, c.AccountID)
	}
	return strings.TrimPrefix(parts[5], "stream/"), nil
}

// moduleOf reads the module reference a LambdaArn names:
// arn:aws:lambda:REGION:ACCOUNT:function:MODULE[:VERSION] gives "MODULE"
// (the newest version; also for the qualifier $LATEST) or "MODULE@VERSION".
func (c Config) moduleOf(arn, field string) (string, error) {
	parts := strings.Split(arn, ":")
	if len(parts) < 7 || len(parts) > 8 || parts[0] != "arn" || parts[2] != "lambda" || parts[5] != "function" {
		return "", invalid("%s %q is not a Lambda function ARN, arn:aws:lambda:REGION:ACCOUNT:function:MODULE[:VERSION].", field, arn)
	}
	if parts[3] != c.Region || parts[4] != c.AccountID {
		return "", invalid("%s %q is not in this server's region and account (%s, %s).", field, arn, c.Region, c.AccountID)
	}
	ref := parts[6]
	if len(parts) == 8 && parts[7] != "$LATEST" {
		ref += "@" + parts[7]
	}
	if _, _, err := modules.ParseRef(ref); err != nil {
		return "", invalid("%s %q does not name a module: %v (the qualifier, if any, is a version number or $LATEST).", field, arn, err)
	}
	return ref, nil
}

func invalid(format string, args ...any) *awsjson.Error {
	return awsjson.Errorf(InvalidArgument, format, args...)
}

func validation(format string, args ...any) *awsjson.Error {
	return awsjson.Errorf(Validation, "1 validation error detected: "+format, args...)
}
