// Numbers, times and words for people, and a DOM builder that only ever makes text nodes
// of data (never markup).
// ------------------------------------------------------------------ numbers for people
const locale = undefined;                      // the browser's
const grouped = new Intl.NumberFormat(locale, { maximumFractionDigits: 0 });
const oneDecimal = new Intl.NumberFormat(locale, { maximumFractionDigits: 1 });
const twoDecimals = new Intl.NumberFormat(locale, { maximumFractionDigits: 2 });
const relative = new Intl.RelativeTimeFormat(locale, { numeric: "auto" });
const absolute = new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeStyle: "short" });

const ACRONYMS = new Set(["db", "ssl", "php", "http", "wsod", "api", "cpu", "dns", "ai"]);
export const isNum = (v) => typeof v === "number" && Number.isFinite(v);
export const fmt = {
  count: (v) => (isNum(v) ? grouped.format(v) : "—"),
  ms: (v) => (!isNum(v) ? "—" : v < 1000 ? `${grouped.format(v)} ms`
    : `${(v < 10000 ? twoDecimals : oneDecimal).format(v / 1000)} s`),
  pct: (v) => {
    if (!isNum(v)) return "—";
    if (v > 0 && v < 0.001) return "< 0.1%";
    const digits = v < 0.1 ? 1 : 0;
    return new Intl.NumberFormat(locale, { style: "percent", maximumFractionDigits: digits })
      .format(v);
  },
  usd: (v) => {
    if (!isNum(v)) return "—";
    const digits = v === 0 ? 0 : v < 0.01 ? 4 : 2;
    return new Intl.NumberFormat(locale, { style: "currency", currency: "USD",
      minimumFractionDigits: digits, maximumFractionDigits: digits }).format(v);
  },
  hours: (h) => (!isNum(h) ? "—" : h < 1 ? `${grouped.format(h * 60)} min`
    : h < 48 ? `${oneDecimal.format(h)} h` : `${oneDecimal.format(h / 24)} days`),
  z: (v) => (!isNum(v) ? "—" : oneDecimal.format(Math.abs(v) < 0.05 ? 0 : v)),
  when: (iso) => (iso ? absolute.format(new Date(iso)) : "—"),
  ago: (iso) => {
    if (!iso) return "—";
    const seconds = (new Date(iso) - Date.now()) / 1000;
    const steps = [[60, "second"], [3600, "minute"], [86400, "hour"], [86400 * 30, "day"],
      [Infinity, "month"]];
    const sizes = { second: 1, minute: 60, hour: 3600, day: 86400, month: 86400 * 30 };
    const [, unit] = steps.find(([limit]) => Math.abs(seconds) < limit);
    return relative.format(Math.round(seconds / sizes[unit]), unit);
  },
  words: (code) => {                         // PERFORMANCE_DEGRADATION -> Performance degradation
    if (!code) return "—";
    const words = code.toLowerCase().split(/[_ ]+/)
      .map((w) => (ACRONYMS.has(w) ? w.toUpperCase() : w));
    return words.join(" ").replace(/^./, (c) => c.toUpperCase());
  },
};

// ---------------------------------------------------------------------- DOM helpers
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") node.className = value;
    else if (key === "dataset") Object.assign(node.dataset, value);
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}
export const timeEl = (iso) => el("time", { datetime: iso, title: fmt.when(iso) }, fmt.ago(iso));
