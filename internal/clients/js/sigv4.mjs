// SigV4 cases against a Sluice server with the AWS SDK for JavaScript v3,
// with the clients' HTTP handler as they ship (HANDLER "default": the
// Kinesis client speaks HTTP/2 with prior knowledge and signs :authority
// instead of host) or over HTTP/1.1 (HANDLER "http1": NodeHttpHandler).
// Usage: node sigv4.mjs ENDPOINT ADMIN_ID ADMIN_SECRET PRODUCER_ID PRODUCER_SECRET [HANDLER]
// Prints one JSON object: case name -> the AWS error name ("" for success).
import { KinesisClient, ListStreamsCommand, PutRecordCommand, DescribeStreamCommand } from "@aws-sdk/client-kinesis";
import { FirehoseClient, ListDeliveryStreamsCommand } from "@aws-sdk/client-firehose";
import { NodeHttpHandler } from "@smithy/node-http-handler";

const [endpoint, adminId, adminSecret, prodId, prodSecret, handler = "http1"] = process.argv.slice(2);

function options(id, secret, extra = {}) {
  const o = {
    endpoint, region: "us-east-1", maxAttempts: 1,
    credentials: { accessKeyId: id, secretAccessKey: secret },
    ...extra,
  };
  if (handler === "http1") o.requestHandler = new NodeHttpHandler();
  return o;
}

// code is the error name of p; with message, only if the error's message
// holds it (else the name and the message).
async function code(p, message = "") {
  try {
    await p;
    return "";
  } catch (e) {
    if (message && !String(e.message).includes(message)) return `${e.name}: ${e.message}`;
    return e.name;
  }
}

const put = new PutRecordCommand({ StreamName: "sensors-1", PartitionKey: "k", Data: new TextEncoder().encode("21.5") });
const results = {};
results["right key"] = await code(new KinesisClient(options(adminId, adminSecret)).send(put));
results["firehose right key"] = await code(new FirehoseClient(options(adminId, adminSecret)).send(new ListDeliveryStreamsCommand({})));
results["unknown key"] = await code(new KinesisClient(options("AKIDUNKNOWN0000001", adminSecret)).send(new ListStreamsCommand({})));
results["wrong secret"] = await code(new KinesisClient(options(adminId, "wrong-secret-0123456789")).send(new ListStreamsCommand({})));
results["skewed clock"] = await code(new KinesisClient(options(adminId, adminSecret, { systemClockOffset: -20 * 60 * 1000, correctClockSkew: false }))
  .send(new ListStreamsCommand({})), "Signature expired");

const unsigned = new KinesisClient(options(adminId, adminSecret, { signer: { sign: async (request) => request } }));
results["missing authorization"] = await code(unsigned.send(new ListStreamsCommand({})));

// The deserialize step runs after signing: change the body there.
const tampered = new KinesisClient(options(adminId, adminSecret));
tampered.middlewareStack.add((next) => async (args) => {
  args.request.body = args.request.body.replace("MjEuNQ", "OTkuOQ");
  return next(args);
}, { step: "deserialize", name: "tamper" });
results["tampered body"] = await code(tampered.send(put));

const producer = new KinesisClient(options(prodId, prodSecret));
results["producer put"] = await code(producer.send(new PutRecordCommand({ StreamName: "sensors-1", PartitionKey: "k", Data: new TextEncoder().encode("1") })));
results["producer read"] = await code(producer.send(new DescribeStreamCommand({ StreamName: "sensors-1" })));
console.log(JSON.stringify(results));
