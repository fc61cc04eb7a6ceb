"""The rest of the API with boto3 (Debian's python3-boto3): Kinesis
TagResource, ListTagsForResource, UntagResource, DescribeLimits,
UpdateMaxRecordSize, EnableEnhancedMonitoring; Firehose tags and
UpdateDestination.

Usage: api.py ENDPOINT KEY_ID SECRET
Debian's botocore predates TagResource, ListTagsForResource and
UpdateMaxRecordSize: run with AWS_DATA_PATH=../models, which holds AWS's
current Kinesis model (see ../models/README.md).
Prints one JSON object: case name -> result ("" or a value for success,
the AWS error code, with the message after ": " where asked for).
"""
import json
import sys

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

endpoint, key_id, secret = sys.argv[1:4]
cfg = Config(retries={"max_attempts": 1})


def client(service):
    return boto3.client(service, endpoint_url=endpoint, region_name="us-east-1",
                        aws_access_key_id=key_id, aws_secret_access_key=secret, config=cfg)


def run(fn):
    """fn's result (a string), or the error code of its call."""
    try:
        out = fn()
        return "" if out is None else out
    except ClientError as e:
        return e.response["Error"]["Code"]


def tags(ts):
    return ",".join("%s=%s" % (t["Key"], t.get("Value", "")) for t in sorted(ts, key=lambda t: t["Key"]))


results = {}
k = client("kinesis")
k.create_stream(StreamName="api-1", ShardCount=1)
k.get_waiter("stream_exists").wait(StreamName="api-1", WaiterConfig={"Delay": 0.2, "MaxAttempts": 50})
arn = k.describe_stream_summary(StreamName="api-1")["StreamDescriptionSummary"]["StreamARN"]

results["kinesis tag resource"] = run(lambda: k.tag_resource(ResourceARN=arn, Tags={"team": "plant-7", "env": ""}) and None)
results["kinesis list tags for resource"] = run(lambda: tags(k.list_tags_for_resource(ResourceARN=arn)["Tags"]))
results["kinesis untag resource"] = run(lambda: k.untag_resource(ResourceARN=arn, TagKeys=["env"]) and None)
results["kinesis tags after untag"] = run(lambda: tags(k.list_tags_for_resource(ResourceARN=arn)["Tags"]))
results["kinesis bad tag"] = run(lambda: k.tag_resource(ResourceARN=arn, Tags={"a;b": "x"}) and "accepted")
results["kinesis describe limits"] = run(lambda: "%(OpenShardCount)d/%(ShardLimit)d" % k.describe_limits())
big = b"x" * (2 << 20)
results["kinesis 2 MiB record before"] = run(lambda: k.put_record(StreamName="api-1", PartitionKey="k", Data=big) and None)
results["kinesis update max record size"] = run(lambda: k.update_max_record_size(StreamARN=arn, MaxRecordSizeInKiB=10240) and None)
results["kinesis max record size"] = run(lambda: str(k.describe_stream_summary(StreamName="api-1")["StreamDescriptionSummary"]["MaxRecordSizeInKiB"]))
results["kinesis 2 MiB record after"] = run(lambda: k.put_record(StreamName="api-1", PartitionKey="k", Data=big) and None)
results["kinesis enable enhanced monitoring"] = run(lambda: ",".join(
    k.enable_enhanced_monitoring(StreamName="api-1", ShardLevelMetrics=["IncomingBytes", "OutgoingRecords"])["DesiredShardLevelMetrics"]))
results["kinesis disable enhanced monitoring"] = run(lambda: ",".join(
    k.disable_enhanced_monitoring(StreamName="api-1", ShardLevelMetrics=["ALL"])["DesiredShardLevelMetrics"]))

f = client("firehose")
f.create_delivery_stream(
    DeliveryStreamName="api-d", DeliveryStreamType="DirectPut",
    Tags=[{"Key": "team", "Value": "plant-7"}],
    ExtendedS3DestinationConfiguration={"BucketARN": "arn:aws:s3:::lake", "RoleARN": "arn:aws:iam::123456789012:role/f",
                                        "BufferingHints": {"SizeInMBs": 1, "IntervalInSeconds": 60}})
results["firehose tag delivery stream"] = run(lambda: f.tag_delivery_stream(
    DeliveryStreamName="api-d", Tags=[{"Key": "cost", "Value": "42"}, {"Key": "team", "Value": "plant-8"}]) and None)
results["firehose list tags"] = run(lambda: tags(f.list_tags_for_delivery_stream(DeliveryStreamName="api-d")["Tags"]))
page = f.list_tags_for_delivery_stream(DeliveryStreamName="api-d", Limit=1)
results["firehose list tags page"] = "%s more=%s" % (tags(page["Tags"]), page["HasMoreTags"])
results["firehose untag delivery stream"] = run(lambda: f.untag_delivery_stream(DeliveryStreamName="api-d", TagKeys=["cost"]) and None)
d = f.describe_delivery_stream(DeliveryStreamName="api-d")["DeliveryStreamDescription"]
version, dest = d["VersionId"], d["Destinations"][0]["DestinationId"]
results["firehose update destination"] = run(lambda: f.update_destination(
    DeliveryStreamName="api-d", CurrentDeliveryStreamVersionId=version, DestinationId=dest,
    ExtendedS3DestinationUpdate={"Prefix": "v2/"}) and None)
d = f.describe_delivery_stream(DeliveryStreamName="api-d")["DeliveryStreamDescription"]
results["firehose version and prefix"] = "%s %s" % (d["VersionId"], d["Destinations"][0]["ExtendedS3DestinationDescription"]["Prefix"])
results["firehose stale update"] = run(lambda: f.update_destination(
    DeliveryStreamName="api-d", CurrentDeliveryStreamVersionId=version, DestinationId=dest,
    ExtendedS3DestinationUpdate={"Prefix": "v3/"}) and "accepted")
results["firehose bad tag"] = run(lambda: f.tag_delivery_stream(DeliveryStreamName="api-d", Tags=[{"Key": "a;b"}]) and "accepted")
print(json.dumps(results))
