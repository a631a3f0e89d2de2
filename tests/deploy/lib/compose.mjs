// Checks of docker/: compose.yaml against the Compose Specification's JSON schema (the copy
// dclint ships), and the references between the compose file, Prometheus' and Grafana's
// provisioning files and the repository: bind mounts exist, scrape targets are services, the
// dashboard path Grafana loads is the one mounted.

import { existsSync, readFileSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, posix, resolve } from "node:path";
import Ajv from "ajv";
import { YamlFile, pointerToPath } from "./yaml_file.mjs";

const require = createRequire(import.meta.url);

function composeSchema() {
  const pkg = require.resolve("dclint/package.json");
  const schema = JSON.parse(
    readFileSync(join(dirname(pkg), "schemas", "compose.schema.json"), "utf8"),
  );
  delete schema.$schema; // "https://json-schema.org/draft-07/schema", a spelling Ajv does not know
  return schema;
}

// Host path of a bind mount "SRC:DST[:MODE]" relative to the compose file's directory, and DST.
function bindMount(spec) {
  const [src, dst] = String(spec).split(":");
  return src.startsWith(".") || src.startsWith("/") ? { src, dst } : null;
}

export function checkCompose(repo, report) {
  const shown = "docker/compose.yaml";
  const composeDir = join(repo, "docker");
  const file = new YamlFile(join(repo, shown), shown);
  report.check();
  for (const e of file.parseErrors) report.error(e.where, e.message);
  const doc = file.docs[0];
  if (!doc) return;

  report.check();
  const ajv = new Ajv({ allErrors: true, strict: false, validateFormats: false });
  const validate = ajv.compile(composeSchema());
  if (!validate(doc.value)) {
    for (const e of validate.errors) {
      const path = pointerToPath(e.instancePath);
      const extra = e.params?.additionalProperty ? ` "${e.params.additionalProperty}"` : "";
      report.error(file.where(doc, path), `${e.instancePath || "/"} ${e.message}${extra}`);
    }
  }

  const services = doc.value.services ?? {};
  const mounts = new Map(); // container path -> host path, per service
  for (const [name, svc] of Object.entries(services)) {
    report.check();
    const own = new Map();
    (svc.volumes ?? []).forEach((v, i) => {
      const m = bindMount(v);
      if (!m) return;
      const host = resolve(composeDir, m.src);
      if (!existsSync(host))
        report.error(
          file.where(doc, ["services", name, "volumes", i]),
          `bind mount source ${m.src} does not exist`,
        );
      own.set(m.dst, host);
    });
    mounts.set(name, own);
    if (svc.build) {
      const context = resolve(composeDir, svc.build.context ?? ".");
      const dockerfile = join(context, svc.build.dockerfile ?? "Dockerfile");
      if (!existsSync(dockerfile))
        report.error(
          file.where(doc, ["services", name, "build"]),
          `no Dockerfile at ${dockerfile}`,
        );
    }
  }

  // Map a path inside service `name` to the host file it shows, through its bind mounts.
  const hostPath = (name, inside) => {
    for (const [dst, host] of mounts.get(name) ?? []) {
      if (inside === dst) return host;
      if (inside.startsWith(`${dst}/`)) return join(host, posix.relative(dst, inside));
    }
    return null;
  };

  if (services.prometheus) checkPrometheus(repo, services, hostPath, report);
  if (services.grafana) checkGrafana(services, hostPath, report);
}

function checkPrometheus(repo, services, hostPath, report) {
  report.check();
  const configPath = hostPath("prometheus", "/etc/prometheus/prometheus.yml");
  if (!configPath || !existsSync(configPath)) {
    report.error(
      "docker/compose.yaml",
      "prometheus: no prometheus.yml mounted at /etc/prometheus/prometheus.yml",
    );
    return;
  }
  const shown = posix.relative(repo, configPath);
  const prom = new YamlFile(configPath, shown);
  const doc = prom.docs[0];
  (doc?.value.scrape_configs ?? []).forEach((job, j) => {
    (job.static_configs ?? []).forEach((sc, s) => {
      (sc.targets ?? []).forEach((target, t) => {
        const service = String(target).split(":")[0];
        if (!services[service]) {
          report.error(
            prom.where(doc, ["scrape_configs", j, "static_configs", s, "targets", t]),
            `scrape target ${target} is no compose service`,
          );
        }
      });
    });
  });
  (doc?.value.rule_files ?? []).forEach((glob, i) => {
    const dir = posix.dirname(String(glob));
    const mounted = [...(services.prometheus.volumes ?? [])].some((v) =>
      bindMount(v)?.dst.startsWith(`${dir}/`),
    );
    if (!mounted)
      report.error(prom.where(doc, ["rule_files", i]), `no rule file is mounted under ${dir}`);
  });
}

function checkGrafana(services, hostPath, report) {
  report.check();
  const env = services.grafana.environment ?? {};
  const home = env.GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH;
  if (home) {
    const host = hostPath("grafana", home);
    if (!host || !existsSync(host))
      report.error("docker/compose.yaml", `grafana: home dashboard ${home} is not mounted`);
  }
  const providers = hostPath("grafana", "/etc/grafana/provisioning/dashboards");
  if (!providers || !existsSync(providers) || !statSync(providers).isDirectory()) {
    report.error("docker/compose.yaml", "grafana: no dashboard provisioning mounted");
    return;
  }
  const providerFile = join(providers, "hearth.yaml");
  const prov = new YamlFile(providerFile, "docker/grafana/provisioning/dashboards/hearth.yaml");
  for (const [i, p] of (prov.docs[0]?.value.providers ?? []).entries()) {
    const host = hostPath("grafana", p.options?.path ?? "");
    if (!host || !existsSync(join(host, "hearth-dashboard.json"))) {
      report.error(
        prov.where(prov.docs[0], ["providers", i, "options", "path"]),
        `${p.options?.path} does not hold hearth-dashboard.json in the grafana container`,
      );
    }
  }
  const sources = hostPath("grafana", "/etc/grafana/provisioning/datasources");
  const dsFile = sources && join(sources, "prometheus.yaml");
  if (!dsFile || !existsSync(dsFile)) {
    report.error("docker/compose.yaml", "grafana: no Prometheus data source provisioned");
    return;
  }
  const ds = new YamlFile(dsFile, "docker/grafana/provisioning/datasources/prometheus.yaml");
  for (const [i, d] of (ds.docs[0]?.value.datasources ?? []).entries()) {
    const host = new URL(d.url).hostname;
    if (!services[host])
      report.error(
        ds.where(ds.docs[0], ["datasources", i, "url"]),
        `${d.url}: ${host} is no compose service`,
      );
  }
}
