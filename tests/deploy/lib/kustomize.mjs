// Checks of each kustomization.yaml under deploy/: its resources and components exist and are
// local (the check runs offline), no manifest in its directory is left out, and it renders with
// `kubectl kustomize` (kubectl ships Kustomize; when kubectl is missing the render is skipped
// and the listed source files stand in for the rendered objects).

import { existsSync, readdirSync, statSync } from "node:fs";
import { basename, dirname, join, relative } from "node:path";
import { spawnSync } from "node:child_process";
import { YamlFile } from "./yaml_file.mjs";

const KUSTOMIZATION_NAMES = ["kustomization.yaml", "kustomization.yml", "Kustomization"];

export function kubectlVersion() {
  const r = spawnSync("kubectl", ["version", "--client"], { encoding: "utf8" });
  return r.status === 0 ? r.stdout.trim().split("\n").join(", ") : null;
}

function kustomizationIn(dir) {
  return KUSTOMIZATION_NAMES.map((n) => join(dir, n)).find((p) => existsSync(p)) ?? null;
}

// Returns { kind, file, doc, dir, resourceFiles } for one kustomization file, reporting broken
// references. resourceFiles lists the manifests it pulls in, recursively.
export function readKustomization(repo, path, report) {
  const shown = relative(repo, path);
  const file = new YamlFile(path, shown);
  report.check();
  for (const e of file.parseErrors) report.error(e.where, e.message);
  const doc = file.docs[0];
  const dir = dirname(path);
  const k = doc?.value ?? {};
  if (!["Kustomization", "Component"].includes(k.kind)) {
    report.error(file.where(doc, ["kind"]), "kind must be Kustomization or Component");
  }
  const resourceFiles = [];
  const referenced = new Set();
  for (const field of ["resources", "components"]) {
    (k[field] ?? []).forEach((ref, i) => {
      const where = file.where(doc, [field, i]);
      if (/:\/\/|^github\.com\//.test(ref)) {
        report.error(where, `${ref}: remote ${field} need the network; keep bases local`);
        return;
      }
      const target = join(dir, ref);
      if (!existsSync(target)) {
        report.error(where, `${ref} does not exist`);
        return;
      }
      if (statSync(target).isDirectory()) {
        const nested = kustomizationIn(target);
        if (!nested) {
          report.error(where, `${ref} is a directory without a kustomization.yaml`);
          return;
        }
        resourceFiles.push(...readKustomization(repo, nested, report).resourceFiles);
      } else {
        referenced.add(target);
        resourceFiles.push(target);
      }
    });
  }
  for (const gen of k.configMapGenerator ?? []) {
    for (const f of gen.files ?? []) {
      const target = join(dir, String(f).split("=").pop());
      referenced.add(target);
      if (!existsSync(target))
        report.error(file.where(doc, ["configMapGenerator"]), `${f} does not exist`);
    }
  }
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (!/\.ya?ml$/.test(name) || KUSTOMIZATION_NAMES.includes(name) || referenced.has(p)) continue;
    report.error(
      join(shown, "..", name),
      `not listed in ${basename(path)}: kustomize would ignore it`,
    );
  }
  return { kind: k.kind, file, doc, dir, resourceFiles };
}

// Renders a Kustomization directory; null (with a finding) when kubectl fails.
export function render(repo, dir, report) {
  report.check();
  const shown = relative(repo, dir);
  const r = spawnSync("kubectl", ["kustomize", dir], { encoding: "utf8", maxBuffer: 64 << 20 });
  if (r.status !== 0) {
    report.error(shown, `kubectl kustomize failed: ${(r.stderr || r.stdout).trim()}`);
    return null;
  }
  return new YamlFile(dir, `${shown} (kubectl kustomize output)`, r.stdout);
}
