// Proves the validator catches what it claims to (ctest deploy.validator): every fixture in
// testdata/ lists, in "# expect: TEXT" comment lines, the findings it must produce; a fixture
// without any must produce none. "# expect (PROGRAM): TEXT" is a finding that needs the built
// PROGRAM (its flags, or hearth-agent loading an outputs file): without that binary it is
// skipped, and the skip is printed. A few helpers are also checked on hand-made inputs.

import { readdirSync } from "node:fs";
import { join } from "node:path";
import { isDeepStrictEqual } from "node:util";
import { Report } from "./report.mjs";
import { YamlFile } from "./yaml_file.mjs";
import { validateSchema, checkUnknownFields } from "./k8s_schema.mjs";
import { checkBundle } from "./k8s_rules.mjs";
import { metricNames } from "./observability.mjs";
import { checkFlags, parseDockerfile } from "./image.mjs";
import { podInvocations } from "./invocations.mjs";
import { checkAgentConfigs } from "./agent.mjs";

export async function selfTest(repo, work, binaries, report, notes) {
  const dir = join(repo, "tests", "deploy", "testdata");
  const fixtures = [];
  const typed = [];
  for (const name of readdirSync(dir)
    .filter((n) => n.endsWith(".yaml"))
    .sort()) {
    const sub = new Report();
    const file = new YamlFile(join(dir, name), name);
    for (const e of file.parseErrors) sub.error(e.where, e.message);
    const objects = [];
    for (const doc of file.docs) {
      const model = await validateSchema(file, doc, sub);
      if (model) typed.push({ file, doc, modulePath: model.modulePath, report: sub });
      objects.push({ value: doc.value, where: (path, o) => file.where(doc, path, o) });
    }
    checkBundle(objects, sub);
    const quiet = []; // a missing binary is noted once below, not per invocation
    checkFlags(objects.flatMap(podInvocations), binaries, sub, quiet);
    checkAgentConfigs(objects, binaries["hearth-agent"], join(work, name), sub, quiet);
    const expected = [];
    for (const m of file.text.matchAll(/^# expect(?: \(([\w-]+)\))?: (.*)$/gm)) {
      if (m[1] && !binaries[m[1]]) {
        const note = `SKIP self-test expectations that need ${m[1]}: no ${m[1]} binary given`;
        if (!notes.includes(note)) notes.push(note);
        continue;
      }
      expected.push(m[2].trim());
    }
    fixtures.push({ name, sub, expected });
  }
  checkUnknownFields(typed, join(work, "self-test"), report);

  for (const { name, sub, expected } of fixtures) {
    report.check();
    if (expected.length === 0 && sub.errors.length > 0) {
      report.error(`testdata/${name}`, `expected no findings, got:\n  ${sub.errors.join("\n  ")}`);
    }
    for (const want of expected) {
      if (!sub.errors.some((e) => e.includes(want))) {
        report.error(
          `testdata/${name}`,
          `no finding contains "${want}"; got:\n  ${sub.errors.join("\n  ")}`,
        );
      }
    }
  }

  const cases = [
    [
      'sum by (method, code) (rate(hearth_grpc_requests_total{job=~"$job"}[$__rate_interval]))',
      ["hearth_grpc_requests_total"],
    ],
    [
      "histogram_quantile(0.99, sum by (le) (rate(x_seconds_bucket[5m]))) > 0.1",
      ["x_seconds_bucket"],
    ],
    ["time() - a_ts > 900 unless on (instance) b == 0", ["a_ts", "b"]],
    ['max by (job) (up{code=~"rate|sum"}) and ignoring (le) c', ["up", "c"]],
  ];
  for (const [expr, want] of cases) {
    report.check();
    const got = metricNames(expr).sort();
    if (!isDeepStrictEqual(got, [...want].sort()))
      report.error(
        "metricNames",
        `${expr}: got ${JSON.stringify(got)}, want ${JSON.stringify(want)}`,
      );
  }

  report.check();
  const parsed = parseDockerfile('# c\nFROM a AS b\nRUN x \\\n  # inner\n  y\nCMD ["z"]\n');
  const want = [
    { op: "FROM", args: "a AS b", line: 2 },
    { op: "RUN", args: "x y", line: 3 },
    { op: "CMD", args: '["z"]', line: 6 },
  ];
  if (!isDeepStrictEqual(parsed, want))
    report.error("parseDockerfile", `got ${JSON.stringify(parsed)}`);
}
