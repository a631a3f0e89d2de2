// The HTTP API's OpenAPI document (server/http/openapi.json, served at /v1/openapi.json) is a
// valid OpenAPI 3.0 document by the official schema, and names every endpoint hearthd routes.
// Usage: node openapi_check.mjs REPO
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Validator } from "@seriousme/openapi-schema-validator";

const repo = process.argv[2];
const file = join(repo, "server/http/openapi.json");
const doc = JSON.parse(readFileSync(file, "utf8"));
const validator = new Validator();
const result = await validator.validate(doc);
const failures = [];
if (!result.valid) {
  failures.push(`${file} is not a valid OpenAPI ${doc.openapi} document:\n` +
                JSON.stringify(result.errors, null, 2));
}
// Every route in config_routes.cc is documented, and nothing else is.
const routes = readFileSync(join(repo, "server/http/config_routes.cc"), "utf8");
const served = new Set();
for (const m of routes.matchAll(/request\.path == "([^"]+)"/g)) served.add(m[1]);
for (const m of routes.matchAll(/constexpr std::string_view k\w+Prefix = "([^"]+)"/g)) {
  served.add(m[1] + "{name}");
}
const documented = new Set(Object.keys(doc.paths));
for (const p of served) if (!documented.has(p)) failures.push(`route ${p} is not in ${file}`);
for (const p of documented) if (!served.has(p)) failures.push(`${file} documents ${p}, which is not routed`);
if (failures.length) {
  for (const f of failures) console.log("FAIL " + f);
  process.exit(1);
}
console.log(`ok: OpenAPI ${doc.openapi}, ${documented.size} paths, all routed`);
