// The Sluice transform SDK for AssemblyScript: the guest side of sdk/ABI.md
// (SDK ABI v1). A transform's entry file registers a record handler and
// re-exports the ABI functions:
//
//   import { onRecord, Record, Result } from "<sdk>/assembly/index";
//   export { sluice_abi_version_1, sluice_alloc, sluice_transform } from "<sdk>/assembly/index";
//
//   onRecord((r: Record): Result => Result.ok(r.data));
//
// and is built with build-transform.sh, which also routes aborts to the
// SDK's handler (abort.ts) so the module imports nothing but `sluice` (and
// `wasi_snapshot_preview1` when it reads parameters).
export { Batch, KinesisMetadata, Record } from "./batch";
export { Result, ResultCode } from "./result";
export { RecordHandler, onRecord, sluice_abi_version_1, sluice_alloc, sluice_transform, MAX_INPUT_BYTES } from "./transform";
export { LogLevel, log, logDebug, logInfo, logWarn, logError } from "./log";
export { KvResult, KvStatus, kvGet } from "./kv";
export { param, paramOr } from "./param";
export { JsonDoc, JsonKind, JsonPath, JsonValue, parseJson, parseJsonString } from "./json";
export { MAX_DEPTH } from "./jsonscan";
export { utf8Encode } from "./utf8";
export { abortHandler } from "./abort";
