// Checks a schema cannot make: that the objects of one bundle (a rendered kustomization, or one
// test file) fit together and follow the rules docs/deployment.md promises: selectors match
// their pods, Services and ServiceMonitors reach named ports, every mount has a volume, every
// container is locked down and sized, every hearthd container has its gRPC probes, and every
// hearth-agent is an init container (--once) or a long-running one with its readiness probe.
//
// An object is { value, where(path, opts) }: its plain value and a function that names the file,
// line and column of a path inside it.

import { describe } from "./k8s_schema.mjs";
import { optionValue, subcommandOf } from "./invocations.mjs";

const WORKLOADS = new Set(["Deployment", "DaemonSet", "StatefulSet", "ReplicaSet", "Job"]);
const HEARTH_GRPC_PORT = 7070;
const HEARTH_METRICS_PORT = 7071;
// The plaintext health-only port (--health-listen): probes must keep working when the gRPC port
// uses TLS, and the kubelet's gRPC probes cannot do TLS.
const HEARTH_HEALTH_PORT = 7072;
const HEARTH_READINESS_SERVICE = "hearth.v1.ConfigService";
const CONFIG_ROOT = "/etc/hearth/configs";

function matches(selector, labels) {
  const entries = Object.entries(selector ?? {});
  return entries.length > 0 && entries.every(([k, v]) => (labels ?? {})[k] === v);
}

function containersOf(pod) {
  const list = [];
  (pod.initContainers ?? []).forEach((c, i) => list.push({ c, path: ["initContainers", i] }));
  (pod.containers ?? []).forEach((c, i) => list.push({ c, path: ["containers", i] }));
  return list;
}

export function checkBundle(objects, report) {
  const err = (obj, path, message, opts) =>
    report.error(obj.where(path, opts), `${describe(obj.value)}: ${message}`);
  const ofKind = (kind) => objects.filter((o) => o.value?.kind === kind);
  const workloads = objects.filter((o) => WORKLOADS.has(o.value?.kind));
  const configMaps = new Set(ofKind("ConfigMap").map((o) => o.value.metadata?.name));

  report.check();
  const seen = new Map();
  for (const obj of objects) {
    const meta = obj.value?.metadata ?? {};
    const key = `${obj.value?.kind}/${meta.namespace ?? ""}/${meta.name}`;
    if (seen.has(key)) err(obj, ["metadata", "name"], `name already used at ${seen.get(key)}`);
    else seen.set(key, obj.where(["metadata", "name"]));
  }

  for (const obj of workloads) {
    report.check();
    const spec = obj.value.spec ?? {};
    const labels = spec.template?.metadata?.labels;
    if (spec.selector && !matches(spec.selector.matchLabels, labels)) {
      err(obj, ["spec", "selector"], "selector.matchLabels does not match the pod template labels");
    }
    checkPod(obj, ["spec", "template"], configMaps, err, report);
  }

  for (const svc of ofKind("Service")) {
    report.check();
    const selector = svc.value.spec?.selector;
    const targets = workloads.filter((w) =>
      matches(selector, w.value.spec?.template?.metadata?.labels),
    );
    if (targets.length === 0) {
      err(svc, ["spec", "selector"], "selects no pod template of this bundle");
      continue;
    }
    (svc.value.spec?.ports ?? []).forEach((port, i) => {
      const target = port.targetPort ?? port.port;
      const ok = targets.some((w) =>
        containersOf(w.value.spec.template.spec ?? {}).some(({ c }) =>
          (c.ports ?? []).some((p) =>
            typeof target === "string" ? p.name === target : p.containerPort === target,
          ),
        ),
      );
      if (!ok)
        err(
          svc,
          ["spec", "ports", i, "targetPort"],
          `targetPort ${target} is no container port of the pods it selects`,
        );
    });
  }

  const services = ofKind("Service");
  for (const sm of ofKind("ServiceMonitor")) {
    report.check();
    const selector = sm.value.spec?.selector?.matchLabels;
    const targets = services.filter((s) => matches(selector, s.value.metadata?.labels));
    if (services.length > 0 && targets.length === 0) {
      err(sm, ["spec", "selector"], "selects no Service of this bundle");
      continue;
    }
    (sm.value.spec?.endpoints ?? []).forEach((ep, i) => {
      if (
        targets.length > 0 &&
        !targets.some((s) => (s.value.spec?.ports ?? []).some((p) => p.name === ep.port))
      ) {
        err(
          sm,
          ["spec", "endpoints", i, "port"],
          `no selected Service has a port named "${ep.port}"`,
        );
      }
    });
  }
}

