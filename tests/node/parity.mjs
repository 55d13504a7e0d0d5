// The jlm:connector component under Node: transpiled by jco, WASI from preview2-shim, run on
// the golden fixtures the wasmtime tests use (`tests/golden_wasm.rs`, `fixtures/returns/` as
// `tests/plan_return_cli.rs` runs them, and `fixtures/stock/`
// as `tests/plan_cli.rs` runs them) and compared with the same `expected.json` files, printed
// the way the host prints plans (`plan_to_json`, `dispatch_plan_to_json`,
// `stock_plan_to_json` in `host/src/runtime/`).
//
//   node parity.mjs COMPONENT.wasm OUT_DIR [--bench]
//
// COMPONENT.wasm is what `jlm component export` writes; the transpiled JS goes to OUT_DIR
// (`tests/node/out` is ignored by git; `tests/node_parity.rs` uses a temporary folder).
// Exits 1 on any divergence, naming the case and the first differing field; with `--bench`,
// also prints the time of one warm `planOrder` call on `fixtures/orders/shipping-gift-multiline`
// (the order the wasmtime benchmark times, `host/benches/connector/`): a human line, then one
// `node bench json: {...}` line the benchmark parses.

import { mkdir, readFile, readdir, symlink, writeFile, lstat } from "node:fs/promises";
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { isDeepStrictEqual } from "node:util";

import { transpile } from "@bytecodealliance/jco";
import { _setArgs, _setEnv } from "@bytecodealliance/preview2-shim/cli";

const HERE = dirname(fileURLToPath(import.meta.url));
const FIXTURES = resolve(HERE, "../../fixtures");
/** Planning time of every order case (`NOW` in `tests/golden_wasm.rs`). */
const NOW = "2026-11-27T12:00:00Z";
/** The fixed clock of the returns cases (plugin/tests/golden_returns.rs). */
const RETURNS_NOW = "2026-12-07T12:00:00Z";
/** The case `--bench` times: the three-line order of the wasmtime benchmark. */
const BENCH_CASE = "shipping-gift-multiline";
/** Calls before timing (JIT tiers up, caches warm), then timed calls. */
const BENCH_WARMUP = 2000;
const BENCH_CALLS = 20000;

/** A failed expectation about one case; collected, reported together, exit 1. */
class Divergence extends Error {}

// ---------------------------------------------------------------------------------------
// Output: each WIT output record, printed as the host's JSON. One table per record type:
// JSON key -> [field of the jco object, how its value prints]. A new WIT output field is one
// line in its table. Nothing is dropped silently: a field a table reads that the component
// does not return fails the run, and so does a field the component returns that its table
// does not read (jco leaves a none option out, so that shows once a fixture sets it; a field
// the host deliberately does not print is read with `notPrinted`); a key of expected.json no
// table prints fails the comparison, named.
// ---------------------------------------------------------------------------------------

/** Leaves a key out of the JSON (`stock_plan_to_json` omits a line's warehouse when none). */
const OMIT = Symbol("omit");

const str = (v, at) => {
  if (typeof v !== "string") throw new Divergence(`${at}: expected a string, got ${show(v)}`);
  return v;
};
const bool = (v, at) => {
  if (typeof v !== "boolean") throw new Divergence(`${at}: expected a bool, got ${show(v)}`);
  return v;
};
/** s64/u32/…: BigInt or number from jco, a JSON number in the host's output. */
const int = (v, at) => {
  const n = typeof v === "bigint" ? Number(v) : v;
  if (!Number.isSafeInteger(n)) throw new Divergence(`${at}: expected an integer, got ${show(v)}`);
  return n;
};
/** A WIT enum: jco gives its case name, which the host prints as is. */
const oneOf = (...names) => (v, at) => {
  if (!names.includes(v)) throw new Divergence(`${at}: expected one of ${names.join(", ")}, got ${show(v)}`);
  return v;
};
/** option<T>: jco gives `undefined` for none; the host prints null. */
const opt = (inner) => (v, at) => (v === undefined || v === null ? null : inner(v, at));
/** option<T> the host leaves out when none. */
const omitNone = (inner) => (v, at) => (v === undefined || v === null ? OMIT : inner(v, at));
const list = (inner) => (v, at) => {
  if (!Array.isArray(v)) throw new Divergence(`${at}: expected a list, got ${show(v)}`);
  return v.map((x, i) => inner(x, `${at}[${i}]`));
};
/** A JSON document in a string: parsed, or kept as a string when it is not JSON (as the host). */
const jsonText = (v, at) => {
  str(v, at);
  try {
    return JSON.parse(v);
  } catch {
    return v;
  }
};

