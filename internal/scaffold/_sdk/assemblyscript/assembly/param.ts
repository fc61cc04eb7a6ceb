// Transform parameters: the environment variables the pipeline grants the
// module (ABI.md), read through WASI preview 1's environ_sizes_get and
// environ_get. The environment does not change during an instance's life, so
// it is read once, on the first call.

// @ts-ignore: decorator
@external("wasi_snapshot_preview1", "environ_sizes_get")
declare function environ_sizes_get(count_ptr: usize, buf_size_ptr: usize): i32;

// @ts-ignore: decorator
@external("wasi_snapshot_preview1", "environ_get")
declare function environ_get(environ_ptr: usize, buf_ptr: usize): i32;

let env: Map<string, string> | null = null;

function readEnv(): Map<string, string> {
  const m = new Map<string, string>();
  const sizes = new StaticArray<u32>(2);
  if (environ_sizes_get(changetype<usize>(sizes), changetype<usize>(sizes) + 4) != 0) return m;
  const count = sizes[0];
  const size = sizes[1];
  if (count == 0) return m;
  const ptrs = new StaticArray<u32>(<i32>count);
  const buf = new ArrayBuffer(<i32>size);
  if (environ_get(changetype<usize>(ptrs), changetype<usize>(buf)) != 0) return m;
  const end = changetype<usize>(buf) + <usize>size;
  for (let i: u32 = 0; i < count; i++) {
    const start = <usize>ptrs[i];
    let p = start;
    while (p < end && load<u8>(p) != 0) p++;
    const entry = String.UTF8.decodeUnsafe(start, p - start);
    const eq = entry.indexOf("=");
    if (eq < 0) {
      m.set(entry, "");
    } else if (!m.has(entry.substring(0, eq))) {
      m.set(entry.substring(0, eq), entry.substring(eq + 1));
    }
  }
  return m;
}

function environment(): Map<string, string> {
  let m = env;
  if (m == null) {
    m = readEnv();
    env = m;
  }
  return m;
}

/** The value of parameter `name`, or null when the pipeline does not set it. */
export function param(name: string): string | null {
  const m = environment();
  return m.has(name) ? m.get(name) : null;
}

/** The value of parameter `name`, or `fallback` when it is not set. */
export function paramOr(name: string, fallback: string): string {
  const m = environment();
  return m.has(name) ? m.get(name) : fallback;
}
