// The fleet health page: calls the Healer API of this origin (relative to <base>): signs in,
// loads the metrics, the sites and the alerts, acts on alerts. No data is in the HTML,
// nothing is fetched from another host, and every value from the API reaches the page as
// text (textContent), never as markup. Charts are in charts.js, formats in format.js.
import { drawCharts, followWidth } from "./charts.js";
import { el, fmt, isNum, timeEl } from "./format.js";

const TOKEN_KEY = "healer.apiToken";
const TOKEN_HOURS = 12;
const REFRESH_MS = 120000;
const ALERTS_PAGE = 25;
const SITES_PAGE = 100;
const BUCKETS = { 24: 15, 72: 60, 168: 120, 336: 240 };      // window hours -> bucket minutes
const SNOOZES = [["60", "1 hour"], ["240", "4 hours"], ["1440", "1 day"], ["10080", "1 week"]];

const state = { token: null, me: null, sites: [], sitesTotal: 0, selected: null,
  alertsOffset: 0, busy: false };
const $ = (id) => document.getElementById(id);

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
    say(`Updated ${fmt.when(new Date().toISOString())}.`);
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
  drawCharts([$("chart-response"), $("chart-errors")], series, health.baseline);
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
      alert.predicted_at ? [" · expected ", timeEl(alert.predicted_at)] : null,
      alert.incident_id ? [" · ", el("a", { href: `api/incidents/${alert.incident_id}`,
        class: "incident", title: "Other sites alerted with it: one incident" },
        "part of an incident")] : null)),
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
followWidth($("site"));
setInterval(() => { if (document.visibilityState === "visible" && !$("content").hidden) loadAll(); },
  REFRESH_MS);
loadAll();