/** A WIT record printed as a JSON object by `fields` (see above). */
function record(name, fields) {
  const convert = (v, at = name) => {
    if (v === null || typeof v !== "object" || Array.isArray(v)) {
      throw new Divergence(`${at}: expected a ${name} record, got ${show(v)}`);
    }
    const read = new Set();
    const out = {};
    for (const [key, [field, print]] of Object.entries(fields)) {
      // jco may leave a none option out of a record; anything else missing is a contract change.
      if (!Object.hasOwn(v, field) && !OPTIONS.has(print)) {
        throw new Divergence(`${at}: the component returned no \`${field}\` (${name}.${key})`);
      }
      read.add(field);
      const value = print(v[field], `${at}.${field}`);
      if (value !== OMIT) out[key] = value;
    }
    const unread = Object.keys(v).filter((k) => !read.has(k));
    if (unread.length > 0) {
      throw new Divergence(
        `${at}: the component returned ${unread.map((k) => `\`${k}\``).join(", ")} which parity.mjs does not print; ` +
          `add ${unread.length === 1 ? "it" : "them"} to the ${name} table (as the host's *_to_json does)`,
      );
    }
    return out;
  };
  return convert;
}
/** Printers of option<T> fields, which may be absent from jco's object. */
const OPTIONS = new WeakSet();
const option = (f) => (inner) => {
  const p = f(inner);
  OPTIONS.add(p);
  return p;
};
const optional = option(opt);
const omitted = option(omitNone);
/** Reads a field the host's JSON leaves out (none so far), so that it is not reported unread. */
const notPrinted = option(() => () => OMIT)();

const TEAM = oneOf("operations", "finance", "ecommerce");
const SEVERITY = oneOf("info", "warning", "blocking");

const EXCEPTION = record("exception", {
  code: ["code", str],
  team: ["team", TEAM],
  severity: ["severity", SEVERITY],
  subject: ["subject", str],
  message: ["message", str],
});

const MONEY = record("money", {
  minor: ["minor", int],
  currency: ["currency", str],
});

const LINE_DECISION = record("line-decision", {
  line_id: ["lineId", str],
  accepted: ["accepted", bool],
});

const MIRAKL_REQUEST = record("mirakl-request", {
  api: ["api", str],
  path: ["path", str],
  body: ["body", optional(jsonText)],
});

const RESOLUTION = record("resolution", {
  codes: ["codes", list(str)],
  subject: ["subject", optional(str)],
});

/** `plan_to_json` (host/src/runtime/orders.rs). */
const ORDER_PLAN = record("order-plan", {
  order_id: ["orderId", str],
  commercial_id: ["commercialId", str],
  state: ["state", str],
  action: ["action", oneOf("accept", "refuse", "hold", "none")],
  lines: ["lines", list(LINE_DECISION)],
  fulfil_order: ["fulfilOrder", optional(jsonText)],
  total: ["total", optional(MONEY)],
  exceptions: ["exceptions", list(EXCEPTION)],
  requests: ["requests", list(MIRAKL_REQUEST)],
  resolves: ["resolves", list(RESOLUTION)],
});

/** `dispatch_plan_to_json` (host/src/runtime/dispatch.rs). */
const DISPATCH_PLAN = record("dispatch-plan", {
  requests: ["requests", list(MIRAKL_REQUEST)],
  exceptions: ["exceptions", list(EXCEPTION)],
  complete: ["complete", bool],
  resolves: ["resolves", list(RESOLUTION)],
});

/** The native `ReturnPlan` as the golden files hold it (plugin/src/returns/mod.rs). */
const RETURN_PLAN = record("return-plan", {
  return_id: ["returnId", str],
  order_id: ["orderId", str],
  commercial_id: ["commercialId", str],
  fulfil_return: ["fulfilReturn", optional(jsonText)],
  requests: ["requests", list(MIRAKL_REQUEST)],
  exceptions: ["exceptions", list(EXCEPTION)],
  resolves: ["resolves", list(RESOLUTION)],
});

const CARRIER_CHECK = record("carrier-check", {
  status: ["status", oneOf("mapped", "unmapped", "not_approved")],
  jl_code: ["jlCode", optional(str)],
  label: ["label", optional(str)],
});

