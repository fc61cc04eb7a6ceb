// The AssemblyScript SDK's benchmark transform: ASCII-upper-cases each
// record's data and answers Ok.
import { Record, Result, onRecord } from "../../../assembly/index";
export { sluice_abi_version_1, sluice_alloc, sluice_transform } from "../../../assembly/index";

function upper(r: Record): Result {
  const n = r.data.length;
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const c = unchecked(r.data[i]);
    unchecked(out[i] = c >= 0x61 && c <= 0x7a ? c - 0x20 : c);
  }
  return Result.ok(out);
}

onRecord(upper);
