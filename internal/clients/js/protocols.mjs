// Create, put, get and list against a Sluice server with the AWS SDK for
// JavaScript v3's Kinesis and Firehose clients, each with a chosen HTTP
// handler: "default" is the client as it ships (Kinesis: NodeHttp2Handler,
// which speaks HTTP/2 with prior knowledge to an http:// endpoint;
// Firehose: NodeHttpHandler, HTTP/1.1), "http1" is NodeHttpHandler,
// "http2" is NodeHttp2Handler.
// Usage: node protocols.mjs ACCESS_KEY_ID SECRET VARIANTS
// VARIANTS is a JSON object: variant name ("kinesis default", "firehose
// http2", ...) -> endpoint. Prints one JSON object: variant -> step ->
// "" for success, else what went wrong.
import {
  KinesisClient, CreateStreamCommand, PutRecordCommand, GetShardIteratorCommand, GetRecordsCommand, ListStreamsCommand,
} from "@aws-sdk/client-kinesis";
import {
  FirehoseClient, CreateDeliveryStreamCommand, PutRecordCommand as FirehosePutRecordCommand,
  DescribeDeliveryStreamCommand, ListDeliveryStreamsCommand,
} from "@aws-sdk/client-firehose";
import { NodeHttpHandler, NodeHttp2Handler } from "@smithy/node-http-handler";

const [id, secret, variantsJSON] = process.argv.slice(2);
const variants = JSON.parse(variantsJSON);

function options(endpoint, handler) {
  const o = { endpoint, region: "us-east-1", maxAttempts: 1, credentials: { accessKeyId: id, secretAccessKey: secret } };
  if (handler === "http1") o.requestHandler = new NodeHttpHandler();
  if (handler === "http2") o.requestHandler = new NodeHttp2Handler();
  return o;
}

// step runs fn and records "" or the error.
async function step(out, name, fn) {
  try {
    const problem = await fn();
    out[name] = problem || "";
  } catch (e) {
    out[name] = `${e.name}: ${e.message}`;
  }
}

async function kinesis(endpoint, handler, stream) {
  const c = new KinesisClient(options(endpoint, handler));
  const out = {};
  const data = new TextEncoder().encode(`record over ${handler}`);
  let shardId;
  await step(out, "create", async () => { await c.send(new CreateStreamCommand({ StreamName: stream, ShardCount: 1 })); });
  await step(out, "put", async () => {
    const r = await c.send(new PutRecordCommand({ StreamName: stream, PartitionKey: "k", Data: data }));
    shardId = r.ShardId;
    if (!r.SequenceNumber) return `no SequenceNumber: ${JSON.stringify(r)}`;
  });
  await step(out, "get", async () => {
    const it = await c.send(new GetShardIteratorCommand({ StreamName: stream, ShardId: shardId, ShardIteratorType: "TRIM_HORIZON" }));
    const r = await c.send(new GetRecordsCommand({ ShardIterator: it.ShardIterator }));
    if (r.Records.length !== 1) return `${r.Records.length} records`;
    const rec = r.Records[0];
    if (Buffer.compare(Buffer.from(rec.Data), Buffer.from(data)) !== 0) return `data ${Buffer.from(rec.Data).toString()}`;
    const age = Date.now() - rec.ApproximateArrivalTimestamp.getTime();
    if (!(age >= 0 && age < 10 * 60 * 1000)) return `ApproximateArrivalTimestamp ${rec.ApproximateArrivalTimestamp.toISOString()}`;
  });
  await step(out, "list", async () => {
    const r = await c.send(new ListStreamsCommand({}));
    if (!r.StreamNames.includes(stream)) return `ListStreams: ${r.StreamNames}`;
  });
  c.destroy();
  return out;
}

async function firehose(endpoint, handler, name) {
  const c = new FirehoseClient(options(endpoint, handler));
  const out = {};
  await step(out, "create", async () => {
    await c.send(new CreateDeliveryStreamCommand({
      DeliveryStreamName: name, DeliveryStreamType: "DirectPut",
      ExtendedS3DestinationConfiguration: {
        BucketARN: "arn:aws:s3:::lake", RoleARN: "arn:aws:iam::000000000000:role/firehose", Prefix: `${name}/`,
        BufferingHints: { SizeInMBs: 1, IntervalInSeconds: 0 },
      },
    }));
  });
  await step(out, "put", async () => {
    const r = await c.send(new FirehosePutRecordCommand({ DeliveryStreamName: name, Record: { Data: new TextEncoder().encode(`over ${handler}\n`) } }));
    if (!r.RecordId) return `no RecordId: ${JSON.stringify(r)}`;
  });
  await step(out, "get", async () => {
    const r = await c.send(new DescribeDeliveryStreamCommand({ DeliveryStreamName: name }));
    if (r.DeliveryStreamDescription.DeliveryStreamName !== name) return JSON.stringify(r.DeliveryStreamDescription);
  });
  await step(out, "list", async () => {
    const r = await c.send(new ListDeliveryStreamsCommand({}));
    if (!r.DeliveryStreamNames.includes(name)) return `ListDeliveryStreams: ${r.DeliveryStreamNames}`;
  });
  c.destroy();
  return out;
}

const results = {};
let n = 0;
for (const [variant, endpoint] of Object.entries(variants)) {
  const [service, handler] = variant.split(" ");
  const name = `js-${service}-${handler}-${n++}`;
  results[variant] = service === "kinesis" ? await kinesis(endpoint, handler, name) : await firehose(endpoint, handler, name);
}
console.log(JSON.stringify(results));