const STOCK_LINE = record("stock-line", {
  sku: ["sku", str],
  quantity: ["quantity", int],
  previous: ["previous", optional(int)],
  warehouse: ["warehouse", omitted(str)],
});

/** `stock_plan_to_json` (host/src/runtime/inventory.rs). */
const STOCK_PLAN = record("stock-plan", {
  csv: ["csv", str],
  lines: ["lines", list(STOCK_LINE)],
  exceptions: ["exceptions", list(EXCEPTION)],
  resolves: ["resolves", list(RESOLUTION)],
});

// ---------------------------------------------------------------------------------------
// Input: the fixture files read as the Rust tests read them (serde), into jco's arguments.
// ---------------------------------------------------------------------------------------

/**
 * Reads a JSON object as a serde struct: `spec` maps each key to `[wit field, reader,
 * default]` (no default: required). `strict` rejects unknown keys (`deny_unknown_fields`).
 */
function struct(v, at, spec, { strict = false } = {}) {
  if (v === null || typeof v !== "object" || Array.isArray(v)) {
    throw new Divergence(`${at}: expected an object, got ${show(v)}`);
  }
  if (strict) {
    const unknown = Object.keys(v).filter((k) => !Object.hasOwn(spec, k));
    if (unknown.length > 0) throw new Divergence(`${at}: unknown field ${unknown.join(", ")}`);
  }
  const out = {};
  for (const [key, [field, reader, ...fallback]] of Object.entries(spec)) {
    if (v[key] === undefined) {
      if (fallback.length === 0) throw new Divergence(`${at}: missing field \`${key}\``);
      if (fallback[0] !== undefined) out[field] = fallback[0];
    } else {
      out[field] = reader(v[key], `${at}.${key}`);
    }
  }
  return out;
}
const inStr = str;
const inBool = bool;
/** A JSON integer as a WIT s64 (jco takes BigInt). */
const inS64 = (v, at) => {
  if (!Number.isInteger(v)) throw new Divergence(`${at}: expected an integer, got ${show(v)}`);
  return BigInt(v);
};
/** A JSON integer as a WIT u8/u32 (jco takes number). */
const inUint = (max) => (v, at) => {
  if (!Number.isInteger(v) || v < 0 || v > max) throw new Divergence(`${at}: expected 0..${max}, got ${show(v)}`);
  return v;
};
const inF64 = (v, at) => {
  if (typeof v !== "number") throw new Divergence(`${at}: expected a number, got ${show(v)}`);
  return v;
};
/** Option<T>: null is none (jco takes undefined). */
const inOpt = (inner) => (v, at) => (v === null ? undefined : inner(v, at));
const inList = (inner) => (v, at) => {
  if (!Array.isArray(v)) throw new Divergence(`${at}: expected a list, got ${show(v)}`);
  return v.map((x, i) => inner(x, `${at}[${i}]`));
};

/**
 * The component's default order policy: `plugin::orders::OrderPolicy::default()`
 * (plugin/src/orders/inputs.rs), which is also the configuration's default.
 */
const DEFAULT_ORDER_POLICY = Object.freeze({
  refuse_out_of_stock: true,
  gift_message_order_codes: ["gift-message"],
  gift_message_line_codes: ["gift-message"],
  tax_names: [],
  acceptance_window_minutes: 48 * 60,
  unit_price_digits: 4,
  currency: "GBP",
  default_country: null,
  tax_pass_through: false,
});

/** A case's `policy.json` (any subset of the fields) over the default, as a WIT order-policy. */
/** A `[code, name]` pair (serde's tuple) as a WIT `{code, name}` record. */
const codeName = (v, a) => {
  if (!Array.isArray(v) || v.length !== 2) throw new Divergence(`${a}: expected [code, name]`);
  return { code: inStr(v[0], `${a}[0]`), name: inStr(v[1], `${a}[1]`) };
};

function orderPolicy(json, at) {
  const d = DEFAULT_ORDER_POLICY;
  return struct(
    json,
    at,
    {
      refuse_out_of_stock: ["refuseOutOfStock", inBool, d.refuse_out_of_stock],
      gift_message_order_codes: ["giftMessageOrderCodes", inList(inStr), d.gift_message_order_codes],
      gift_message_line_codes: ["giftMessageLineCodes", inList(inStr), d.gift_message_line_codes],
      tax_names: ["taxNames", inList(codeName), d.tax_names],
      acceptance_window_minutes: ["acceptanceWindowMinutes", inUint(0xffffffff), d.acceptance_window_minutes],
      unit_price_digits: ["unitPriceDigits", inUint(255), d.unit_price_digits],
      currency: ["currency", inStr, d.currency],
      default_country: ["defaultCountry", inOpt(inStr), d.default_country ?? undefined],
      tax_pass_through: ["taxPassThrough", inBool, d.tax_pass_through],
    },
    { strict: true },
  );
}

