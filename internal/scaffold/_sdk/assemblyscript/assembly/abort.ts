// The module's abort handler. AssemblyScript calls `abort` on an assertion,
// an out-of-range index, a failed allocation and on `throw`; by default that
// is the import `env.abort`, which Sluice does not provide. Builds pass
// `--use abort=<sdk>/assembly/abort/abortHandler` (build-transform.sh does)
// so aborts come here instead: the message goes to the host's log at error
// level and the instance traps, which fails the batch.
import { host_log } from "./host";
import { utf8Encode } from "./utf8";

let aborting = false;

/** Logs the abort's message and location through `sluice.log`, then traps. */
export function abortHandler(message: string | null, fileName: string | null, line: u32, column: u32): void {
  if (!aborting) {
    // An abort while building the message (out of memory, say) must not recurse.
    aborting = true;
    let m = "abort: " + (message != null ? message : "(no message)");
    if (fileName != null) {
      m += " at " + fileName + ":" + line.toString() + ":" + column.toString();
    }
    const b = utf8Encode(m);
    host_log(3, b.dataStart, <usize>b.length);
  }
  unreachable();
}
