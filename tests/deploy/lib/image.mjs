// Checks of the container image's definition and of every place that starts the binaries in it:
// the Dockerfile's stages, user, ports, health check and entrypoint; that its build stage
// installs every library .ci/dev installs (so a new dependency cannot be forgotten here); that
// .dockerignore keeps build trees out; that it installs every binary the manifests start; and
// that each flag the Dockerfile, the compose file and the Kubernetes manifests pass to hearthd,
// hearthctl or hearth-agent is one the built binary accepts.

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
  "python3-yaml",
  "openjdk-17-jdk-headless",
  "nginx",
  "chromium",
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

// Every program the manifests start must be installed into the image's /usr/local/bin (the
// build stage installs each one there for the runtime stage to copy).
export function checkImagePrograms(repo, programs, report) {
  report.check();
  // `install ... SOURCE DEST/usr/local/bin/PROGRAM`, one command of a RUN's && chain.
  const installs = parseDockerfile(readFileSync(join(repo, "Dockerfile"), "utf8"))
    .filter((i) => i.op === "RUN")
    .flatMap((i) => i.args.split(/&&|;/).map((c) => c.trim().split(/\s+/)))
    .filter((argv) => argv[0] === "install");
  for (const program of programs) {
    if (!installs.some((argv) => argv.at(-1).endsWith(`/usr/local/bin/${program}`)))
      report.error(
        "Dockerfile",
        `the manifests start ${program}, which the image does not install in /usr/local/bin`,
      );
  }
}

// The DEB_PACKAGES list of .ci/dev.
function ciPackages(repo) {
  const path = join(repo, ".ci", "dev");
  if (!existsSync(path)) return [];
  const m = /DEB_PACKAGES=\(([\s\S]*?)\)/.exec(readFileSync(path, "utf8"));
  return m ? m[1].replace(/#.*/g, "").split(/\s+/).filter(Boolean) : [];
}

// Checks that every option of each invocation is in the binary's help, and that the options
// the help marks REQUIRED are given. `invocations` are {where, program, words} (program:
// hearthd, hearthctl or hearth-agent); for hearthd, words follow `hearthd serve` and may be
// appended to the image's entrypoint, so only the other two are complete command lines.
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
    const words = inv.words;
    if (inv.program === "hearthd") {
      const serve = helpOf(bin, ["serve"]);
      if (!serve) {
        notes.push(`SKIP flags of hearthd at ${inv.where}: this hearthd has no serve command yet`);
        continue;
      }
      texts = [serve];
    } else {
      // CLI11 answers `PROGRAM typo --help` with the top-level help: a subcommand must also be
      // listed there.
      const top = helpOf(bin, []);
      const sub = words.find(
        (w, i) =>
          /^[a-z]+$/.test(w) &&
          !String(words[i - 1] ?? "").startsWith("-") &&
          top &&
          new RegExp(`^\\s+${w}\\s`, "m").test(top) &&
          helpOf(bin, [w]),
      );
      if (!sub) {
        report.error(inv.where, `${inv.program} ${words.join(" ")}: no known subcommand`);
        continue;
      }
      texts = [top, helpOf(bin, [sub])];
      // "  -c,--config TEXT REQUIRED   ...": one of the names must be given.
      for (const m of texts[1].matchAll(/^\s+(-[^\s]+)\s.*\bREQUIRED\b/gm)) {
        const names = m[1].split(",");
        if (!words.some((w) => names.includes(w.split("=")[0])))
          report.error(inv.where, `${inv.program} ${sub} needs ${names.at(-1)}`);
      }
    }
    for (const w of words) {
      if (!w.startsWith("--") && !/^-[A-Za-z]$/.test(w)) continue;
      const flag = w.split("=")[0];
      if (!texts.some((t) => has(t, flag)))
        report.error(inv.where, `${inv.program} does not accept ${flag}`);
    }
  }
}
