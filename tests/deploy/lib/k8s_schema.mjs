// Schema checks of Kubernetes objects, offline, with two tools:
//
// 1. kubernetes-models (and @kubernetes-models/prometheus-operator for ServiceMonitor and
//    PrometheusRule) validate each object against the OpenAPI schema of its kind: types,
//    formats, enums and required fields.
// 2. The OpenAPI schemas allow unknown fields (the API server drops or rejects them later), so a
//    misspelt `readinesProbe` would pass (1). The same packages ship TypeScript interfaces for
//    every kind; the TypeScript compiler loads them and each object is walked along its kind's
//    interface, so that every key the interface lacks is reported where it is written.

import { mkdirSync, writeFileSync, symlinkSync, rmSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { pointerToPath } from "./yaml_file.mjs";

const HERE = dirname(fileURLToPath(import.meta.url));
const PACKAGES = ["kubernetes-models", "@kubernetes-models/prometheus-operator"];
const modelCache = new Map();

// The module that defines apiVersion/kind, and its model class; null for kinds no package knows.
export async function modelFor(apiVersion, kind) {
  const key = `${apiVersion}/${kind}`;
  if (modelCache.has(key)) return modelCache.get(key);
  let found = null;
  if (typeof apiVersion === "string" && /^[A-Za-z0-9]+$/.test(String(kind))) {
    for (const pkg of PACKAGES) {
      const modulePath = `${pkg}/${apiVersion}/${kind}`;
      try {
        const mod = await import(modulePath);
        if (mod[kind]) {
          found = { modulePath, Model: mod[kind] };
          break;
        }
      } catch (e) {
        if (e.code !== "ERR_MODULE_NOT_FOUND" && e.code !== "ERR_PACKAGE_PATH_NOT_EXPORTED")
          throw e;
      }
    }
  }
  modelCache.set(key, found);
  return found;
}

export function describe(value) {
  const name = value?.metadata?.name ?? "(no name)";
  return `${value?.kind ?? "(no kind)"} ${name}`;
}

// Validates one object against its kind's OpenAPI schema. Returns the model entry (or null when
// the kind is unknown, which is itself reported).
export async function validateSchema(file, doc, report) {
  report.check();
  const value = doc.value;
  if (!value || typeof value !== "object" || Array.isArray(value)) {
    report.error(file.where(doc, []), "a Kubernetes manifest document must be a mapping");
    return null;
  }
  if (!value.apiVersion || !value.kind) {
    report.error(file.where(doc, []), "a Kubernetes object needs apiVersion and kind");
    return null;
  }
  const model = await modelFor(value.apiVersion, value.kind);
  if (!model) {
    report.error(
      file.where(doc, ["kind"]),
      `unknown apiVersion/kind ${value.apiVersion}/${value.kind}: no bundled schema knows it`,
    );
    return null;
  }
  try {
    new model.Model(value).validate();
  } catch (e) {
    if (!Array.isArray(e.errors)) throw e;
    // One finding per location: a bad quantity fails "number", "format" and "oneOf" at once.
    const byPath = new Map();
    for (const err of e.errors) {
      let message = err.message;
      if (err.keyword === "required")
        message = `missing required field "${err.params.missingProperty}"`;
      if (err.keyword === "enum") message += `: ${JSON.stringify(err.params.allowedValues)}`;
      if (err.keyword === "oneOf" || err.keyword === "anyOf") message = "";
      const list = byPath.get(err.instancePath) ?? [];
      if (message && !list.includes(message)) list.push(message);
      byPath.set(err.instancePath, list);
    }
    for (const [pointer, messages] of byPath) {
      const path = pointerToPath(pointer);
      const text =
        messages.length > 0 ? messages.join(" or ") : "matches none of its allowed forms";
      report.error(file.where(doc, path), `${describe(value)}: /${path.join("/")} ${text}`);
    }
  }
  return model;
}

const SKIP_FLAGS = ts.TypeFlags.Any | ts.TypeFlags.Unknown | ts.TypeFlags.NonPrimitive;

// Edit distance, for "did you mean".
function distance(a, b) {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1].toLowerCase() === b[j - 1].toLowerCase() ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
    }
  }
  return d[a.length][b.length];
}

