// The filter's predicate: its parameters (FIELD, OP, VALUE) and how a JSON
// value is tested against them.
import { JsonKind, JsonPath, JsonValue, parseJsonString } from "../../../sdk/assemblyscript/assembly/index";

/** The comparison operators OP accepts. */
export enum Op { Eq, Ne, Lt, Le, Gt, Ge, Exists, Contains }

const OP_NAMES: string[] = ["eq", "ne", "lt", "le", "gt", "ge", "exists", "contains"];

/** A parsed predicate, or the reason the parameters are wrong. */
export class Predicate {
  /** The dotted path of the field to test. */
  field: JsonPath = new JsonPath("");
  /** The operator. */
  op: Op = Op.Eq;
  /** The VALUE parameter as given. */
  value: string = "";
  /** Whether VALUE is a JSON number. */
  valueIsNumber: bool = false;
  /** VALUE as a number, when valueIsNumber. */
  valueNumber: f64 = 0;
  /** Why the parameters are unusable ("" when they are fine). */
  error: string = "";
}

/** Builds a predicate from the FIELD, OP and VALUE parameters (null when unset). */
export function parsePredicate(field: string | null, op: string | null, value: string | null): Predicate {
  const p = new Predicate();
  if (field == null || field.length == 0) {
    p.error = "filter: parameter FIELD is not set (a dotted path such as meta.site)";
    return p;
  }
  p.field = new JsonPath(field);
  const opName = op == null ? "" : op;
  const i = OP_NAMES.indexOf(opName);
  if (i < 0) {
    p.error = "filter: parameter OP is \"" + opName + "\"; want one of " + OP_NAMES.join(", ");
    return p;
  }
  p.op = <Op>i;
  if (value == null) {
    if (p.op != Op.Exists) {
      p.error = "filter: parameter VALUE is not set (needed by OP=" + opName + ")";
    }
    return p;
  }
  p.value = value;
  const doc = parseJsonString(value);
  const root = doc.root;
  if (root != null && root.kind == JsonKind.Number) {
    p.valueIsNumber = true;
    p.valueNumber = root.asNumber();
  }
  return p;
}

// Equality of one value with VALUE: numerically when both are numbers, else
// the value's text (a string unescaped, anything else as JSON) against VALUE.
function equals(v: JsonValue, p: Predicate): bool {
  if (v.kind == JsonKind.Number && p.valueIsNumber) return v.asNumber() == p.valueNumber;
  return v.text() == p.value;
}

// -1, 0 or 1 for v against VALUE, or 2 when they have no order.
function order(v: JsonValue, p: Predicate): i32 {
  if (v.kind == JsonKind.Number && p.valueIsNumber) {
    const a = v.asNumber();
    const b = p.valueNumber;
    return a < b ? -1 : a > b ? 1 : 0;
  }
  if (v.kind == JsonKind.String) {
    const a = v.text();
    const b = p.value;
    return a < b ? -1 : a > b ? 1 : 0;
  }
  return 2;
}

function contains(v: JsonValue, p: Predicate): bool {
  if (v.kind == JsonKind.String) return v.text().includes(p.value);
  if (v.kind == JsonKind.Array) {
    const elems = v.elements();
    for (let i = 0; i < elems.length; i++) {
      if (equals(elems[i], p)) return true;
    }
    return false;
  }
  if (v.kind == JsonKind.Object) return v.field(p.value) != null;
  return false;
}

/** Whether a record whose field holds `v` (null: the field is missing) passes. */
export function matches(v: JsonValue | null, p: Predicate): bool {
  if (v == null) return false;
  switch (p.op) {
    case Op.Exists: return true;
    case Op.Eq: return equals(v, p);
    case Op.Ne: return !equals(v, p);
    case Op.Contains: return contains(v, p);
    default: break;
  }
  const o = order(v, p);
  if (o == 2) return false;
  switch (p.op) {
    case Op.Lt: return o < 0;
    case Op.Le: return o <= 0;
    case Op.Gt: return o > 0;
    default: return o >= 0; // Ge
  }
}
