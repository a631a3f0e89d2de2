// Offline validation of everything Hearth ships for deployment (ctest deploy.manifests):
//
//   deploy/**.yaml          Kubernetes objects: OpenAPI schema per kind and unknown fields
//                           (lib/k8s_schema.mjs); kustomizations resolve and render
//                           (lib/kustomize.mjs); the rendered objects fit together
//                           (lib/k8s_rules.mjs)
//   deploy/prometheus, deploy/grafana
//                           alerts and dashboard use only known metrics, parse, stay in sync
//                           (lib/observability.mjs)
//   docker/                 compose schema and references (lib/compose.mjs)
//   Dockerfile, .dockerignore, and the flags every manifest passes to the binaries
//                           (lib/image.mjs, lib/invocations.mjs)
//   hearth-agent's outputs files, as the manifests mount them (lib/agent.mjs)
//
// Usage: node validate_manifests.mjs --repo DIR --work DIR [--hearthd BIN] [--hearthctl BIN]
//          [--hearth-agent BIN]
//        node validate_manifests.mjs --self-test --repo DIR --work DIR [the same binaries]
// A check that needs a binary that is not given is skipped, and says so.
// Prints each finding as file:line:col: message and exits 1 if there is any.

import { readdirSync, mkdirSync } from "node:fs";
import { join, relative, resolve, basename } from "node:path";
import { parseArgs } from "node:util";
import { Report } from "./lib/report.mjs";
import { YamlFile } from "./lib/yaml_file.mjs";
import { validateSchema, checkUnknownFields } from "./lib/k8s_schema.mjs";
import { checkBundle } from "./lib/k8s_rules.mjs";
import { kubectlVersion, readKustomization, render } from "./lib/kustomize.mjs";
import {
  checkAlertMetrics,
  checkDashboard,
  checkRulesInSync,
  loadKnownMetrics,
} from "./lib/observability.mjs";
import { checkCompose } from "./lib/compose.mjs";
import { checkDockerfile, checkFlags, checkImagePrograms } from "./lib/image.mjs";
import { podInvocations } from "./lib/invocations.mjs";
import { checkAgentConfigs } from "./lib/agent.mjs";
import { selfTest } from "./lib/self_test.mjs";

const { values: opts } = parseArgs({
  options: {
    repo: { type: "string" },
    work: { type: "string" },
    hearthd: { type: "string" },
    hearthctl: { type: "string" },
    "hearth-agent": { type: "string" },
    "self-test": { type: "boolean", default: false },
  },
});
if (!opts.repo || !opts.work) {
  console.error(
    "usage: validate_manifests.mjs --repo DIR --work DIR [--hearthd BIN] [--hearthctl BIN]" +
      " [--hearth-agent BIN] [--self-test]",
  );
  process.exit(2);
}
const repo = resolve(opts.repo);
const binaries = {
  hearthd: opts.hearthd,
  hearthctl: opts.hearthctl,
  "hearth-agent": opts["hearth-agent"],
};
const work = resolve(opts.work);
mkdirSync(work, { recursive: true });

function walk(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)],
  );
}

// An object of a parsed file, as lib/k8s_rules.mjs wants it.
const objectOf = (file, doc) => ({
  value: doc.value,
  where: (path, o) => file.where(doc, path, o),
  file,
  doc,
});

