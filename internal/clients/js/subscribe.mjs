// Enhanced fan-out against a Sluice server with the AWS SDK for
// JavaScript v3's Kinesis client: register a consumer, wait for ACTIVE,
// SubscribeToShard and read the SDK's decoded event stream, resume from
// a ContinuationSequenceNumber, and see a second subscription of the same
// consumer to the same shard refused.
// Usage: node subscribe.mjs ENDPOINT ACCESS_KEY_ID SECRET HANDLER STREAM
// HANDLER is "default" (the client as it ships: NodeHttp2Handler), "http1"
// (NodeHttpHandler) or "http2" (NodeHttp2Handler).
// Prints one JSON object: step -> "" for success, else what went wrong.
import {
  KinesisClient, CreateStreamCommand, DescribeStreamSummaryCommand, RegisterStreamConsumerCommand,
  DescribeStreamConsumerCommand, PutRecordCommand, SubscribeToShardCommand, DeregisterStreamConsumerCommand,
} from "@aws-sdk/client-kinesis";
import { NodeHttpHandler, NodeHttp2Handler } from "@smithy/node-http-handler";

const [endpoint, id, secret, handler, stream] = process.argv.slice(2);

function client() {
  const o = { endpoint, region: "us-east-1", maxAttempts: 1, credentials: { accessKeyId: id, secretAccessKey: secret } };
  if (handler === "http1") o.requestHandler = new NodeHttpHandler();
  if (handler === "http2") o.requestHandler = new NodeHttp2Handler();
  return new KinesisClient(o);
}

// step runs fn and records "" or the error.
const out = {};
async function step(name, fn) {
  try {
    out[name] = (await fn()) || "";
  } catch (e) {
    out[name] = `${e.name}: ${e.message}`;
  }
}

// withDeadline ends a step that would hang (not a timing check).
function withDeadline(p, ms, what) {
  let timer;
  const deadline = new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`${what}: nothing in ${ms} ms`)), ms); });
  return Promise.race([p, deadline]).finally(() => clearTimeout(timer));
}

// read reads a subscription's events (an async iterator, left open)
// until n records came; it returns their data and the last event.
async function read(events, n) {
  const data = [];
  let last;
  while (data.length < n) {
    const { value: ev, done } = await events.next();
    if (done) throw new Error(`the stream ended after ${data.length} records`);
    if (!ev.SubscribeToShardEvent) throw new Error(`unexpected event ${JSON.stringify(Object.keys(ev))}`);
    last = ev.SubscribeToShardEvent;
    if (typeof last.MillisBehindLatest !== "number") throw new Error(`MillisBehindLatest ${last.MillisBehindLatest}`);
    if (!last.ContinuationSequenceNumber) throw new Error("no ContinuationSequenceNumber");
    for (const r of last.Records) data.push(Buffer.from(r.Data).toString());
  }
  return { data, last };
}

const c = client();
const enc = (s) => new TextEncoder().encode(s);
let streamARN, consumerARN, shardId, cont;
const subscriptions = [];
await step("create", async () => {
  await c.send(new CreateStreamCommand({ StreamName: stream, ShardCount: 1 }));
  for (;;) {
    const s = await c.send(new DescribeStreamSummaryCommand({ StreamName: stream }));
    streamARN = s.StreamDescriptionSummary.StreamARN;
    if (s.StreamDescriptionSummary.StreamStatus === "ACTIVE") return;
    await new Promise((r) => setTimeout(r, 100));
  }
});
await step("register", async () => {
  const r = await c.send(new RegisterStreamConsumerCommand({ StreamARN: streamARN, ConsumerName: "js" }));
  consumerARN = r.Consumer.ConsumerARN;
  if (r.Consumer.ConsumerStatus !== "CREATING") return `registered ${r.Consumer.ConsumerStatus}`;
  for (let i = 0; i < 100; i++) {
    const d = await c.send(new DescribeStreamConsumerCommand({ ConsumerARN: consumerARN }));
    if (d.ConsumerDescription.ConsumerStatus === "ACTIVE") return;
    await new Promise((r) => setTimeout(r, 100));
  }
  return "never ACTIVE";
});
await step("put", async () => {
  for (const d of ["one", "two"]) {
    const r = await c.send(new PutRecordCommand({ StreamName: stream, PartitionKey: "k", Data: enc(d) }));
    shardId = r.ShardId;
  }
});
await step("subscribe", async () => {
  const sc = client();
  subscriptions.push(sc);
  const r = await sc.send(new SubscribeToShardCommand({ ConsumerARN: consumerARN, ShardId: shardId, StartingPosition: { Type: "TRIM_HORIZON" } }));
  const events = r.EventStream[Symbol.asyncIterator]();
  const first = await withDeadline(read(events, 2), 30000, "the first records");
  if (first.data.join(",") !== "one,two") return `records ${first.data}`;
  // A record put while subscribed is pushed.
  await c.send(new PutRecordCommand({ StreamName: stream, PartitionKey: "k", Data: enc("three") }));
  const pushed = await withDeadline(read(events, 1), 30000, "the pushed record");
  if (pushed.data.join(",") !== "three") return `pushed ${pushed.data}`;
  cont = pushed.last.ContinuationSequenceNumber;
  // A second subscription of the consumer to the shard, while the first
  // is open.
  await step("second subscription", async () => {
    try {
      const again = client();
      subscriptions.push(again);
      await again.send(new SubscribeToShardCommand({ ConsumerARN: consumerARN, ShardId: shardId, StartingPosition: { Type: "LATEST" } }));
      return "accepted";
    } catch (e) {
      if (e.name !== "ResourceInUseException") throw e;
    }
  });
  await events.return();
});
await step("resume", async () => {
  await c.send(new PutRecordCommand({ StreamName: stream, PartitionKey: "k", Data: enc("four") }));
  // The first subscription's lease goes when the server sees it end:
  // retry the refusal a while, as a client would.
  for (let i = 0; ; i++) {
    try {
      const sc = client();
      subscriptions.push(sc);
      const r = await sc.send(new SubscribeToShardCommand({ ConsumerARN: consumerARN, ShardId: shardId,
        StartingPosition: { Type: "AFTER_SEQUENCE_NUMBER", SequenceNumber: cont } }));
      const events = r.EventStream[Symbol.asyncIterator]();
      const got = await withDeadline(read(events, 1), 30000, "the resumed record");
      await events.return();
      if (got.data.join(",") !== "four") return `resumed with ${got.data}`;
      return;
    } catch (e) {
      if (e.name !== "ResourceInUseException" || i >= 100) throw e;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
});
await step("deregister", async () => {
  await c.send(new DeregisterStreamConsumerCommand({ ConsumerARN: consumerARN }));
  const d = await c.send(new DescribeStreamConsumerCommand({ ConsumerARN: consumerARN }));
  if (d.ConsumerDescription.ConsumerStatus !== "DELETING") return `deregistered: ${d.ConsumerDescription.ConsumerStatus}`;
});
for (const sc of subscriptions) sc.destroy();
c.destroy();
console.log(JSON.stringify(out));
process.exit(0);
