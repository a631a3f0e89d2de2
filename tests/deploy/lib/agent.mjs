// The outputs files hearth-agent is started with, loaded by the built hearth-agent as the pod
// would see them: the ConfigMap mounted over the --config path is written to a scratch
// directory (every key, so templates named relative to the file resolve) and
// `hearth-agent status --config FILE` reads it. status parses the whole file, reads and parses
// its templates, and only then looks for the agent's status file: exit 2 is a broken outputs
// file, anything else (4 here: no agent runs) means it loaded. Nothing dials hearthd.

import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { spawnSync } from "node:child_process";
import { optionValue, podInvocations } from "./invocations.mjs";

const CONFIG_OPTION = ["--config", "-c"];

// The ConfigMap key behind `path` in container `c` of `pod`, as {mount, name, key, items} (name:
// the ConfigMap's), or {reason} when it is not a file of a ConfigMap volume.
function configMapFile(path, c, pod) {
  const mount = (c.volumeMounts ?? [])
    .filter((m) => path.startsWith(`${String(m.mountPath).replace(/\/$/, "")}/`))
    .sort((a, b) => b.mountPath.length - a.mountPath.length)[0];
  if (!mount) return { reason: `no volume is mounted over ${path}` };
  const volume = (pod.volumes ?? []).find((v) => v.name === mount.name);
  if (!volume?.configMap || mount.subPath || mount.subPathExpr)
    return { reason: `${path} is not on a ConfigMap volume mounted whole` };
  const rel = relative(mount.mountPath, path);
  const { name, items } = volume.configMap;
  const item = (items ?? []).find((it) => it.path === rel);
  return { mount, name, key: item ? item.key : rel, items };
}

// Loads the outputs file of every hearth-agent started in `objects` (one bundle: {value, where},
// as lib/k8s_rules.mjs has them), from that bundle's ConfigMaps. Findings go to `report`, skips
// to `notes`; `seen` (a Set) keeps a file shared by several bundles from being loaded twice.
export function checkAgentConfigs(objects, bin, workDir, report, notes, seen = new Set()) {
  const configMaps = new Map(
    objects.filter((o) => o.value?.kind === "ConfigMap").map((o) => [o.value.metadata?.name, o]),
  );
  for (const inv of objects.flatMap(podInvocations)) {
    if (inv.program !== "hearth-agent") continue;
    const path = optionValue(inv.words, CONFIG_OPTION);
    if (!path) continue; // CLI11 refuses the command line; lib/image.mjs reports it.
    const file = configMapFile(path, inv.container, inv.pod);
    if (file.reason) {
      notes.push(`SKIP outputs file of hearth-agent at ${inv.where}: ${file.reason}`);
      continue;
    }
    const cm = configMaps.get(file.name);
    if (!cm) continue; // a ConfigMap missing from the bundle is lib/k8s_rules.mjs's finding
    const id = JSON.stringify([file.mount.mountPath, path, file.items, cm.value.data]);
    if (seen.has(id)) continue;
    seen.add(id);
    const data = cm.value.data ?? {};
    const at = cm.where(["data", file.key], { key: true });
    report.check();
    if (data[file.key] === undefined) {
      report.error(
        inv.where,
        `hearth-agent --config ${path}: ConfigMap ${file.name} has no key ${file.key}`,
      );
      continue;
    }
    if (!bin) {
      notes.push(`SKIP outputs file ${file.name}/${file.key}: no hearth-agent binary given`);
      continue;
    }
    // The mount, rebuilt: each key at its path under the mount (items may rename them).
    const dir = join(workDir, `agent-config-${seen.size}`);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    const mountPath = String(file.mount.mountPath).replace(/\/$/, "");
    const paths = file.items
      ? file.items.map((it) => [it.key, it.path])
      : Object.keys(data).map((k) => [k, k]);
    for (const [key, p] of paths) {
      if (data[key] === undefined) continue;
      // Absolute names of files in the same mount (a template) point into the copy.
      const text = String(data[key]).split(`"${mountPath}/`).join(`"${dir}/`);
      mkdirSync(join(dir, p, ".."), { recursive: true });
      writeFileSync(join(dir, p), text);
    }
    const local = join(dir, relative(mountPath, path));
    const r = spawnSync(bin, ["status", "--config", local], { encoding: "utf8" });
    if (r.error) {
      report.error(at, `could not run ${bin}: ${r.error.message}`);
    } else if (r.status === 2 || r.status === null) {
      const said = `${r.stderr}${r.stdout}`.trim().split(dir).join(mountPath);
      report.error(at, `ConfigMap ${file.name}: hearth-agent refuses ${path}: ${said}`);
    }
  }
}
