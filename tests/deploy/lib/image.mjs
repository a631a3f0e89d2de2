// Checks of the container image's definition and of every place that starts the binaries in it:
// the Dockerfile's stages, user, ports, health check and entrypoint; that its build stage
// installs every library .ci/dev installs (so a new dependency cannot be forgotten here); that
// .dockerignore keeps build trees out; and that each flag the Dockerfile, the compose file and
// the Kubernetes manifests pass to hearthd or hearthctl is one the built binary accepts.

import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { spawnSync } from "node:child_process";

// .ci/dev packages only the tests, benchmarks or fuzzers need.
const TEST_ONLY = new Set([
  "git",
  "libgtest-dev",
  "libgmock-dev",
  "libbenchmark-dev",
  "json-schema-test-suite",
  "clang",
  "libclang-rt-14-dev",
  "etcd-server",
  "etcd-client",
  "nghttp2-client",
  "prometheus",
  "openssl",
  "python3",
]);

// Instructions with continuation lines joined and comments dropped: [{op, args, line}].
export function parseDockerfile(text) {
  const out = [];
  let pending = null;
  text.split("\n").forEach((raw, i) => {
    const line = raw.trimEnd();
    if (!pending && (/^\s*#/.test(line) || !line.trim())) return;
    if (pending && /^\s*#/.test(line)) return;
    const body = line.endsWith("\\") ? line.slice(0, -1) : line;
    pending = pending
      ? { ...pending, text: `${pending.text} ${body.trim()}` }
      : { text: body.trim(), line: i + 1 };
    if (!line.endsWith("\\")) {
      const m = /^(\S+)\s*(.*)$/.exec(pending.text);
      out.push({ op: m[1].toUpperCase(), args: m[2], line: pending.line });
      pending = null;
    }
  });
  return out;
}

function jsonArray(args) {
  try {
    const v = JSON.parse(args);
    return Array.isArray(v) ? v.map(String) : null;
  } catch {
    return null;
  }
}

export function checkDockerfile(repo, report) {
  const shown = "Dockerfile";
  const text = readFileSync(join(repo, shown), "utf8");
  const ins = parseDockerfile(text);
  const at = (i) => `${shown}:${i.line}:1`;
  const stages = ins.filter((i) => i.op === "FROM");
  report.check();
  if (stages.length < 2) report.error(shown, "must be a multi-stage build (build, then runtime)");
  const args = Object.fromEntries(
    ins.filter((i) => i.op === "ARG" && i.args.includes("=")).map((i) => i.args.split("=")),
  );
  const image = (i) => i.args.split(/\s+/)[0].replace(/\$\{(\w+)\}/g, (_, k) => args[k] ?? "");
  if (stages[0] && image(stages[0]) !== "debian:bookworm")
    report.error(at(stages[0]), "the build stage must be debian:bookworm");
  const last = stages[stages.length - 1];
  if (last && image(last) !== "debian:bookworm-slim")
    report.error(at(last), "the runtime stage must be debian:bookworm-slim");

  const runtime = ins.slice(ins.indexOf(last));
  const find = (op) => runtime.filter((i) => i.op === op);
  report.check();
  const user = find("USER").pop();
  if (!user || !/^[1-9]\d*(:\d+)?$/.test(user.args))
    report.error(user ? at(user) : shown, "USER must be a numeric, non-root uid");
  const exposed = find("EXPOSE").flatMap((i) => i.args.split(/\s+/));
  for (const port of ["7070", "7071"])
    if (!exposed.includes(port)) report.error(shown, `EXPOSE must include ${port}`);
  const health = find("HEALTHCHECK").pop();
  const healthCmd = health && jsonArray(health.args.replace(/^.*?CMD\s+/, ""));
  if (!healthCmd || healthCmd[0] !== "hearthctl" || !healthCmd.includes("health")) {
    report.error(
      health ? at(health) : shown,
      'HEALTHCHECK must be CMD ["hearthctl", ..., "health"]',
    );
  }
  const entry = find("ENTRYPOINT").pop();
  const entryCmd = entry && jsonArray(entry.args);
  const want = [
    "--grpc-listen",
    "0.0.0.0:7070",
    "--metrics-listen",
    "0.0.0.0:7071",
    "--root",
    "/etc/hearth/configs",
  ];
  if (
    !entryCmd ||
    entryCmd[0] !== "hearthd" ||
    entryCmd[1] !== "serve" ||
    want.some((w) => !entryCmd.includes(w))
  ) {
    report.error(
      entry ? at(entry) : shown,
      `ENTRYPOINT must be ["hearthd", "serve", ${want.map((w) => `"${w}"`).join(", ")}]`,
    );
  }

  report.check();
  const build = ins.slice(0, ins.indexOf(last));
  const installed = new Set(
    build
      .filter((i) => i.op === "RUN")
      .flatMap((i) => i.args.split(/\s+/))
      .filter((w) => /^[a-z0-9][a-z0-9+.-]+$/.test(w)),
  );
  for (const pkg of ciPackages(repo)) {
    if (!TEST_ONLY.has(pkg) && !installed.has(pkg))
      report.error(shown, `the build stage does not install ${pkg}, which .ci/dev installs`);
  }
  if (!/-DHEARTH_BUILD_TESTS=OFF/.test(text))
    report.error(shown, "build with -DHEARTH_BUILD_TESTS=OFF");

  report.check();
  const ignore = readFileSync(join(repo, ".dockerignore"), "utf8")
    .split("\n")
    .map((l) => l.trim());
  for (const entry of [".git", "build", "build-*", "**/node_modules"]) {
    if (!ignore.includes(entry)) report.error(".dockerignore", `must exclude ${entry}`);
  }
  return {
    entry: entryCmd ?? [],
    health: healthCmd ?? [],
    entryAt: entry ? at(entry) : shown,
    healthAt: health ? at(health) : shown,
  };
}

// The DEB_PACKAGES list of .ci/dev.
function ciPackages(repo) {
  const path = join(repo, ".ci", "dev");
  if (!existsSync(path)) return [];
  const m = /DEB_PACKAGES=\(([\s\S]*?)\)/.exec(readFileSync(path, "utf8"));
  return m ? m[1].replace(/#.*/g, "").split(/\s+/).filter(Boolean) : [];
}

// Checks that every --flag of each invocation is in the binary's help. `invocations` are
// {where, program: "hearthd" | "hearthctl", words}; for hearthd, words follow `hearthd serve`.
export function checkFlags(invocations, binaries, report, notes) {
  const help = new Map();
  const helpOf = (bin, args) => {
    const key = `${bin} ${args.join(" ")}`;
    if (!help.has(key)) {
      const r = spawnSync(bin, [...args, "--help"], { encoding: "utf8" });
      help.set(key, r.status === 0 ? `${r.stdout}${r.stderr}` : null);
    }
    return help.get(key);
  };
  const has = (text, flag) =>
    new RegExp(`(^|[\\s,])${flag.replace(/[-]/g, "\\-")}(?![\\w-])`, "m").test(text);

  for (const inv of invocations) {
    const bin = binaries[inv.program];
    if (!bin) {
      notes.push(`SKIP flags of ${inv.program} at ${inv.where}: no ${inv.program} binary given`);
      continue;
    }
    report.check();
    let texts;
    let words = inv.words;
    if (inv.program === "hearthd") {
      const serve = helpOf(bin, ["serve"]);
      if (!serve) {
        notes.push(`SKIP flags of hearthd at ${inv.where}: this hearthd has no serve command yet`);
        continue;
      }
      texts = [serve];
    } else {
      const top = helpOf(bin, []);
      const sub = words.find(
        (w, i) =>
          /^[a-z]+$/.test(w) &&
          !String(words[i - 1] ?? "").startsWith("--") &&
          top &&
          helpOf(bin, [w]),
      );
      if (!sub) {
        report.error(inv.where, `hearthctl ${words.join(" ")}: no known subcommand`);
        continue;
      }
      texts = [top, helpOf(bin, [sub])];
    }
    for (const w of words) {
      if (!w.startsWith("--")) continue;
      const flag = w.split("=")[0];
      if (!texts.some((t) => has(t, flag)))
        report.error(inv.where, `${inv.program} does not accept ${flag}`);
    }
  }
}
