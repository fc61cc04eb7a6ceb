// A test transform that exercises the whole SDK. Each record's data is a
// command ("ok:text", "drop", "fail:why", "json:path\n{...}", ...) and the
// answer shows what the SDK did with it; test/sdk.test.mjs drives it.
import {
  Record, Result, onRecord, log, LogLevel, kvGet, param, parseJson, JsonKind,
} from "../assembly/index";
export { sluice_abi_version_1, sluice_alloc, sluice_transform } from "../assembly/index";

function kindName(k: JsonKind): string {
  switch (k) {
    case JsonKind.Null: return "null";
    case JsonKind.Bool: return "bool";
    case JsonKind.Number: return "number";
    case JsonKind.String: return "string";
    case JsonKind.Object: return "object";
    default: return "array";
  }
}

// "json:<path>\n<document>": the document is read from the raw record bytes.
function json(r: Record, arg: string): Result {
  const path = arg.substring(0, arg.indexOf("\n"));
  const doc = parseJson(r.data.subarray(r.data.indexOf(0x0a) + 1));
  if (!doc.ok) return Result.fail("not JSON: " + doc.error);
  const v = doc.get(path);
  if (v == null) return Result.okString("missing");
  let out = kindName(v.kind) + ":" + v.text();
  if (v.kind == JsonKind.Number) out += ":" + v.asNumber().toString();
  if (v.kind == JsonKind.Bool) out += ":" + (v.asBool() ? "yes" : "no");
  if (v.kind == JsonKind.Array) out += ":" + v.elements().length.toString();
  return Result.okString(out);
}

function meta(r: Record): Result {
  const b = r.batch;
  let s = r.id + "|" + r.approximateArrivalTimestamp.toString() + "|" + b.invocationId + "|" +
    b.deliveryStreamArn + "|" + b.region + "|" + b.sourceStreamArn + "|" + b.recordCount.toString();
  const k = r.kinesis;
  if (k != null) {
    s += "|" + k.shardId + "|" + k.partitionKey + "|" + k.sequenceNumber + "|" +
      k.subsequenceNumber.toString() + "|" + k.approximateArrivalTimestamp.toString();
  }
  return Result.okString(s);
}

function handle(r: Record): Result {
  const cmd = r.dataString();
  const colon = cmd.indexOf(":");
  const verb = colon < 0 ? cmd : cmd.substring(0, colon);
  const arg = colon < 0 ? "" : cmd.substring(colon + 1);
  if (verb == "ok") return Result.okString(arg);
  if (verb == "echo") return Result.ok(r.data);
  if (verb == "bytes") return Result.ok(r.data.subarray(6)); // the raw bytes after "bytes:"
  if (verb == "drop") return Result.drop();
  if (verb == "fail") return Result.fail(arg);
  if (verb == "batchfail") return Result.failBatch(arg);
  if (verb == "meta") return meta(r);
  if (verb == "json") return json(r, arg);
  if (verb == "keys") {
    const res = Result.ok(r.data);
    const pairs = arg.split(",");
    for (let i = 0; i < pairs.length; i++) {
      const eq = pairs[i].indexOf("=");
      res.withPartitionKey(pairs[i].substring(0, eq), pairs[i].substring(eq + 1));
    }
    return res;
  }
  if (verb == "log") {
    const c = arg.indexOf(":");
    log(<LogLevel>I32.parseInt(arg.substring(0, c)), arg.substring(c + 1));
    return Result.okString("logged");
  }
  if (verb == "kv") {
    const slash = arg.indexOf("/");
    const got = kvGet(arg.substring(0, slash), arg.substring(slash + 1));
    return Result.okString(got.status.toString() + ":" + got.valueString());
  }
  if (verb == "param") {
    const v = param(arg);
    return Result.okString(v == null ? "<unset>" : v);
  }
  if (verb == "surrogate") {
    // An unpaired surrogate must reach the host as U+FFFD, never as invalid UTF-8.
    return Result.fail("bad " + String.fromCharCode(0xd800) + " half").withPartitionKey("k", "v");
  }
  if (verb == "big") {
    return Result.okString("x".repeat(I32.parseInt(arg)));
  }
  if (verb == "garbage") {
    // Allocates arg KiB that die at once, then answers from the record, so
    // a collection in the middle of the batch must keep what is still used.
    const kib = I32.parseInt(arg);
    let keep: ArrayBuffer = new ArrayBuffer(0);
    for (let i = 0; i < kib / 64; i++) keep = new ArrayBuffer(64 << 10);
    return Result.okString("g" + r.id + ":" + keep.byteLength.toString());
  }
  if (verb == "abort") {
    throw new Error(arg);
  }
  return Result.fail("unknown command " + verb);
}

onRecord(handle);