async function validateRepo(report, notes) {
  const deployFiles = walk(join(repo, "deploy"))
    .filter((p) => /\.ya?ml$/.test(p))
    .sort();
  const kustomizations = deployFiles.filter((p) => basename(p) === "kustomization.yaml");
  const manifests = deployFiles.filter(
    (p) => !kustomizations.includes(p) && !relative(repo, p).startsWith("deploy/prometheus/"),
  );

  // 1. Every manifest, as written: schema, then unknown fields in one compiler run.
  const typed = [];
  const sources = new Map(); // path -> [object]
  for (const path of manifests) {
    const file = new YamlFile(path, relative(repo, path));
    report.check();
    for (const e of file.parseErrors) report.error(e.where, e.message);
    sources.set(path, []);
    for (const doc of file.docs) {
      const model = await validateSchema(file, doc, report);
      if (model) typed.push({ file, doc, modulePath: model.modulePath });
      sources.get(path).push(objectOf(file, doc));
    }
  }
  checkUnknownFields(typed, work, report);

  // 2. Every kustomization resolves; each Kustomization renders and its objects fit together.
  // Also loads the outputs files hearth-agent is started with (once each: bases repeat).
  const agentConfigsSeen = new Set();
  const kubectl = kubectlVersion();
  notes.push(
    kubectl
      ? `kubectl: ${kubectl}`
      : "SKIP kustomize render: kubectl not found; checking the listed files instead",
  );
  for (const path of kustomizations) {
    const k = readKustomization(repo, path, report);
    if (k.kind !== "Kustomization") continue;
    let objects = k.resourceFiles.flatMap((p) => sources.get(p) ?? []);
    if (kubectl) {
      const rendered = render(repo, k.dir, report);
      if (!rendered) continue;
      objects = [];
      for (const doc of rendered.docs) {
        await validateSchema(rendered, doc, report);
        // Point findings at the source object of the same kind and name when there is one.
        const v = doc.value;
        const source = [...sources.values()]
          .flat()
          .find((o) => o.value?.kind === v?.kind && o.value?.metadata?.name === v?.metadata?.name);
        objects.push({
          ...objectOf(rendered, doc),
          where: source ? source.where : objectOf(rendered, doc).where,
        });
      }
    }
    checkBundle(objects, report);
    checkAgentConfigs(objects, binaries["hearth-agent"], work, report, notes, agentConfigsSeen);
  }

  // 3. Alerts and dashboard.
  await report.guard("deploy/prometheus, deploy/grafana", () => {
    const known = loadKnownMetrics(join(repo, "tests", "deploy", "known_metrics.txt"));
    checkAlertMetrics(checkRulesInSync(repo, report), known, report);
    checkDashboard(repo, known, work, report);
  });

  // 4. Compose and image.
  await report.guard("docker/compose.yaml", () => checkCompose(repo, report));
  let image = { entry: [], health: [], entryAt: "Dockerfile", healthAt: "Dockerfile" };
  await report.guard("Dockerfile", () => {
    image = checkDockerfile(repo, report);
  });

  // 5. Flags passed to the binaries, wherever they are started.
  const invocations = [
    { where: image.entryAt, program: "hearthd", words: image.entry.slice(2) },
    { where: image.healthAt, program: "hearthctl", words: image.health.slice(1) },
  ];
  const compose = new YamlFile(join(repo, "docker", "compose.yaml"), "docker/compose.yaml");
  const hearthdService = compose.docs[0]?.value.services?.hearthd;
  if (hearthdService?.command) {
    invocations.push({
      where: compose.where(compose.docs[0], ["services", "hearthd", "command"]),
      program: "hearthd",
      words: hearthdService.command,
    });
  }
  const objects = [...sources.values()].flat();
  const workloadInvocations = objects.flatMap(podInvocations);
  invocations.push(...workloadInvocations);
  checkFlags(invocations, binaries, report, notes);
  checkImagePrograms(repo, [...new Set(workloadInvocations.map((i) => i.program))], report);
}

const report = new Report();
const notes = [];
await report.guard("validate_manifests.mjs", () =>
  opts["self-test"] ? selfTest(repo, work, binaries, report, notes) : validateRepo(report, notes),
);
for (const n of notes) console.log(n);
for (const e of report.errors) console.log(e);
const mode = opts["self-test"] ? "validator self-test" : "deploy manifests";
console.log(`${mode}: ${report.checks} checks, ${report.errors.length} problems`);
process.exit(report.errors.length === 0 ? 0 : 1);
