// The fleet health page: calls the Healer API of this origin (relative to <base>) and draws
// with the vendored uPlot. No data is in the HTML, nothing is fetched from another host, and
// every value from the API reaches the page as text (textContent), never as markup.
"use strict";

const TOKEN_KEY = "healer.apiToken";
const TOKEN_HOURS = 12;
const REFRESH_MS = 120000;
const ALERTS_PAGE = 25;
const SITES_PAGE = 100;
const BUCKETS = { 24: 15, 72: 60, 168: 120, 336: 240 };      // window hours -> bucket minutes
const SNOOZES = [["60", "1 hour"], ["240", "4 hours"], ["1440", "1 day"], ["10080", "1 week"]];
const SPAN_COLOURS = { CRITICAL: "rgba(220,38,38,0.20)", HIGH: "rgba(234,88,12,0.17)",
  MEDIUM: "rgba(202,138,4,0.15)", LOW: "rgba(107,114,128,0.13)" };
const MARK_COLOURS = { CRITICAL: "#dc2626", HIGH: "#ea580c", MEDIUM: "#ca8a04", LOW: "#6b7280" };

const state = { token: null, me: null, sites: [], sitesTotal: 0, selected: null,
  alertsOffset: 0, charts: [], busy: false };
const $ = (id) => document.getElementById(id);

// ------------------------------------------------------------------ numbers for people
const locale = undefined;                      // the browser's
const grouped = new Intl.NumberFormat(locale, { maximumFractionDigits: 0 });
const oneDecimal = new Intl.NumberFormat(locale, { maximumFractionDigits: 1 });
const twoDecimals = new Intl.NumberFormat(locale, { maximumFractionDigits: 2 });
const relative = new Intl.RelativeTimeFormat(locale, { numeric: "auto" });
const absolute = new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeStyle: "short" });

