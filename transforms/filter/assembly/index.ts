// The filter transform: keeps the JSON records whose field FIELD satisfies
// OP VALUE and drops the rest; records that are not JSON fail. See README.md.
import { Record, Result, onRecord, param, parseJson } from "../../../sdk/assemblyscript/assembly/index";
import { Predicate, matches, parsePredicate } from "./predicate";
export { sluice_abi_version_1, sluice_alloc, sluice_transform } from "../../../sdk/assemblyscript/assembly/index";

// Parameters do not change during an instance's life: parse them once.
let predicate: Predicate | null = null;

function handle(r: Record): Result {
  let p = predicate;
  if (p == null) {
    p = parsePredicate(param("FIELD"), param("OP"), param("VALUE"));
    predicate = p;
  }
  if (p.error.length != 0) return Result.failBatch(p.error);
  const doc = parseJson(r.data);
  if (!doc.ok) return Result.fail("record is not JSON: " + doc.error);
  return matches(doc.at(p.field), p) ? Result.ok(r.data) : Result.drop();
}

onRecord(handle);
