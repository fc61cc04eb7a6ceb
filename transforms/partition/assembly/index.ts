// The partition transform: sets dynamic partitioning keys
// (metadata.partitionKeys) from fields of each JSON record, leaving the data
// unchanged. See README.md.
import { Record, Result, onRecord, param, parseJson } from "../../../sdk/assemblyscript/assembly/index";
import { KeySpec, keyValue, parseKeys } from "./keys";
export { sluice_abi_version_1, sluice_alloc, sluice_transform } from "../../../sdk/assemblyscript/assembly/index";

// Parameters do not change during an instance's life: parse them once.
let spec: KeySpec | null = null;
const value: string[] = [""];

function handle(r: Record): Result {
  let s = spec;
  if (s == null) {
    s = parseKeys(param("KEYS"), param("MISSING"));
    spec = s;
  }
  if (s.error.length != 0) return Result.failBatch(s.error);
  const doc = parseJson(r.data);
  if (!doc.ok) return Result.fail("record is not JSON: " + doc.error);
  const res = Result.ok(r.data);
  for (let i = 0; i < s.names.length; i++) {
    const why = keyValue(s, i, doc, value);
    if (why.length != 0) return Result.fail(why);
    res.withPartitionKey(s.names[i], value[0]);
  }
  return res;
}

onRecord(handle);
