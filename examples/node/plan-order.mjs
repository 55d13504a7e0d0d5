// One John Lewis order through the jlm:connector component, as an iPaaS step runs it per record.
//   node plan-order.mjs ORDER_DIR [NOW]   (ORDER_DIR holds order.json, catalogue.json, offers.json)
import { readFileSync } from "node:fs";
import { orders } from "./jlm/jlm.js"; // jco transpile output; WASI comes from preview2-shim

const [dir, now = new Date().toISOString()] = process.argv.slice(2);
if (!dir) throw new Error("usage: node plan-order.mjs ORDER_DIR [NOW]");
const read = (name) => readFileSync(`${dir}/${name}`, "utf8");
const catalogue = JSON.parse(read("catalogue.json")).map((p) => ({ ...p, available: BigInt(p.available) }));
const policy = { refuseOutOfStock: true, giftMessageOrderCodes: ["gift-message"], giftMessageLineCodes: ["gift-message"],
  taxNames: [], acceptanceWindowMinutes: 2880, unitPriceDigits: 4, currency: "GBP", taxPassThrough: false };
try {
  const plan = orders.planOrder(read("order.json"), catalogue, JSON.parse(read("offers.json")), [], policy, now);
  const json = (key, v) => (typeof v === "bigint" ? Number(v) : key === "fulfilOrder" ? JSON.parse(v) : v);
  console.log(JSON.stringify(plan, json, 2)); // fulfilOrder is the Fulfil create_order body
} catch (e) {
  console.error("plan-error:", e.payload ?? e); // result<_, plan-error> arrives as a thrown ComponentError
  process.exit(2);
}