/** A returns case's `policy.json` over `plugin::returns::ReturnPolicy::default()`. */
const returnPolicy = (json, at) =>
  struct(
    json,
    at,
    {
      window_days: ["windowDays", inUint(0xffffffff), 35],
      reasons: ["reasons", inList(codeName), []],
      tax_names: ["taxNames", inList(codeName), []],
      unit_price_digits: ["unitPriceDigits", inUint(255), 4],
    },
    { strict: true },
  );
const shippedUnits = (v, at) => struct(v, at, { line_id: ["lineId", inStr], quantity: ["quantity", inS64] });
const returnedUnits = (v, at) =>
  struct(v, at, { return_id: ["returnId", inStr], line_id: ["lineId", inStr], quantity: ["quantity", inS64] });

const product = (v, at) =>
  struct(v, at, { sku: ["sku", inStr], ean: ["ean", inOpt(inStr), undefined], available: ["available", inS64] });
const offer = (v, at) => struct(v, at, { sku: ["sku", inStr], ean: ["ean", inOpt(inStr), undefined] });
const committed = (v, at) => struct(v, at, { sku: ["sku", inStr], quantity: ["quantity", inS64] });

const shipment = (v, at) =>
  struct(v, at, {
    id: ["id", inS64],
    order: ["order", inStr],
    carrier: ["carrier", inStr],
    service: ["service", inOpt(inStr), undefined],
    tracking_number: ["trackingNumber", inOpt(inStr), undefined],
    lines: [
      "lines",
      inList((l, a) => struct(l, a, { line_id: ["lineId", inStr], sku: ["sku", inStr], quantity: ["quantity", inS64] })),
    ],
  });
const carrierMapping = (v, at) =>
  struct(
    v,
    at,
    {
      fulfil_carrier: ["fulfilCarrier", inStr],
      fulfil_service: ["fulfilService", inOpt(inStr), undefined],
      jl_code: ["jlCode", inStr, ""],
      tracking_format: ["trackingFormat", inOpt(inStr), undefined],
      registered: ["registered", inBool, true],
      name: ["name", inOpt(inStr), undefined],
      tracking_url_template: ["trackingUrlTemplate", inOpt(inStr), undefined],
    },
    { strict: true },
  );
const dispatchPolicy = (v, at) =>
  struct(
    v,
    at,
    { carriers: ["carriers", inList(carrierMapping)], multi_shipment: ["multiShipment", inBool, false] },
    { strict: true },
  );
const shippedLine = (v, at) => struct(v, at, { line_id: ["lineId", inStr], quantity: ["quantity", inS64] });

const stockLevel = (v, at) =>
  struct(v, at, { sku: ["sku", inStr], warehouse: ["warehouse", inOpt(inStr), undefined], available: ["available", inF64] });
const published = (v, at) =>
  struct(v, at, { sku: ["sku", inStr], warehouse: ["warehouse", inOpt(inStr), undefined], quantity: ["quantity", inS64] });

/**
 * `[stock]` of a case's `config.toml` as the host reads it (`host/src/config/stock.rs`):
 * `buffer`, `percent`, `max`, `zero_below`, `exclude` and `[stock.sku."<SKU>"]` overrides.
 * Reads only the TOML those files use (tables, integers, string arrays, comments) and fails
 * on anything else rather than guess.
 */
