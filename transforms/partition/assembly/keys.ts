// The partition transform's parameters: KEYS=name:path,... and the optional
// MISSING default, and how one record's keys are read.
import { JsonDoc, JsonKind, JsonPath } from "../../../sdk/assemblyscript/assembly/index";

/** The parsed KEYS parameter, or the reason it is unusable. */
export class KeySpec {
  /** Partition key names, in the order KEYS lists them. */
  names: string[] = [];
  /** The dotted path each key is read from, parallel to `names`. */
  paths: JsonPath[] = [];
  /** The value for a missing or null field; null means such a record fails. */
  missing: string | null = null;
  /** Why the parameters are unusable ("" when they are fine). */
  error: string = "";
}

/** Parses KEYS (for example "site:meta.site,kind:type") and MISSING. */
export function parseKeys(keys: string | null, missing: string | null): KeySpec {
  const spec = new KeySpec();
  spec.missing = missing;
  if (keys == null || keys.trim().length == 0) {
    spec.error = "partition: parameter KEYS is not set (name:path,... such as site:meta.site,kind:type)";
    return spec;
  }
  const items = keys.split(",");
  for (let i = 0; i < items.length; i++) {
    const item = items[i].trim();
    const colon = item.indexOf(":");
    const name = colon < 0 ? "" : item.substring(0, colon).trim();
    const path = colon < 0 ? "" : item.substring(colon + 1).trim();
    if (name.length == 0 || path.length == 0) {
      spec.error = "partition: KEYS entry \"" + item + "\" is not name:path";
      return spec;
    }
    if (spec.names.includes(name)) {
      spec.error = "partition: KEYS names \"" + name + "\" twice";
      return spec;
    }
    spec.names.push(name);
    spec.paths.push(new JsonPath(path));
  }
  return spec;
}

/**
 * Reads the value of key `i` from `doc` into `out[0]`; returns "" on
 * success or the reason the record cannot be partitioned.
 */
export function keyValue(spec: KeySpec, i: i32, doc: JsonDoc, out: string[]): string {
  const v = doc.at(spec.paths[i]);
  if (v == null || v.kind == JsonKind.Null) {
    const m = spec.missing;
    if (m != null) {
      out[0] = m;
      return "";
    }
    return "partition key \"" + spec.names[i] + "\": field \"" + spec.paths[i].path + "\" is " +
      (v == null ? "missing" : "null");
  }
  if (v.kind == JsonKind.Object || v.kind == JsonKind.Array) {
    return "partition key \"" + spec.names[i] + "\": field \"" + spec.paths[i].path + "\" is an " +
      (v.kind == JsonKind.Object ? "object" : "array") + ", not a string, number or boolean";
  }
  out[0] = v.text();
  return "";
}
