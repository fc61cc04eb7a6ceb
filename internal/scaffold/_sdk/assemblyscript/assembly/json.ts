// A small JSON reader: validate a document and look values up by dotted
// path ("meta.site", "items.0.id"), reading strings (unescaped), numbers,
// booleans and null. It reads the bytes in place and builds no tree:
// `parseJson` validates the whole document once; lookups then walk it.
import { FAIL, scanError, scanErrorAt, scanString, scanValue, skipWs } from "./jsonscan";

/** The type of a JSON value. */
export enum JsonKind {
  Null = 0,
  Bool = 1,
  Number = 2,
  String = 3,
  Object = 4,
  Array = 5,
}

function kindAt(p: usize): JsonKind {
  const c = load<u8>(p);
  if (c == 0x22) return JsonKind.String;
  if (c == 0x7b) return JsonKind.Object;
  if (c == 0x5b) return JsonKind.Array;
  if (c == 0x74 || c == 0x66) return JsonKind.Bool;
  if (c == 0x6e) return JsonKind.Null;
  return JsonKind.Number;
}

function hexVal(c: u32): u32 {
  return c <= 0x39 ? c - 0x30 : (c | 0x20) - 0x61 + 10;
}

/** Unescapes the string contents between `p` and `end` (quotes excluded); the text is known to be valid. */
function unescape(p: usize, end: usize): string {
  let q = p;
  while (q < end && load<u8>(q) != 0x5c) q++;
  if (q == end) return String.UTF8.decodeUnsafe(p, end - p);
  // Every input byte yields at most one UTF-16 unit.
  const units = new Uint16Array(<i32>(end - p));
  let n = 0;
  while (p < end) {
    let c = <u32>load<u8>(p);
    if (c == 0x5c) {
      const e = <u32>load<u8>(p + 1);
      p += 2;
      if (e == 0x75) {
        c = hexVal(load<u8>(p)) << 12 | hexVal(load<u8>(p + 1)) << 8 | hexVal(load<u8>(p + 2)) << 4 | hexVal(load<u8>(p + 3));
        p += 4;
      } else if (e == 0x62) c = 0x08;
      else if (e == 0x66) c = 0x0c;
      else if (e == 0x6e) c = 0x0a;
      else if (e == 0x72) c = 0x0d;
      else if (e == 0x74) c = 0x09;
      else c = e; // " \ /
      units[n++] = <u16>c;
    } else if (c < 0x80) {
      units[n++] = <u16>c;
      p++;
    } else {
      let cp: u32;
      if (c < 0xe0) {
        cp = (c & 0x1f) << 6 | (<u32>load<u8>(p + 1) & 0x3f);
        p += 2;
      } else if (c < 0xf0) {
        cp = (c & 0x0f) << 12 | (<u32>load<u8>(p + 1) & 0x3f) << 6 | (<u32>load<u8>(p + 2) & 0x3f);
        p += 3;
      } else {
        cp = (c & 0x07) << 18 | (<u32>load<u8>(p + 1) & 0x3f) << 12 | (<u32>load<u8>(p + 2) & 0x3f) << 6 | (<u32>load<u8>(p + 3) & 0x3f);
        p += 4;
      }
      if (cp >= 0x10000) {
        cp -= 0x10000;
        units[n++] = <u16>(0xd800 | cp >> 10);
        units[n++] = <u16>(0xdc00 | (cp & 0x3ff));
      } else {
        units[n++] = <u16>cp;
      }
    }
  }
  return String.UTF16.decodeUnsafe(units.dataStart, <usize>n << 1);
}

// Whether the key whose quoted text spans [p, end) equals `name` (UTF-8 in `nameBytes`).
function keyEquals(p: usize, end: usize, name: string, nameBytes: Uint8Array): bool {
  const s = p + 1;
  const e = end - 1;
  for (let q = s; q < e; q++) {
    if (load<u8>(q) == 0x5c) return unescape(s, e) == name;
  }
  if (e - s != <usize>nameBytes.length) return false;
  return memory.compare(s, nameBytes.dataStart, e - s) == 0;
}

