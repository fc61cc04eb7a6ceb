// The AssemblyScript SDK's benchmark transform: ASCII-upper-cases each
// record's data and answers Ok.
//
// The loop reads and writes through raw addresses (dataStart with load and
// store) rather than indexing the arrays: with a garbage-collected runtime,
// asc spills every array reference a loop touches to its shadow stack on
// each iteration, which made indexing about 8x slower than this loop.
import { Record, Result, onRecord } from "../../../assembly/index";
export { sluice_abi_version_1, sluice_alloc, sluice_transform } from "../../../assembly/index";

function upper(r: Record): Result {
  const n = <usize>r.data.length;
  const out = new Uint8Array(<i32>n);
  const src = r.data.dataStart;
  const dst = out.dataStart;
  for (let i: usize = 0; i < n; i++) {
    const c = load<u8>(src + i);
    store<u8>(dst + i, c >= 0x61 && c <= 0x7a ? c - 0x20 : c);
  }
  return Result.ok(out);
}

onRecord(upper);