function checkPod(obj, templatePath, configMaps, err, report) {
  const template = obj.value.spec.template ?? {};
  const pod = template.spec ?? {};
  const podPath = [...templatePath, "spec"];
  const volumes = new Map((pod.volumes ?? []).map((v, i) => [v.name, { v, i }]));
  const containers = containersOf(pod);
  const allPorts = containers.flatMap(({ c }) => (c.ports ?? []).map((p) => p.containerPort));

  (pod.volumes ?? []).forEach((v, i) => {
    if (v.configMap && !v.configMap.optional && !configMaps.has(v.configMap.name)) {
      err(
        obj,
        [...podPath, "volumes", i, "configMap", "name"],
        `ConfigMap ${v.configMap.name} is not in this bundle`,
      );
    }
  });

  const annotations = template.metadata?.annotations ?? {};
  if (annotations["prometheus.io/scrape"] === "true") {
    const port = Number(annotations["prometheus.io/port"]);
    if (!allPorts.includes(port)) {
      err(
        obj,
        [...templatePath, "metadata", "annotations"],
        `prometheus.io/port ${annotations["prometheus.io/port"]} is no container port`,
      );
    }
  }

  const socketUsers = new Map(); // socket directory -> [{container, volume}]
  for (const { c, path } of containers) {
    report.check();
    const at = [...podPath, ...path];
    const mounts = c.volumeMounts ?? [];
    mounts.forEach((m, i) => {
      if (!volumes.has(m.name))
        err(
          obj,
          [...at, "volumeMounts", i, "name"],
          `mounts volume "${m.name}", which the pod does not declare`,
        );
    });
    checkLockedDown(obj, at, c, pod, err);
    for (const word of [...(c.command ?? []), ...(c.args ?? [])]) {
      const m = /^unix:\/\/(\/.*)\/[^/]+$/.exec(String(word));
      if (!m) continue;
      const mount = mounts.find((x) => x.mountPath === m[1]);
      if (!mount) {
        err(obj, at, `uses socket ${word}, but mounts no volume at ${m[1]}`);
        continue;
      }
      const list = socketUsers.get(m[1]) ?? [];
      list.push({ name: c.name, volume: mount.name });
      socketUsers.set(m[1], list);
    }
    if (c.name === "hearthd") checkHearthd(obj, at, c, err);
    if ((c.command ?? [])[0] === "hearth-agent") checkHearthAgent(obj, at, c, path[0], err);
  }
  for (const [dir, users] of socketUsers) {
    report.check();
    const volume = users[0].volume;
    const sharers = containers.filter(({ c }) =>
      (c.volumeMounts ?? []).some((m) => m.name === volume && m.mountPath === dir),
    );
    if (!volumes.get(volume)?.v.emptyDir)
      err(obj, [...podPath, "volumes"], `socket directory ${dir} is not an emptyDir`);
    if (containers.length > 1 && sharers.length < 2) {
      err(
        obj,
        [...podPath, "volumes"],
        `socket directory ${dir} (volume ${volume}) is mounted by one container only`,
      );
    }
  }
}

function checkLockedDown(obj, at, c, pod, err) {
  const sc = c.securityContext ?? {};
  const scPath = [...at, "securityContext"];
  if (sc.allowPrivilegeEscalation !== false)
    err(obj, scPath, `container ${c.name}: allowPrivilegeEscalation must be false`);
  if (sc.readOnlyRootFilesystem !== true)
    err(obj, scPath, `container ${c.name}: readOnlyRootFilesystem must be true`);
  if (!(sc.capabilities?.drop ?? []).includes("ALL"))
    err(obj, scPath, `container ${c.name}: capabilities.drop must include ALL`);
  if (sc.runAsNonRoot !== true && pod.securityContext?.runAsNonRoot !== true) {
    err(obj, scPath, `container ${c.name}: runAsNonRoot must be true (container or pod)`);
  }
  const r = c.resources ?? {};
  for (const [path, v] of [
    [["requests", "cpu"], r.requests?.cpu],
    [["requests", "memory"], r.requests?.memory],
    [["limits", "memory"], r.limits?.memory],
  ]) {
    if (v === undefined)
      err(obj, [...at, "resources"], `container ${c.name}: resources.${path.join(".")} is not set`);
  }
}