function stockPolicy(text, at) {
  const top = {};
  const skus = new Map();
  let table = null;
  const lines = text.split(/\r?\n/);
  lines.forEach((raw, i) => {
    const where = `${at}:${i + 1}`;
    const line = raw.replace(/^\s+|\s+$/g, "");
    if (line === "" || line.startsWith("#")) return;
    let m;
    if ((m = /^\[\s*stock\s*\]$/.exec(line))) {
      table = top;
    } else if ((m = /^\[\s*stock\.sku\.(?:"((?:[^"\\]|\\.)*)"|([A-Za-z0-9_-]+))\s*\]$/.exec(line))) {
      const sku = m[1] !== undefined ? JSON.parse(`"${m[1]}"`) : m[2];
      table = skus.get(sku) ?? {};
      skus.set(sku, table);
    } else if (line.startsWith("[")) {
      throw new Divergence(`${where}: parity.mjs reads only [stock] and [stock.sku."…"]: ${raw}`);
    } else if ((m = /^([A-Za-z0-9_-]+)\s*=\s*(.+?)\s*(?:#.*)?$/.exec(line)) && table !== null) {
      const [, key, value] = m;
      if (/^[+-]?\d+$/.test(value)) table[key] = BigInt(value);
      else if (/^\[.*\]$/.test(value)) table[key] = JSON.parse(value);
      else throw new Divergence(`${where}: parity.mjs reads only integers and string arrays: ${raw}`);
    } else {
      throw new Divergence(`${where}: cannot read ${raw}`);
    }
  });
  const rule = (t, a, defaults) => {
    const unknown = Object.keys(t).filter((k) => !["buffer", "percent", "max", "zero_below", "exclude"].includes(k));
    if (unknown.length > 0) throw new Divergence(`${a}: unknown key ${unknown.join(", ")}`);
    const percent = t.percent === undefined ? undefined : Number(t.percent);
    if (percent !== undefined && !(percent >= 0 && percent <= 100)) {
      throw new Divergence(`${a}: percent ${t.percent} is not 0..100`);
    }
    return {
      buffer: t.buffer ?? defaults?.buffer,
      percent: percent ?? defaults?.percent,
      max: t.max,
      zeroBelow: t.zero_below ?? defaults?.zeroBelow,
    };
  };
  const { exclude = [], ...defaults } = top;
  for (const [sku, t] of skus) {
    if ("exclude" in t) throw new Divergence(`${at}: exclude under [stock.sku."${sku}"]`);
  }
  return {
    defaults: rule(defaults, `${at} [stock]`, { buffer: 0n, percent: 100, zeroBelow: 0n }),
    // A BTreeMap in the host: overrides in SKU order.
    overrides: [...skus.keys()].sort(compareUtf8).map((sku) => ({ sku, ...rule(skus.get(sku), `${at} [stock.sku]`) })),
    exclude: inList(inStr)(exclude, `${at} exclude`),
  };
}

/** Rust's `String` order (bytes of UTF-8). */
function compareUtf8(a, b) {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

// ---------------------------------------------------------------------------------------
// Comparison
// ---------------------------------------------------------------------------------------

/** The first difference between `actual` (node) and `expected` (expected.json), or null. */
function firstDiff(actual, expected, at = "$") {
  if (isDeepStrictEqual(actual, expected)) return null;
  const isObj = (v) => v !== null && typeof v === "object" && !Array.isArray(v);
  if (Array.isArray(actual) && Array.isArray(expected)) {
    for (let i = 0; i < Math.min(actual.length, expected.length); i++) {
      const d = firstDiff(actual[i], expected[i], `${at}[${i}]`);
      if (d) return d;
    }
    return { at: `${at}.length`, actual: actual.length, expected: expected.length };
  }
  if (isObj(actual) && isObj(expected)) {
    for (const key of Object.keys(expected).sort()) {
      if (!Object.hasOwn(actual, key)) {
        return { at: `${at}.${key}`, actual: "(missing from the node output: add it to its record's table in parity.mjs)", expected: expected[key] };
      }
      const d = firstDiff(actual[key], expected[key], `${at}.${key}`);
      if (d) return d;
    }
    for (const key of Object.keys(actual).sort()) {
      if (!Object.hasOwn(expected, key)) return { at: `${at}.${key}`, actual: actual[key], expected: "(not in expected.json)" };
    }
  }
  return { at, actual, expected };
}

function show(v) {
  if (typeof v === "bigint") return `${v}n`;
  if (typeof v === "string" && v.startsWith("(")) return v;
  const s = JSON.stringify(v, (_, x) => (typeof x === "bigint" ? `${x}n` : x));
  return s === undefined ? String(v) : s.length > 300 ? `${s.slice(0, 300)}…` : s;
}

// ---------------------------------------------------------------------------------------
// Running
// ---------------------------------------------------------------------------------------

const readJson = async (path) => {
  try {
    return JSON.parse(await readFile(path, "utf8"));
  } catch (e) {
    throw new Divergence(`${path}: ${e.message}`);
  }
};
const readOptional = async (path, read) => (existsSync(path) ? read(path) : undefined);

/** Case folders of `fixtures/<flow>` holding `expected.json`, sorted as the Rust tests sort. */
async function cases(flow, atLeast) {
  const root = join(FIXTURES, flow);
  const names = (await readdir(root, { withFileTypes: true }))
    .filter((e) => e.isDirectory() && existsSync(join(root, e.name, "expected.json")))
    .map((e) => e.name)
    .sort(compareUtf8);
  if (names.length < atLeast) throw new Error(`fixtures/${flow}: found ${names.length} cases, expected at least ${atLeast}`);
  return names.map((name) => ({ name, dir: join(root, name), label: `${flow}/${name}` }));
}

/** Calls an export returning `result<T, plan-error>`: jco throws a ComponentError on err. */
function call(label, f) {
  try {
    return f();
  } catch (e) {
    if (e && Object.hasOwn(e, "payload")) {
      throw new Divergence(`${label}: plan-error ${e.payload?.code}: ${e.payload?.message}`);
    }
    throw new Divergence(`${label}: the component failed: ${e?.stack ?? e}`);
  }
}

function compare(label, actual, expectedJson) {
  const d = firstDiff(actual, expectedJson);
  if (d) {
    throw new Divergence(`${label}: differs at ${d.at}\n    node:     ${show(d.actual)}\n    expected: ${show(d.expected)}`);
  }
}

async function orderInput(dir, label) {
  const policyJson = await readOptional(join(dir, "policy.json"), readJson);
  return [
    await readFile(join(dir, "order.json"), "utf8"),
    inList(product)(await readJson(join(dir, "catalogue.json")), `${label}/catalogue.json`),
    inList(offer)(await readJson(join(dir, "offers.json")), `${label}/offers.json`),
    inList(committed)((await readOptional(join(dir, "committed.json"), readJson)) ?? [], `${label}/committed.json`),
    orderPolicy(policyJson ?? {}, `${label}/policy.json`),
    NOW,
  ];
}

async function runOrders(jlm) {
  const all = await cases("orders", 10);
  for (const c of all) {
    await check(c.label, async () => {
      const args = await orderInput(c.dir, c.label);
      const plan = call(c.label, () => jlm.orders.planOrder(...args));
      compare(c.label, ORDER_PLAN(plan), await readJson(join(c.dir, "expected.json")));
    });
  }
  return all.length;
}

async function runReturns(jlm) {
  const all = await cases("returns", 10);
  for (const c of all) {
    await check(c.label, async () => {
      const input = await readJson(join(c.dir, "input.json"));
      const policyJson = await readOptional(join(c.dir, "policy.json"), readJson);
      const order = await readFile(join(c.dir, "order.json"), "utf8");
      const mirakl = await readFile(join(c.dir, "return.json"), "utf8");
      const plan = call(c.label, () =>
        jlm.returns.planReturn(
          order,
          mirakl,
          inList(shippedUnits)(input.shipped ?? [], `${c.label}/input.json shipped`),
          inList(returnedUnits)(input.earlier ?? [], `${c.label}/input.json earlier`),
          input.sale_id === undefined ? undefined : inS64(input.sale_id, `${c.label}/input.json sale_id`),
          returnPolicy(policyJson ?? {}, `${c.label}/policy.json`),
          RETURNS_NOW,
          input.refusal ?? undefined,
        ),
      );
      compare(c.label, RETURN_PLAN(plan), await readJson(join(c.dir, "expected.json")));
    });
  }
  return all.length;
}

async function runDispatch(jlm) {
  const all = await cases("dispatch", 9);
  for (const c of all) {
    await check(c.label, async () => {
      const order = await readFile(join(c.dir, "order.json"), "utf8");
      const ship = shipment(await readJson(join(c.dir, "shipment.json")), `${c.label}/shipment.json`);
      const policy = dispatchPolicy(await readJson(join(c.dir, "policy.json")), `${c.label}/policy.json`);
      const carriers = await readOptional(join(c.dir, "carriers.json"), (p) => readFile(p, "utf8"));
      const shipped = (await readOptional(join(c.dir, "shipped.json"), readJson)) ?? [];
      const plan = call(c.label, () =>
        jlm.dispatch.planDispatch(order, ship, carriers, policy, inList(shippedLine)(shipped, `${c.label}/shipped.json`)),
      );
      const printed = DISPATCH_PLAN(plan);
      compare(c.label, printed, await readJson(join(c.dir, "expected.json")));

      // `check-carrier` agrees with the plan on the shipment's carrier (as golden_wasm.rs).
      const checked = CARRIER_CHECK(
        call(`${c.label} check-carrier`, () => jlm.dispatch.checkCarrier(ship.carrier, ship.service, policy, carriers)),
      );
      const codes = printed.exceptions.map((e) => e.code);
      const status = codes.includes("unmapped_carrier")
        ? "unmapped"
        : codes.includes("carrier_not_approved")
          ? "not_approved"
          : "mapped";
      compare(`${c.label} check-carrier`, checked.status, status);
      const registered = policy.carriers.some((m) => m.registered && m.jlCode.trim() === checked.jl_code);
      compare(`${c.label} check-carrier jl_code present`, checked.jl_code !== null, registered);
    });
  }
  return all.length;
}

/** `check-clocks`: the cases of `wasm_clocks_match_the_native_build`, with the codes they raise. */
async function runClocks(jlm) {
  // The configuration's defaults (`Config::parse("").clock_policy()`).
  const policy = {
    acceptanceWindowMinutes: 48 * 60,
    acceptanceMarginMinutes: 6 * 60,
    dispatchMarginMinutes: 4 * 60,
    unconfirmedAfterMinutes: 60,
  };
  const order = (state) =>
    JSON.stringify({
      order_id: "JL-1-A",
      order_state: state,
      created_date: "2026-11-27T09:00:00Z",
      shipping_deadline: "2026-11-28T23:59:59.999Z",
    });
  const clockCases = [
    ["WAITING_ACCEPTANCE", undefined, "2026-11-29T02:59:00Z", []],
    ["WAITING_ACCEPTANCE", undefined, "2026-11-29T03:00:00Z", ["acceptance_overdue"]],
    ["SHIPPING", undefined, "2026-11-28T20:00:00Z", ["dispatch_overdue"]],
    ["SHIPPING", "2026-11-28T10:00:00Z", "2026-11-28T11:00:00Z", ["dispatch_unconfirmed"]],
    ["SHIPPED", "2026-11-28T10:00:00Z", "2026-11-30T11:00:00Z", []],
  ];
  for (const [state, shipped, now, codes] of clockCases) {
    const label = `clocks/${state}@${now}`;
    await check(label, async () => {
      const raised = list(EXCEPTION)(
        call(label, () => jlm.dispatch.checkClocks(order(state), shipped, now, policy)),
        "check-clocks",
      );
      compare(
        label,
        raised.map((e) => [e.code, e.severity, e.subject]),
        codes.map((code) => [code, "blocking", "JL-1-A"]),
      );
    });
  }
  await check("clocks/bad-now", async () => {
    try {
      jlm.dispatch.checkClocks(order("SHIPPING"), undefined, "yesterday", policy);
    } catch (e) {
      if (Object.hasOwn(e ?? {}, "payload")) return compare("clocks/bad-now", e.payload.code, "invalid_argument");
      throw e;
    }
    throw new Divergence("clocks/bad-now: a bad `now` was accepted");
  });
  return clockCases.length + 1;
}

/** `plan-stock` on `fixtures/stock/`, inputs as `jlm plan stock` reads them (plan_cli.rs). */
async function runStock(jlm) {
  const all = await cases("stock", 5);
  for (const c of all) {
    await check(c.label, async () => {
      const snapshot = inList(stockLevel)(await readJson(join(c.dir, "snapshot.json")), `${c.label}/snapshot.json`);
      const ledger = inList(published)(
        (await readOptional(join(c.dir, "ledger.json"), readJson)) ?? [],
        `${c.label}/ledger.json`,
      );
      const offers = (await readOptional(join(c.dir, "offers.json"), readJson))?.map((o, i) =>
        offer(o, `${c.label}/offers.json[${i}]`).sku,
      );
      const config = await readOptional(join(c.dir, "config.toml"), (p) => readFile(p, "utf8"));
      const policy = stockPolicy(config ?? "", `${c.label}/config.toml`);
      const full = (await readOptional(join(c.dir, "options.json"), readJson))?.full === true;
      const held = inList(committed)(
        (await readOptional(join(c.dir, "committed.json"), readJson)) ?? [],
        `${c.label}/committed.json`,
      );
      const plan = call(c.label, () => jlm.inventory.planStock(snapshot, ledger, offers, policy, held, full));
      compare(c.label, STOCK_PLAN(plan), await readJson(join(c.dir, "expected.json")));
    });
  }
  return all.length;
}

const failures = [];
async function check(label, body) {
  try {
    await body();
  } catch (e) {
    const message = e instanceof Divergence ? e.message : (e?.stack ?? String(e));
    failures.push(message.startsWith(label) ? message : `${label}: ${message}`);
  }
}

/** Transpiles the component into `outDir` and imports it. */
async function load(wasmPath, outDir) {
  const started = performance.now();
  const { files, imports } = await transpile(await readFile(wasmPath), { name: "jlm", outDir, quiet: true });
  for (const [path, bytes] of Object.entries(files)) {
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, bytes);
  }
  // The generated module imports preview2-shim by name: let it resolve from here.
  const link = join(outDir, "node_modules");
  if (!(await lstat(link).catch(() => null))) await symlink(join(HERE, "node_modules"), link, "junction");
  const transpileMs = performance.now() - started;

  // Nothing but WASI: every import is served by preview2-shim.
  const foreign = imports.filter((i) => !i.startsWith("@bytecodealliance/preview2-shim/"));
  if (foreign.length > 0) throw new Error(`the component imports more than WASI: ${foreign.join(", ")}`);
  // As in the wasmtime host: no environment variables, no arguments.
  _setEnv({});
  _setArgs([]);
  const jlm = await import(pathToFileURL(join(outDir, "jlm.js")).href);
  return { jlm, transpileMs, imports };
}

async function bench(jlm) {
  const dir = join(FIXTURES, "orders", BENCH_CASE);
  const args = await orderInput(dir, `orders/${BENCH_CASE}`);
  // As the orders job passes it, and as the wasmtime benchmark does: compact JSON.
  args[0] = JSON.stringify(JSON.parse(args[0]));
  for (let i = 0; i < BENCH_WARMUP; i++) jlm.orders.planOrder(...args);
  const started = process.hrtime.bigint();
  for (let i = 0; i < BENCH_CALLS; i++) jlm.orders.planOrder(...args);
  const us = Number(process.hrtime.bigint() - started) / 1000 / BENCH_CALLS;
  console.log(
    `node bench: planOrder(${BENCH_CASE}) ${us.toFixed(1)} µs per call (warm, mean of ${BENCH_CALLS} after ${BENCH_WARMUP})`,
  );
  const figures = { case: BENCH_CASE, us_per_call: us, warmup: BENCH_WARMUP, calls: BENCH_CALLS };
  console.log(`node bench json: ${JSON.stringify(figures)}`);
}

async function main() {
  const args = process.argv.slice(2);
  const flags = args.filter((a) => a.startsWith("--"));
  const [wasmPath, outDir] = args.filter((a) => !a.startsWith("--"));
  const unknown = flags.filter((f) => f !== "--bench");
  if (!wasmPath || !outDir || unknown.length > 0) {
    console.error("usage: node parity.mjs COMPONENT.wasm OUT_DIR [--bench]");
    process.exit(2);
  }
  const { jlm, transpileMs } = await load(resolve(wasmPath), resolve(outDir));
  console.log(`node parity: transpiled in ${transpileMs.toFixed(0)} ms (jco ${await version("jco")}, preview2-shim ${await version("preview2-shim")}, node ${process.versions.node})`);

  const started = performance.now();
  const orders = await runOrders(jlm);
  const dispatch = await runDispatch(jlm);
  const stock = await runStock(jlm);
  const clocks = await runClocks(jlm);
  const returns = await runReturns(jlm);
  const runMs = performance.now() - started;

  if (failures.length > 0) {
    console.error(`node parity: ${failures.length} divergence(s) from the golden files:`);
    for (const f of failures) console.error(`  ${f}`);
    process.exit(1);
  }
  console.log(
    `node parity: ${orders} order cases, ${dispatch} dispatch cases (with check-carrier), ${stock} stock cases, ${clocks} clock cases, ${returns} return cases identical (${runMs.toFixed(0)} ms)`,
  );
  if (flags.includes("--bench")) await bench(jlm);
}

async function version(pkg) {
  const json = JSON.parse(await readFile(join(HERE, "node_modules/@bytecodealliance", pkg, "package.json"), "utf8"));
  return json.version;
}

main().catch((e) => {
  console.error(`node parity: ${e?.stack ?? e}`);
  process.exit(1);
});
