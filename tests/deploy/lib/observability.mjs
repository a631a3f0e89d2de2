// Checks of the alert rules and the Grafana dashboard: the PrometheusRule carries exactly the
// plain rule file's groups, every PromQL expression parses (promtool), uses only metrics hearthd
// exports (known_metrics.txt), and the dashboard shows every one of them in a sane layout.

import { readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { isDeepStrictEqual } from "node:util";
import { YamlFile } from "./yaml_file.mjs";

const KEYWORDS = new Set([
  "by",
  "without",
  "on",
  "ignoring",
  "group_left",
  "group_right",
  "and",
  "or",
  "unless",
  "bool",
  "offset",
  "inf",
  "nan",
  "le",
]);

// name -> type, from known_metrics.txt.
export function loadKnownMetrics(path) {
  const known = new Map();
  for (const line of readFileSync(path, "utf8").split("\n")) {
    const t = line.replace(/#.*/, "").trim();
    if (!t) continue;
    const [name, type] = t.split(/\s+/);
    known.set(name, type);
  }
  return known;
}

// The series names an expression reads: identifiers that are not functions, keywords, label
// names or Grafana variables.
export function metricNames(expr) {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, " ")
    .replace(/\[[^\]]*\]/g, " ")
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, " ")
    .replace(/\$\{?\w+\}?/g, " ");
  const names = new Set();
  for (const m of bare.matchAll(/[A-Za-z_:][\w:]*/g)) {
    const rest = bare.slice(m.index + m[0].length);
    if (/^\s*\(/.test(rest) || KEYWORDS.has(m[0])) continue;
    names.add(m[0]);
  }
  return [...names];
}

// Series Prometheus itself writes for every target; alerts on a dead target need them.
const SCRAPE_SERIES = new Set(["up", "scrape_duration_seconds", "scrape_samples_scraped"]);

function isKnown(name, known) {
  if (known.has(name)) return true;
  const base = name.replace(/_(bucket|sum|count)$/, "");
  return base !== name && known.get(base) === "histogram";
}

function baseName(name, known) {
  const base = name.replace(/_(bucket|sum|count)$/, "");
  return known.get(base) === "histogram" ? base : name;
}

// Exprs that `promtool check rules` rejects, as [{label, message}]. One promtool run when all
// parse; one per expression to name the culprits when some do not.
function promqlErrors(exprs, workDir) {
  mkdirSync(workDir, { recursive: true });
  const run = (list) => {
    const file = join(workDir, "promql-check.yaml");
    const rules = list.map(
      (e, i) => `      - record: check:expr_${i}\n        expr: ${JSON.stringify(e.expr)}`,
    );
    writeFileSync(file, `groups:\n  - name: check\n    rules:\n${rules.join("\n")}\n`);
    const r = spawnSync("promtool", ["check", "rules", file], { encoding: "utf8" });
    if (r.error) throw new Error(`promtool: ${r.error.message} (Debian package prometheus)`);
    if (r.status === 0) return "";
    const out = `${r.stdout}${r.stderr}`;
    const m = /could not parse expression: (.*)/.exec(out);
    return m ? m[1].trim() : out.trim();
  };
  if (exprs.length === 0 || !run(exprs)) return [];
  return exprs.map((e) => ({ ...e, message: run([e]) })).filter((e) => e.message);
}

// Grafana variables replaced by something PromQL parses.
function grafanaToPromql(expr) {
  return expr
    .replace(/\$__rate_interval|\$__interval|\$__range/g, "5m")
    .replace(/\$\{?\w+(?::\w+)?\}?/g, ".*");
}

export function checkRulesInSync(repo, report) {
  report.check();
  const plainPath = "deploy/prometheus/hearth-alerts.yaml";
  const crdPath = "deploy/components/monitoring/prometheusrule.yaml";
  const plain = new YamlFile(join(repo, plainPath), plainPath).docs[0]?.value;
  const crd = new YamlFile(join(repo, crdPath), crdPath).docs[0]?.value;
  if (!isDeepStrictEqual(plain?.groups, crd?.spec?.groups)) {
    report.error(
      crdPath,
      `spec.groups differs from the groups of ${plainPath}; keep the two identical`,
    );
  }
  return plain;
}

