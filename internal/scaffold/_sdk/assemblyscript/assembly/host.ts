// The functions the Sluice host provides to every SDK ABI v1 module (module
// `sluice` in sdk/ABI.md). Only the ones a transform actually calls end up as
// imports of its .wasm: AssemblyScript drops unused declarations.

/** Hands the host the call's answer: `len` bytes at `ptr` (ABI.md `set_output`). */
// @ts-ignore: decorator
@external("sluice", "set_output")
export declare function set_output(ptr: usize, len: usize): void;

/** Writes a UTF-8 message to the host's log (ABI.md `log`). */
// @ts-ignore: decorator
@external("sluice", "log")
export declare function host_log(level: i32, ptr: usize, len: usize): void;

/** Reads a key from a granted JetStream key-value bucket (ABI.md `kv_get`). */
// @ts-ignore: decorator
@external("sluice", "kv_get")
export declare function kv_get(
  bucket_ptr: usize, bucket_len: usize,
  key_ptr: usize, key_len: usize,
  out_ptr: usize, out_cap: usize,
): i32;
