// UTF-8 helpers shared by the SDK. Strings that go back to the host must be
// valid UTF-8 (a response with invalid UTF-8 fails the whole batch), so every
// encoding here replaces unpaired UTF-16 surrogates with U+FFFD instead of
// AssemblyScript's default WTF-8.

/** Encodes `s` as UTF-8, replacing unpaired surrogates with U+FFFD. */
export function utf8Encode(s: string): Uint8Array {
  const n = String.UTF8.byteLength(s);
  const out = new Uint8Array(n);
  String.UTF8.encodeUnsafe(changetype<usize>(s), s.length, out.dataStart, false, String.UTF8.ErrorMode.REPLACE);
  return out;
}

/** Writes `s` as UTF-8 at `dst` (which has room for `String.UTF8.byteLength(s)` bytes); returns the bytes written. */
export function utf8Write(s: string, dst: usize): usize {
  return String.UTF8.encodeUnsafe(changetype<usize>(s), s.length, dst, false, String.UTF8.ErrorMode.REPLACE);
}

/** Decodes `bytes` as UTF-8. */
export function utf8Decode(bytes: Uint8Array): string {
  return String.UTF8.decodeUnsafe(bytes.dataStart, <usize>bytes.length);
}
