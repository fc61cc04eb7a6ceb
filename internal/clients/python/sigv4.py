"""SigV4 cases against a Sluice server with boto3 (Debian's python3-boto3).

Usage: sigv4.py ENDPOINT ADMIN_ID ADMIN_SECRET PRODUCER_ID PRODUCER_SECRET
Prints one JSON object: case name -> the AWS error code ("" for success).
"""
import datetime
import json
import sys

import boto3
from botocore import UNSIGNED
from botocore.config import Config
from botocore.exceptions import ClientError

endpoint, admin_id, admin_secret, prod_id, prod_secret = sys.argv[1:6]
cfg = Config(retries={"max_attempts": 1})


def client(service, key_id, secret, config=cfg):
    return boto3.client(service, endpoint_url=endpoint, region_name="us-east-1",
                        aws_access_key_id=key_id, aws_secret_access_key=secret, config=config)


def code(fn, message=""):
    """The error code of fn's call; with message, only if the error's
    message holds it (else the code and the message)."""
    try:
        fn()
        return ""
    except ClientError as e:
        err = e.response["Error"]
        if message and message not in err.get("Message", ""):
            return err["Code"] + ": " + err.get("Message", "")
        return err["Code"]


results = {}
admin = client("kinesis", admin_id, admin_secret)
results["right key"] = code(lambda: admin.put_record(StreamName="sensors-1", PartitionKey="k", Data=b"21.5"))
results["firehose right key"] = code(lambda: client("firehose", admin_id, admin_secret).list_delivery_streams())
results["unknown key"] = code(lambda: client("kinesis", "AKIDUNKNOWN0000001", admin_secret).list_streams())
results["wrong secret"] = code(lambda: client("kinesis", admin_id, "wrong-secret-0123456789").list_streams())
results["missing authorization"] = code(lambda: client("kinesis", None, None, cfg.merge(Config(signature_version=UNSIGNED))).list_streams())

tampered = client("kinesis", admin_id, admin_secret)


def tamper(request, **kwargs):
    body = request.body if isinstance(request.body, bytes) else request.body.encode()
    if b"MjEuNQ" not in body:  # base64 of 21.5
        raise AssertionError("nothing to tamper with in %r" % body)
    request.body = body.replace(b"MjEuNQ", b"OTkuOQ")


tampered.meta.events.register("before-send.kinesis.PutRecord", tamper)
results["tampered body"] = code(lambda: tampered.put_record(StreamName="sensors-1", PartitionKey="k", Data=b"21.5"))


# botocore's signers (botocore.auth, and botocore.crt.auth when awscrt is
# installed) read the clock through the datetime module: make it 20
# minutes slow while one request is signed.
real = datetime.datetime


class skewed(real):
    @classmethod
    def utcnow(cls):
        return real.utcnow() - datetime.timedelta(minutes=20)


skewed_client = client("kinesis", admin_id, admin_secret)
datetime.datetime = skewed
try:
    results["skewed clock"] = code(lambda: skewed_client.list_streams(), "Signature expired")
finally:
    datetime.datetime = real

producer = client("kinesis", prod_id, prod_secret)
results["producer put"] = code(lambda: producer.put_record(StreamName="sensors-1", PartitionKey="k", Data=b"1"))
results["producer read"] = code(lambda: producer.describe_stream(StreamName="sensors-1"))
print(json.dumps(results))