function checkHearthd(obj, at, c, err) {
  const ports = new Map((c.ports ?? []).map((p) => [p.name, p.containerPort]));
  if (ports.get("grpc") !== HEARTH_GRPC_PORT)
    err(obj, [...at, "ports"], `hearthd needs a port "grpc" ${HEARTH_GRPC_PORT}`);
  if (ports.get("metrics") !== HEARTH_METRICS_PORT)
    err(obj, [...at, "ports"], `hearthd needs a port "metrics" ${HEARTH_METRICS_PORT}`);
  if (ports.get("health") !== HEARTH_HEALTH_PORT)
    err(obj, [...at, "ports"], `hearthd needs a port "health" ${HEARTH_HEALTH_PORT}`);
  const args = (c.args ?? []).map(String);
  const healthAt = args.indexOf("--health-listen");
  if (healthAt < 0 || !String(args[healthAt + 1] ?? "").endsWith(`:${HEARTH_HEALTH_PORT}`)) {
    err(obj, [...at, "args"], `hearthd needs --health-listen on port ${HEARTH_HEALTH_PORT}`);
  }
  for (const probe of ["startupProbe", "readinessProbe", "livenessProbe"]) {
    const p = c[probe];
    if (!p?.grpc || p.grpc.port !== HEARTH_HEALTH_PORT) {
      err(
        obj,
        [...at, probe],
        `hearthd ${probe} must be a native gRPC probe on the plaintext health port ` +
          `${HEARTH_HEALTH_PORT} (it keeps working with TLS on)`,
      );
    }
  }
  if (c.readinessProbe?.grpc && c.readinessProbe.grpc.service !== HEARTH_READINESS_SERVICE) {
    err(
      obj,
      [...at, "readinessProbe", "grpc"],
      `hearthd readiness must ask for service "${HEARTH_READINESS_SERVICE}"`,
    );
  }
  (c.volumeMounts ?? []).forEach((m, i) => {
    if (!String(m.mountPath).startsWith(`${CONFIG_ROOT}/`) && m.mountPath !== CONFIG_ROOT) return;
    if (m.readOnly !== true)
      err(obj, [...at, "volumeMounts", i], `config mount ${m.mountPath} must be readOnly`);
    if (m.subPath || m.subPathExpr)
      err(
        obj,
        [...at, "volumeMounts", i],
        `config mount ${m.mountPath} must not use subPath (it never sees updates)`,
      );
  });
}

// hearth-agent's argv in `argv` (["hearth-agent", ...]): its words, or null.
function agentWords(argv) {
  return (argv ?? [])[0] === "hearth-agent" ? argv.slice(1).map(String) : null;
}

function checkHearthAgent(obj, at, c, field, err) {
  const words = agentWords([...(c.command ?? []), ...(c.args ?? [])]);
  if (subcommandOf(words) !== "run") return;
  const once = words.includes("--once");
  const config = optionValue(words, ["--config", "-c"]);
  if (field === "initContainers" && c.restartPolicy !== "Always") {
    if (!once)
      err(
        obj,
        at,
        `init container ${c.name}: hearth-agent run without --once never exits, so the pod ` +
          "never starts (add --once, or make it a sidecar with restartPolicy: Always)",
      );
    return;
  }
  if (once) {
    err(
      obj,
      at,
      `container ${c.name}: hearth-agent run --once exits after one pass and is restarted ` +
        "forever; --once belongs in an init container",
    );
    return;
  }
  const status = (probe) => {
    const w = agentWords(c[probe]?.exec?.command);
    return w && subcommandOf(w) === "status" ? w : null;
  };
  const ready = status("readinessProbe");
  if (!ready) {
    err(
      obj,
      [...at, "readinessProbe"],
      `container ${c.name}: the long-running hearth-agent needs a readiness exec probe ` +
        "running hearth-agent status --config FILE",
    );
  } else if (optionValue(ready, ["--config", "-c"]) !== config) {
    err(
      obj,
      [...at, "readinessProbe", "exec", "command"],
      `container ${c.name}: the readiness probe reads ` +
        `${optionValue(ready, ["--config", "-c"])}, but the agent runs with ${config}`,
    );
  }
  if (status("livenessProbe")) {
    err(
      obj,
      [...at, "livenessProbe"],
      `container ${c.name}: hearth-agent status must not be a liveness probe: it fails while ` +
        "hearthd is unreachable, and restarting the agent cannot fix that",
    );
  }
}