export function checkAlertMetrics(rulesFile, known, report) {
  for (const group of rulesFile?.groups ?? []) {
    for (const rule of group.rules ?? []) {
      report.check();
      for (const name of metricNames(String(rule.expr))) {
        if (!isKnown(name, known) && !SCRAPE_SERIES.has(name)) {
          report.error(
            "deploy/prometheus/hearth-alerts.yaml",
            `alert ${rule.alert}: unknown metric ${name} (not in tests/deploy/known_metrics.txt)`,
          );
        }
      }
    }
  }
}

export function checkDashboard(repo, known, workDir, report) {
  const shown = "deploy/grafana/hearth-dashboard.json";
  report.check();
  let dash;
  try {
    dash = JSON.parse(readFileSync(join(repo, shown), "utf8"));
  } catch (e) {
    report.error(shown, `not valid JSON: ${e.message}`);
    return;
  }
  for (const key of ["uid", "title", "schemaVersion", "panels", "templating"]) {
    if (dash[key] === undefined) report.error(shown, `missing top-level "${key}"`);
  }
  const vars = new Set((dash.templating?.list ?? []).map((v) => v.name));
  if (!vars.has("datasource"))
    report.error(shown, 'needs a "datasource" variable so it works on any Prometheus');

  const ids = new Set();
  const cells = new Map(); // "x,y" -> panel title: no two panels may cover the same grid cell
  const exprs = [];
  const shownMetrics = new Set();
  for (const p of dash.panels ?? []) {
    report.check();
    const label = `panel ${p.id} "${p.title}"`;
    if (ids.has(p.id)) report.error(shown, `${label}: duplicate panel id`);
    ids.add(p.id);
    if (!p.title) report.error(shown, `${label}: no title`);
    const g = p.gridPos ?? {};
    if (!(g.w > 0 && g.h > 0 && g.x >= 0 && g.y >= 0 && g.x + g.w <= 24)) {
      report.error(shown, `${label}: gridPos ${JSON.stringify(g)} is outside the 24-column grid`);
    }
    for (let x = g.x; x < g.x + g.w; x++) {
      for (let y = g.y; y < g.y + g.h; y++) {
        const other = cells.get(`${x},${y}`);
        if (other && other !== label) {
          report.error(shown, `${label} overlaps ${other}`);
          y = Infinity;
          x = Infinity;
        } else cells.set(`${x},${y}`, label);
      }
    }
    if (p.type === "row") continue;
    if (p.datasource?.uid !== "${datasource}")
      report.error(shown, `${label}: datasource must be \${datasource}`);
    const targets = p.targets ?? [];
    if (targets.length === 0) report.error(shown, `${label}: no queries`);
    const refIds = new Set();
    for (const t of targets) {
      if (refIds.has(t.refId)) report.error(shown, `${label}: duplicate refId ${t.refId}`);
      refIds.add(t.refId);
      if (!t.expr) {
        report.error(shown, `${label}: query ${t.refId} has no expr`);
        continue;
      }
      for (const v of t.expr.matchAll(/\$\{?(\w+)/g)) {
        if (!v[1].startsWith("__") && !vars.has(v[1]))
          report.error(shown, `${label}: unknown variable $${v[1]}`);
      }
      exprs.push({ label: `${label} query ${t.refId}`, expr: grafanaToPromql(t.expr) });
      for (const name of metricNames(t.expr)) {
        if (!isKnown(name, known))
          report.error(
            shown,
            `${label}: unknown metric ${name} (not in tests/deploy/known_metrics.txt)`,
          );
        else shownMetrics.add(baseName(name, known));
      }
    }
  }
  report.check();
  for (const e of promqlErrors(exprs, workDir))
    report.error(shown, `${e.label}: PromQL does not parse: ${e.message}`);
  report.check();
  for (const name of known.keys()) {
    if (!shownMetrics.has(name)) report.error(shown, `no panel shows ${name}`);
  }
}