const ACRONYMS = new Set(["db", "ssl", "php", "http", "wsod", "api", "cpu", "dns", "ai"]);
const isNum = (v) => typeof v === "number" && Number.isFinite(v);
const fmt = {
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
function el(tag, attrs = {}, ...children) {
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
const timeEl = (iso) => el("time", { datetime: iso, title: fmt.when(iso) }, fmt.ago(iso));
const say = (text, isError = false) => {
  $("status").textContent = text;
  $("status").classList.toggle("error", isError);
};

// ---------------------------------------------------------------------- API calls
class ApiError extends Error {
  constructor(status, message) { super(message); this.status = status; }
}

async function api(path, { method = "GET", body, token = state.token } = {}) {
  const headers = { Accept: "application/json" };
  if (token) headers.Authorization = `Bearer ${token}`;
  if (method !== "GET") headers["Content-Type"] = "application/json";  // the API requires it
  const response = await fetch(path, { method, headers, credentials: "same-origin",
    body: method === "GET" ? undefined : JSON.stringify(body ?? {}) });
  const payload = response.status === 204 ? null : await response.json().catch(() => null);
  if (!response.ok) {
    throw new ApiError(response.status, payload?.message || `HTTP ${response.status}`);
  }
  return payload;
}

function storedToken() {
  try {
    const saved = JSON.parse(localStorage.getItem(TOKEN_KEY) || "null");
    if (saved && saved.expires > Date.now()) return saved.token;
  } catch { /* a damaged entry is forgotten below */ }
  localStorage.removeItem(TOKEN_KEY);
  return null;
}

function storeToken(token) {
  localStorage.setItem(TOKEN_KEY, JSON.stringify({ token,
    expires: Date.now() + TOKEN_HOURS * 3600 * 1000 }));
}

// The Airflow session first (the UI's cookie travels with every same-origin call), then a
// token this browser stored.
async function signIn() {
  try {
    return { me: await api("api/me", { token: null }), token: null };
  } catch (error) {
    if (error.status !== 401) throw error;
    const token = storedToken();
    if (!token) return { reason: error.message };
    try {
      return { me: await api("api/me", { token }), token };
    } catch (tokenError) {
      if (tokenError.status !== 401) throw tokenError;
      localStorage.removeItem(TOKEN_KEY);
      return { reason: `The stored token was refused (${tokenError.message}).` };
    }
  }
}

function showAuth(reason) {
  $("auth").hidden = false;
  $("content").hidden = true;
  $("forget").hidden = !storedToken();
  $("auth-reason").textContent = `${reason} Sign in to Airflow in this browser, or use an API `
    + "token (healer-ops tokens create --name you --scope write).";
  say("Not signed in.", true);
}

// ------------------------------------------------------------------------ loading
async function loadAll() {
  if (state.busy) return;
  state.busy = true;
  say("Loading…");
  try {
    const session = await signIn();
    if (!session.me) { showAuth(session.reason); return; }
    state.me = session.me;
    state.token = session.token;
    $("auth").hidden = true;
    $("content").hidden = false;
    showWho();
    await Promise.all([loadReport(), loadSites(), loadAlerts()]);
    await selectSite(pickSite(), { scroll: false });
    say(`Updated ${absolute.format(new Date())}.`);
  } catch (error) {
    if (error.status === 401) showAuth(error.message);
    else say(`Could not load: ${error.message}`, true);
  } finally {
    state.busy = false;
  }
}

function showWho() {
  const { name, scope, via } = state.me;
  const how = via === "airflow" ? "Airflow login" : "API token";
  $("who").textContent = `${name} · ${how} · ${scope === "write" ? "may act on alerts"
    : "read only"}`;
}

const canWrite = () => state.me && state.me.scope === "write";

function pickSite() {
  const wanted = new URLSearchParams(location.hash.slice(1)).get("site") || state.selected;
  const found = state.sites.find((s) => s.site_id === wanted);
  return found ? found.site_id : state.sites[0]?.site_id ?? null;
}

// ------------------------------------------------------------------------ metrics
const METRICS = [
  ["alert_precision", "Alert precision", fmt.pct,
    (m) => `${fmt.count(m.confirmed)} real of ${fmt.count(m.labelled)} labelled · `
      + `${fmt.count(m.alerts)} alerts`],
  ["diagnosis_accuracy", "Diagnosis accuracy", fmt.pct,
    (m) => `${fmt.count(m.correct)} right of ${fmt.count(m.labelled)} labelled · `
      + `${fmt.count(m.analyses)} analyses`],
  ["cache_hit_rate", "Analysis cache hit rate", fmt.pct,
    (m) => `${fmt.count(m.hits)} hits of ${fmt.count(m.analyses)} · saved ${fmt.usd(m.usd_saved)}`],
  ["pattern_auto_approval", "Good patterns auto-approved", fmt.pct,
    (m) => `${fmt.count(m.good_approved)} of ${fmt.count(m.good)} good · `
      + `${fmt.count(m.bad_approved)} bad approved`],
  ["cost_per_diagnosis_usd", "AI cost per diagnosis", fmt.usd,
    (m) => `${fmt.usd(m.usd_spent)} over ${fmt.count(m.analyses)} analyses`],
];

function targetText(target, format) {
  const [op, number] = target.split(" ");
  return `${op} ${format(Number(number))}`;
}

function metricCard(key, title, format, evidence, metric) {
  const verdict = metric.meets_target === null ? null : metric.meets_target ? "meets" : "misses";
  const empty = metric.value === null;
  return el("div", { class: `card ${verdict || ""}`, dataset: { metric: key } },
    el("div", { class: "name" }, title),
    el("div", { class: "value" }, format(metric.value)),
    el("div", { class: "target" }, `target ${targetText(metric.target, format)} `,
      verdict && el("span", { class: `verdict ${verdict}` },
        verdict === "meets" ? "✓ met" : "✗ not met")),
    el("div", { class: "evidence" }, empty && metric.labelled === 0
      ? "nothing labelled yet: label alerts below" : evidence(metric)));
}

function leadCard(lead) {
  const range = !lead.warned || lead.min_hours === lead.max_hours ? ""
    : ` (${fmt.hours(lead.min_hours)} – ${fmt.hours(lead.max_hours)})`;
  return el("div", { class: "card", dataset: { metric: "lead_time" } },
    el("div", { class: "name" }, "Warning before outages"),
    el("div", { class: "value" }, lead.warned ? fmt.hours(lead.median_hours) : "—"),
    el("div", { class: "target" }, "median lead time"),
    el("div", { class: "evidence" },
      `${fmt.count(lead.warned)} of ${fmt.count(lead.outages)} outages warned${range}`));
}

async function loadReport() {
  const report = await api("api/report");
  const cards = METRICS.map(([key, title, format, evidence]) =>
    metricCard(key, title, format, evidence, report.metrics[key]));
  $("metric-cards").replaceChildren(...cards, leadCard(report.lead_time));
  $("metrics-period").textContent = `${fmt.when(report.since)} – ${fmt.when(report.until)}`;
}

// ------------------------------------------------------------------------ sites
async function loadSites() {
  const page = await api(`api/fleet?sort=distance&limit=${SITES_PAGE}`);
  state.sites = page.items;
  state.sitesTotal = page.total;
  renderSites();
}

function against(value, base, format) {
  return [format(value), el("span", { class: "sub" }, `baseline ${format(base)}`)];
}

function bar(width) {                 // CSSOM, not a style attribute: the CSP forbids those
  const node = el("span", { class: "bar" });
  node.style.width = `${width}px`;
  return node;
}

function siteRow(site, widest) {
  const width = isNum(site.distance) && site.distance > 0 && widest > 0
    ? Math.max(2, Math.round((48 * Math.min(site.distance, widest)) / widest)) : 0;
  return el("tr", { dataset: { siteId: site.site_id },
    class: site.site_id === state.selected ? "selected" : null,
    onclick: () => selectSite(site.site_id, { scroll: true }) },
  el("td", { title: site.last_observed_at ? `last probe ${fmt.when(site.last_observed_at)}`
    : "no probes yet" }, el("button", { type: "button", class: "site-link" }, site.domain),
  el("span", { class: "sub" }, el("span", { class: `badge s-${site.status}` }, site.status),
    site.open_alerts ? el("span", { class: `sev-${site.worst_severity} alerts-count` },
      ` ${fmt.count(site.open_alerts)} open alert${site.open_alerts === 1 ? "" : "s"}`)
      : null)),
  el("td", { class: "num" }, fmt.z(site.distance),
    width ? bar(width) : null),
  el("td", { class: "num" }, against(site.recent_median_response_time_ms,
    site.baseline_median_response_time_ms, fmt.ms)),
  el("td", { class: "num" }, against(site.recent_error_rate, site.baseline_error_rate, fmt.pct)));
}

function renderSites() {
  const widest = Math.max(0, ...state.sites.map((s) => (isNum(s.distance) ? s.distance : 0)));
  $("sites").tBodies[0].replaceChildren(...state.sites.map((s) => siteRow(s, widest)));
  $("sites-more").textContent = state.sitesTotal > state.sites.length
    ? `The ${fmt.count(state.sites.length)} farthest of ${fmt.count(state.sitesTotal)} sites.`
    : `${fmt.count(state.sitesTotal)} sites.`;
}

async function selectSite(siteId, { scroll }) {
  state.selected = siteId;
  for (const row of $("sites").tBodies[0].rows) {
    row.classList.toggle("selected", row.dataset.siteId === siteId);
  }
  if (!siteId) { $("site-title").textContent = "No sites yet"; return; }
  history.replaceState(null, "", `#site=${siteId}`);
  if ($("alert-this-site").checked) loadAlerts().catch(reportError);
  await loadSite(siteId);
  if (scroll && window.innerWidth <= 1100) $("site").scrollIntoView({ behavior: "smooth" });
}

async function loadSite(siteId) {
  const hours = Number($("window").value);
  const [health, series] = await Promise.all([
    api(`api/sites/${siteId}/health?executions=5`),
    api(`api/sites/${siteId}/series?hours=${hours}&bucket_minutes=${BUCKETS[hours]}`)
      .catch((error) => (error.status === 404 ? null : Promise.reject(error)))]);
  if (state.selected !== siteId) return;             // another site was picked meanwhile
  renderSiteFacts(health);
  drawCharts(series, health.baseline);
}

function renderSiteFacts({ site, baseline, recent_executions: executions }) {
  $("site-title").replaceChildren(site.domain, " ",
    el("span", { class: `badge s-${site.status}` }, site.status));
  const parts = [];
  if (baseline) {
    parts.push(`Baseline (${fmt.count(baseline.sample_size)} probes to `
      + `${fmt.when(baseline.period_end)}): median ${fmt.ms(baseline.median_response_time_ms)},`
      + ` normal ${fmt.ms(baseline.band_low_ms)} – ${fmt.ms(baseline.band_high_ms)}, errors `
      + `${fmt.pct(baseline.error_rate)}.`);
  } else parts.push("No baseline yet.");
  if (site.last_observed_at) {
    parts.push(`Last probe ${fmt.ago(site.last_observed_at)}: `
      + `${site.last_status_code ?? "no answer"} in ${fmt.ms(site.last_response_time_ms)}.`);
  }
  const failed = executions.find((e) => e.ai_diagnosis_type);
  if (failed) {
    parts.push(`Last diagnosis: ${fmt.words(failed.ai_diagnosis_type)} (${fmt.pct(
      failed.ai_confidence)}), ${fmt.ago(failed.started_at)}.`);
  }
  $("site-facts").textContent = parts.join(" ");
}

// ------------------------------------------------------------------------ charts
const seconds = (iso) => new Date(iso).getTime() / 1000;
const css = (name) => getComputedStyle(document.documentElement).getPropertyValue(name).trim();

// Alert spans behind the lines: opened -> ended (or the window's end), ▲ at the opening,
// ◆ at the predicted time when it falls inside the window.
function alertSpans(spans) {
  return { hooks: { drawAxes: [(u) => {
    const { ctx } = u;
    const { top, height } = u.bbox;
    const [xmin, xmax] = [u.scales.x.min, u.scales.x.max];
    ctx.save();
    for (const span of spans) {
      const from = Math.max(seconds(span.opened_at), xmin);
      const to = Math.min(span.ended_at ? seconds(span.ended_at) : xmax, xmax);
      if (to < xmin || from > xmax) continue;
      const x0 = u.valToPos(from, "x", true);
      const x1 = Math.max(u.valToPos(to, "x", true), x0 + 2);
      ctx.fillStyle = SPAN_COLOURS[span.severity];
      ctx.fillRect(x0, top, x1 - x0, height);
      ctx.fillStyle = MARK_COLOURS[span.severity];
      ctx.font = `${Math.round(11 * devicePixelRatio)}px system-ui`;
      ctx.textAlign = "center";
      ctx.textBaseline = "top";
      if (seconds(span.opened_at) >= xmin) ctx.fillText("▲", x0, top + 1);
      const predicted = span.predicted_at && seconds(span.predicted_at);
      if (predicted && predicted >= xmin && predicted <= xmax) {
        ctx.fillText("◆", u.valToPos(predicted, "x", true), top + 1);
      }
    }
    ctx.restore();
  }] } };
}

function axes(format) {
  const stroke = css("--muted");
  const grid = { stroke: css("--line"), width: 1 };
  return [{ stroke, grid, ticks: grid },
    { stroke, grid, ticks: grid, size: 64, values: (u, splits) => splits.map(format) }];
}

function chartOptions(target, format, series, spans) {
  return { width: target.clientWidth || 600, height: 210, series: [{}, ...series],
    axes: axes(format), cursor: { sync: { key: "healer-site" } },
    plugins: [alertSpans(spans)], legend: { live: true } };
}

function responseChart(target, series) {
  const p = series.points;
  const anomaly = css("--anomaly");
  const accent = css("--accent");
  const data = [p.map((x) => seconds(x.at)), p.map((x) => x.band_low_ms),
    p.map((x) => x.band_high_ms), p.map((x) => x.baseline_median_ms),
    p.map((x) => x.median_response_time_ms), p.map((x) => x.p95_response_time_ms),
    p.map((x) => (x.outside_band ? x.median_response_time_ms : null))];
  const value = (u, v) => fmt.ms(v);
  const options = chartOptions(target, (v) => fmt.ms(v), [
    { label: "normal from", stroke: css("--band"), width: 1, value },
    { label: "normal to", stroke: css("--band"), width: 1, value },
    { label: "baseline", stroke: accent, width: 1, dash: [5, 4], value },
    { label: "median", stroke: css("--text"), width: 1.6, value },
    { label: "p95", stroke: css("--muted"), width: 1, dash: [2, 3], value },
    { label: "anomalous", stroke: anomaly, fill: anomaly, paths: () => null, value,
      points: { show: true, size: 7, stroke: anomaly, fill: anomaly } }], series.alerts);
  options.bands = [{ series: [2, 1], fill: css("--band") }];
  return new uPlot(options, data, target);
}

function errorChart(target, series, baseline) {
  const p = series.points;
  const rate = baseline && isNum(baseline.error_rate) ? baseline.error_rate : null;
  const data = [p.map((x) => seconds(x.at)), p.map(() => rate), p.map((x) => x.error_rate)];
  const value = (u, v) => fmt.pct(v);
  const options = chartOptions(target, (v) => fmt.pct(v), [
    { label: "baseline", stroke: css("--accent"), width: 1, dash: [5, 4], value },
    { label: "error rate", stroke: css("--critical"), width: 1.6, fill: "rgba(220,38,38,0.08)",
      value }], series.alerts);
  options.scales = { y: { range: (u, min, max) => [0, Math.max(max * 1.1, 0.02)] } };
  return new uPlot(options, data, target);
}

function drawCharts(series, baseline) {
  for (const chart of state.charts) chart.destroy();
  state.charts = [];
  const targets = [$("chart-response"), $("chart-errors")];
  if (!series || !series.points.length) {
    for (const target of targets) {
      target.replaceChildren(el("div", { class: "empty" }, "No probes in this window."));
    }
    return;
  }
  for (const target of targets) target.replaceChildren();
  state.charts = [responseChart(targets[0], series), errorChart(targets[1], series, baseline)];
}

new ResizeObserver(() => {
  for (const chart of state.charts) {
    const width = chart.root.parentElement.clientWidth;
    if (width && Math.abs(width - chart.width) > 4) chart.setSize({ width, height: 210 });
  }
}).observe($("site"));

// ------------------------------------------------------------------------ alerts
async function loadAlerts() {
  const params = new URLSearchParams({ status: $("alert-state").value,
    limit: String(ALERTS_PAGE), offset: String(state.alertsOffset) });
  if ($("alert-severity").value) params.set("min_severity", $("alert-severity").value);
  if ($("alert-this-site").checked && state.selected) params.set("site_id", state.selected);
  const page = await api(`api/alerts?${params}`);
  $("alert-list").tBodies[0].replaceChildren(...page.items.map(alertRow));
  if (!page.items.length) {
    $("alert-list").tBodies[0].append(el("tr", {}, el("td", { colspan: 7, class: "muted" },
      "No alerts match.")));
  }
  const first = page.total ? page.offset + 1 : 0;
  $("alerts-range").textContent = `${fmt.count(first)}–${fmt.count(page.offset
    + page.items.length)} of ${fmt.count(page.total)}`;
  $("alerts-count").textContent = `${fmt.count(page.total)} ${$("alert-state").value === "all"
    ? "in all" : $("alert-state").value}`;
  $("alerts-prev").disabled = page.offset === 0;
  $("alerts-next").disabled = page.next_offset === null;
}

function stateText(alert) {
  switch (alert.state) {
    case "acknowledged":
      return ["acknowledged", el("span", { class: "sub" }, `by ${alert.acknowledged_by} `,
        timeEl(alert.acknowledged_at))];
    case "snoozed":
      return ["snoozed", el("span", { class: "sub" }, "until ", el("time", {
        datetime: alert.snoozed_until }, fmt.when(alert.snoozed_until)))];
    case "resolved":
      return ["resolved", el("span", { class: "sub" }, alert.manually_resolved_by
        ? `by ${alert.manually_resolved_by}` : "by detection")];
    default:
      return [alert.state];
  }
}

function alertRow(alert) {
  return el("tr", { dataset: { alertId: alert.id, state: alert.state } },
    el("td", {}, el("span", { class: `badge sev-${alert.severity}` }, alert.severity)),
    el("td", {}, el("button", { type: "button", class: "site-link",
      onclick: () => selectSite(alert.site_id, { scroll: true }) }, alert.domain),
    el("span", { class: "sub" }, fmt.words(alert.alert_type))),
    el("td", { class: "prediction" }, alert.prediction, el("span", { class: "sub" },
      `confidence ${fmt.pct(alert.confidence)}`,
      alert.predicted_at ? [" · expected ", timeEl(alert.predicted_at)] : null)),
    el("td", { class: "state" }, stateText(alert)),
    el("td", {}, timeEl(alert.opened_at), el("span", { class: "sub" }, "seen ",
      timeEl(alert.last_seen_at))),
    el("td", { class: "label" }, labelButtons(alert)),
    el("td", {}, el("div", { class: "actions" }, lifecycleButtons(alert))));
}

function actionButton(alert, action, text, extra = {}) {
  return el("button", { type: "button", dataset: { action }, disabled: !canWrite(),
    title: canWrite() ? extra.title : "your login may only read",
    class: extra.on ? "on" : null, "aria-pressed": extra.pressed,
    onclick: () => act(alert, action, extra.body, extra.method) }, text);
}

function snoozeSelect(alert) {
  const select = el("select", { dataset: { action: "snooze" }, disabled: !canWrite(),
    "aria-label": "Snooze for", title: "No notifications until then" },
  el("option", { value: "" }, "Snooze…"), SNOOZES.map(([minutes, text]) =>
    el("option", { value: minutes }, text)));
  select.addEventListener("change", () => {
    if (select.value) act(alert, "snooze", { minutes: Number(select.value) });
  });
  return select;
}

function lifecycleButtons(alert) {
  const s = alert.state;
  if (s === "superseded") return [el("span", { class: "muted small" }, "replaced by a newer alert")];
  if (s === "resolved") {
    return alert.manually_resolved_at ? [actionButton(alert, "reopen", "Reopen")] : [];
  }
  return [
    alert.acknowledged_at ? actionButton(alert, "unacknowledge", "Unacknowledge")
      : actionButton(alert, "acknowledge", "Acknowledge", { title: "Someone is on it" }),
    s === "snoozed" ? actionButton(alert, "unsnooze", "Unsnooze") : snoozeSelect(alert),
    actionButton(alert, "resolve", "Resolve", { title: "Fixed: stays resolved unless the "
      + "problem comes back as new" })];
}

function labelButtons(alert) {
  const pick = (value, text, title) => actionButton(alert, value ? "label-real" : "label-false",
    text, { on: alert.label === value, pressed: String(alert.label === value), title,
      method: alert.label === value ? "DELETE" : "PUT", body: { label: value } });
  return el("div", { class: "actions" },
    pick(true, "Real", "A real problem (true alert)"),
    pick(false, "False alarm", "Not a problem (false alert)"));
}

async function act(alert, action, body, method) {
  const path = action.startsWith("label") ? `api/alerts/${alert.id}/label`
    : `api/alerts/${alert.id}/${action}`;
  say(`${fmt.words(action.replace("-", " "))} alert ${alert.id}…`);
  try {
    const result = await api(path, { method: method || "POST",
      body: method === "DELETE" ? undefined : body });
    const row = document.querySelector(`#alert-list tr[data-alert-id="${alert.id}"]`);
    const fresh = alertRow(result.alert);
    fresh.classList.add("flash");
    if (row) row.replaceWith(fresh);
    say(`Alert ${alert.id} of ${alert.domain}: ${result.changed === false
      ? "no change (it was so already)" : `now ${result.state}`}`
      + `${action.startsWith("label") ? labelNote(result.alert) : ""}.`);
    refreshAround(alert.site_id);
  } catch (error) {
    if (error.status === 401) showAuth(error.message);
    else say(`Alert ${alert.id}: ${error.message}`, true);
  }
}

const labelNote = (alert) => (alert.label === null ? ", label cleared"
  : alert.label ? ", labelled real" : ", labelled a false alarm");

// After an action: the site's status, the report and the chart's marks may have changed.
function refreshAround(siteId) {
  const tasks = [loadReport(), loadSites()];
  if (siteId === state.selected) tasks.push(loadSite(siteId));
  Promise.all(tasks).catch(reportError);
}

function reportError(error) {
  if (error.status === 401) showAuth(error.message);
  else say(error.message, true);
}

// ------------------------------------------------------------------------ wiring
$("auth").addEventListener("submit", (event) => {
  event.preventDefault();
  const token = $("token").value.trim();
  if (!token) return;
  storeToken(token);
  $("token").value = "";
  loadAll();
});
$("forget").addEventListener("click", () => {
  localStorage.removeItem(TOKEN_KEY);
  $("forget").hidden = true;
  say("The stored token is forgotten.");
});
$("refresh").addEventListener("click", loadAll);
$("window").addEventListener("change", () => state.selected && loadSite(state.selected)
  .catch(reportError));
for (const id of ["alert-state", "alert-severity", "alert-this-site"]) {
  $(id).addEventListener("change", () => { state.alertsOffset = 0; loadAlerts().catch(reportError); });
}
$("alerts-prev").addEventListener("click", () => {
  state.alertsOffset = Math.max(0, state.alertsOffset - ALERTS_PAGE);
  loadAlerts().catch(reportError);
});
$("alerts-next").addEventListener("click", () => {
  state.alertsOffset += ALERTS_PAGE;
  loadAlerts().catch(reportError);
});
window.addEventListener("storage", (event) => {     // a token entered in another tab
  if (event.key === TOKEN_KEY && !$("auth").hidden) loadAll();
});
setInterval(() => { if (document.visibilityState === "visible" && !$("content").hidden) loadAll(); },
  REFRESH_MS);
loadAll();