// Reports every key of `value` that its TypeScript type does not declare, recursively.
function walk(checker, value, type, path, onUnknown) {
  if (value === null || typeof value !== "object" || !type) return;
  type = checker.getNonNullableType(type);
  if (type.flags & SKIP_FLAGS) return;
  const members = type.isUnion() ? type.types : [type];
  if (Array.isArray(value)) {
    const arrays = members.filter((t) => checker.isArrayType(t));
    if (arrays.length === 0) return;
    const element = checker.getTypeArguments(arrays[0])[0];
    value.forEach((item, i) => walk(checker, item, element, [...path, i], onUnknown));
    return;
  }
  const objects = members.filter((t) => t.flags & ts.TypeFlags.Object && !checker.isArrayType(t));
  if (objects.length === 0) return;
  const index = objects
    .map((t) => checker.getIndexTypeOfType(t, ts.IndexKind.String))
    .find(Boolean);
  if (index) {
    for (const [k, v] of Object.entries(value)) walk(checker, v, index, [...path, k], onUnknown);
    return;
  }
  const props = new Map();
  for (const t of objects) {
    for (const p of checker.getPropertiesOfType(t)) if (!props.has(p.name)) props.set(p.name, p);
  }
  if (props.size === 0) return;
  for (const [k, v] of Object.entries(value)) {
    const prop = props.get(k);
    if (!prop) {
      const near = [...props.keys()]
        .filter((n) => distance(n, k) <= 2)
        .sort((a, b) => distance(a, k) - distance(b, k));
      onUnknown([...path, k], near[0]);
      continue;
    }
    walk(checker, v, checker.getTypeOfSymbol(prop), [...path, k], onUnknown);
  }
}

// Reports unknown fields in every object of `items` ({file, doc, modulePath, report?}), loading
// all the interfaces in one compiler run. Findings go to the item's own report when it has one.
// `workDir` is scratch space; it gets a link to this directory's node_modules so imports resolve.
export function checkUnknownFields(items, workDir, report) {
  if (items.length === 0) return;
  mkdirSync(workDir, { recursive: true });
  const link = join(workDir, "node_modules");
  rmSync(link, { force: true });
  symlinkSync(join(HERE, "..", "node_modules"), link);
  writeFileSync(join(workDir, "package.json"), '{"type": "module"}\n');
  const modules = [...new Set(items.map((i) => i.modulePath))];
  const lines = modules.map((m, n) => {
    const kind = m.split("/").pop();
    const from = JSON.stringify(m);
    return `import type { I${kind} as T${n} } from ${from};\nexport type X${n} = T${n};`;
  });
  const entry = join(workDir, "kinds.mts");
  writeFileSync(entry, `${lines.join("\n")}\n`);

  report.check();
  const program = ts.createProgram([entry], {
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    types: [],
  });
  const source = program.getSourceFile(entry);
  for (const d of ts.getPreEmitDiagnostics(program, source)) {
    report.error("tests/deploy (TypeScript)", ts.flattenDiagnosticMessageText(d.messageText, " "));
  }
  const checker = program.getTypeChecker();
  const types = new Map();
  for (const stmt of source.statements) {
    if (!ts.isTypeAliasDeclaration(stmt)) continue;
    const n = Number(stmt.name.text.slice(1));
    types.set(modules[n], checker.getTypeAtLocation(stmt.name));
  }
  for (const item of items) {
    const out = item.report ?? report;
    const { file, doc } = item;
    walk(checker, doc.value, types.get(item.modulePath), [], (path, near) => {
      const hint = near ? ` (did you mean "${near}"?)` : "";
      out.error(
        file.where(doc, path, { key: true }),
        `${describe(doc.value)}: /${path.join("/")}: unknown field "${path.at(-1)}"${hint}`,
      );
    });
  }
}