function parseIndex(seg: string): i32 {
  if (seg.length == 0 || seg.length > 9) return -1;
  let v = 0;
  for (let i = 0; i < seg.length; i++) {
    const c = seg.charCodeAt(i) - 0x30;
    if (<u32>c >= 10) return -1;
    v = v * 10 + c;
  }
  if (seg.length > 1 && seg.charCodeAt(0) == 0x30) return -1;
  return v;
}

/** One value inside a parsed document. Valid as long as the document's bytes are unchanged. */
export class JsonValue {
  /** The value's type. */
  kind: JsonKind;
  // The bytes the value lives in (kept so they stay alive), and the value's span in them.
  private bytes: Uint8Array;
  private start: usize;
  private end: usize;

  constructor(bytes: Uint8Array, start: usize, end: usize) {
    this.bytes = bytes;
    this.start = start;
    this.end = end;
    this.kind = kindAt(start);
  }

  /** The value's JSON text exactly as written. */
  raw(): string {
    return String.UTF8.decodeUnsafe(this.start, this.end - this.start);
  }

  /** For a string, its unescaped contents; for any other value, its JSON text. */
  text(): string {
    if (this.kind == JsonKind.String) return unescape(this.start + 1, this.end - 1);
    return this.raw();
  }

  /** For a number, its value; NaN for anything else. */
  asNumber(): f64 {
    if (this.kind != JsonKind.Number) return NaN;
    return parseFloat(this.raw());
  }

  /** True only for the literal `true`. */
  asBool(): bool {
    return this.kind == JsonKind.Bool && load<u8>(this.start) == 0x74;
  }

  /** Whether the value is `null`. */
  get isNull(): bool {
    return this.kind == JsonKind.Null;
  }

  /** The member `name` of an object (the last one when repeated); null if absent or not an object. */
  field(name: string): JsonValue | null {
    if (this.kind != JsonKind.Object) return null;
    return this.member(name, Uint8Array.wrap(String.UTF8.encode(name)));
  }

  // field() with the name's UTF-8 bytes already at hand.
  private member(name: string, nameBytes: Uint8Array): JsonValue | null {
    const end = this.end;
    let found: usize = 0;
    let foundEnd: usize = 0;
    let p = skipWs(this.start + 1, end);
    while (load<u8>(p) == 0x22) {
      const keyEnd = scanString(p, end);
      const match = keyEquals(p, keyEnd, name, nameBytes);
      const v = skipWs(skipWs(keyEnd, end) + 1, end);
      const vEnd = scanValue(v, end, 0);
      if (match) {
        found = v;
        foundEnd = vEnd;
      }
      p = skipWs(vEnd, end);
      if (load<u8>(p) == 0x2c) p = skipWs(p + 1, end);
    }
    return found == 0 ? null : new JsonValue(this.bytes, found, foundEnd);
  }

  /** The elements of an array (empty for anything else). */
  elements(): JsonValue[] {
    const out = new Array<JsonValue>(0);
    if (this.kind != JsonKind.Array) return out;
    const end = this.end;
    let p = skipWs(this.start + 1, end);
    while (load<u8>(p) != 0x5d) {
      const vEnd = scanValue(p, end, 0);
      out.push(new JsonValue(this.bytes, p, vEnd));
      p = skipWs(vEnd, end);
      if (load<u8>(p) == 0x2c) p = skipWs(p + 1, end);
    }
    return out;
  }

  /** Element `i` of an array; null if out of range or not an array. */
  index(i: i32): JsonValue | null {
    if (this.kind != JsonKind.Array || i < 0) return null;
    const end = this.end;
    let p = skipWs(this.start + 1, end);
    let k = 0;
    while (load<u8>(p) != 0x5d) {
      const vEnd = scanValue(p, end, 0);
      if (k == i) return new JsonValue(this.bytes, p, vEnd);
      k++;
      p = skipWs(vEnd, end);
      if (load<u8>(p) == 0x2c) p = skipWs(p + 1, end);
    }
    return null;
  }

