// The selected site's two charts, drawn with the vendored uPlot (a global of its IIFE build):
// response time against the baseline's band with anomalous buckets, error rate against the
// baseline's rate, and the site's alerts as shaded spans on both. Cursors are synchronised.
import { fmt, el, isNum } from "./format.js";

const SPAN_COLOURS = { CRITICAL: "rgba(220,38,38,0.20)", HIGH: "rgba(234,88,12,0.17)",
  MEDIUM: "rgba(202,138,4,0.15)", LOW: "rgba(107,114,128,0.13)" };
const MARK_COLOURS = { CRITICAL: "#dc2626", HIGH: "#ea580c", MEDIUM: "#ca8a04", LOW: "#6b7280" };
const HEIGHT = 210;
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
  return { width: target.clientWidth || 600, height: HEIGHT, series: [{}, ...series],
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

let drawn = [];

/** Draw the site's `series` (GET /api/sites/{id}/series) into the two targets. */
export function drawCharts([responseTarget, errorTarget], series, baseline) {
  for (const chart of drawn) chart.destroy();
  drawn = [];
  const targets = [responseTarget, errorTarget];
  if (!series || !series.points.length) {
    for (const target of targets) {
      target.replaceChildren(el("div", { class: "empty" }, "No probes in this window."));
    }
    return;
  }
  for (const target of targets) target.replaceChildren();
  drawn = [responseChart(responseTarget, series), errorChart(errorTarget, series, baseline)];
}

/** Keep the charts as wide as their panel. */
export function followWidth(panel) {
  new ResizeObserver(() => {
    for (const chart of drawn) {
      const width = chart.root.parentElement.clientWidth;
      if (width && Math.abs(width - chart.width) > 4) chart.setSize({ width, height: HEIGHT });
    }
  }).observe(panel);
}