  /**
   * The value at a dotted path below this one: each segment names an object
   * member, or, on an array, an element index ("items.0.id"). "" is this
   * value. Null when any step is missing. Member names containing "." cannot
   * be reached this way; use `field`. For a path used on many documents,
   * compile it once with `new JsonPath(path)` and use `at`.
   */
  get(path: string): JsonValue | null {
    return this.at(new JsonPath(path));
  }

  /** The value at a compiled path below this one (see `get`). */
  at(path: JsonPath): JsonValue | null {
    let cur: JsonValue | null = this;
    const n = path.segments.length;
    for (let i = 0; i < n && cur != null; i++) {
      const v: JsonValue = cur;
      if (v.kind == JsonKind.Object) cur = v.member(path.segments[i], path.segmentBytes[i]);
      else if (v.kind == JsonKind.Array) cur = v.index(path.indexes[i]);
      else cur = null;
    }
    return cur;
  }
}

/** A dotted path ("meta.site", "items.0.id"), split and encoded once for many lookups. */
export class JsonPath {
  /** The path as given. */
  path: string;
  /** Its segments; none for "". */
  segments: string[];
  /** Each segment's UTF-8 bytes. */
  segmentBytes: Uint8Array[];
  /** Each segment as an array index, or -1 when it is not a canonical non-negative integer. */
  indexes: i32[];

  constructor(path: string) {
    const segments = path.length == 0 ? new Array<string>(0) : path.split(".");
    const n = segments.length;
    const bytes = new Array<Uint8Array>(n);
    const indexes = new Array<i32>(n);
    for (let i = 0; i < n; i++) {
      bytes[i] = Uint8Array.wrap(String.UTF8.encode(segments[i]));
      indexes[i] = parseIndex(segments[i]);
    }
    this.path = path;
    this.segments = segments;
    this.segmentBytes = bytes;
    this.indexes = indexes;
  }
}

/** A validated JSON document, or the reason it is not one. */
export class JsonDoc {
  /** The top-level value; null when the bytes are not valid JSON. */
  root: JsonValue | null;
  /** Why the bytes are not JSON, with the byte offset ("" when valid). */
  error: string;

  constructor(root: JsonValue | null, error: string) {
    this.root = root;
    this.error = error;
  }

  /** Whether the bytes are one valid JSON value. */
  get ok(): bool {
    return this.root != null;
  }

  /** The value at a dotted path (see `JsonValue.get`); null when missing or the document is invalid. */
  get(path: string): JsonValue | null {
    const r = this.root;
    return r == null ? null : r.get(path);
  }

  /** The value at a compiled path; null when missing or the document is invalid. */
  at(path: JsonPath): JsonValue | null {
    const r = this.root;
    return r == null ? null : r.at(path);
  }
}

/**
 * Validates `data` as one JSON value (RFC 8259, UTF-8, nesting up to
 * MAX_DEPTH) with optional surrounding whitespace.
 */
export function parseJson(data: Uint8Array): JsonDoc {
  const base = data.dataStart;
  const end = base + <usize>data.length;
  const p = skipWs(base, end);
  if (p == end) return new JsonDoc(null, "empty input");
  const vEnd = scanValue(p, end, 0);
  if (vEnd == FAIL) {
    return new JsonDoc(null, scanError + " at byte " + (scanErrorAt - base).toString());
  }
  const after = skipWs(vEnd, end);
  if (after != end) {
    return new JsonDoc(null, "data after the JSON value at byte " + (after - base).toString());
  }
  return new JsonDoc(new JsonValue(data, p, vEnd), "");
}

/** Parses `s` (as UTF-8) like parseJson. */
export function parseJsonString(s: string): JsonDoc {
  return parseJson(Uint8Array.wrap(String.UTF8.encode(s)));
}
