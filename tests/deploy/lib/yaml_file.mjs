// A YAML file parsed into plain values that remembers where each value came from, so a finding
// about `/spec/template/spec/containers/0/image` can name the file, line and column.

import { readFileSync } from "node:fs";
import { LineCounter, parseAllDocuments, isMap, isSeq } from "yaml";

export class YamlFile {
  // `path` is read; `shown` is how findings name the file (a repository-relative path).
  constructor(path, shown = path, text = readFileSync(path, "utf8")) {
    this.path = path;
    this.shown = shown;
    this.text = text;
    this.lineCounter = new LineCounter();
    this.parseErrors = [];
    this.docs = []; // { index, node, value }: only the non-empty documents.
    const docs = parseAllDocuments(text, { lineCounter: this.lineCounter, uniqueKeys: true });
    const list = Array.isArray(docs) ? docs : [docs];
    list.forEach((doc, index) => {
      for (const e of [...doc.errors, ...doc.warnings]) {
        this.parseErrors.push({ where: this.at(e.pos ? e.pos[0] : 0), message: e.message });
      }
      if (doc.contents === null || doc.errors.length > 0) return;
      this.docs.push({ index, node: doc.contents, value: doc.toJS({ maxAliasCount: 100 }) });
    });
  }

  // "file:line:col" of a character offset.
  at(offset) {
    const { line, col } = this.lineCounter.linePos(offset);
    return `${this.shown}:${line}:${col}`;
  }

  // "file:line:col" of the value at `path` (an array of keys and indexes) in document `doc`, or
  // of the key itself when `key` is set. A path that leaves the document stops at the deepest
  // node that exists, which is where the missing piece would go.
  where(doc, path, { key = false } = {}) {
    let node = doc.node;
    let keyNode = null;
    for (const segment of path) {
      let next = null;
      if (isMap(node)) {
        const pair = node.items.find(
          (p) => p.key && String(p.key.value ?? p.key) === String(segment),
        );
        if (pair) {
          keyNode = pair.key;
          next = pair.value ?? pair.key;
        }
      } else if (isSeq(node) && Number.isInteger(Number(segment))) {
        next = node.items[Number(segment)] ?? null;
        keyNode = null;
      }
      if (!next) break;
      node = next;
    }
    const target = key && keyNode ? keyNode : node;
    return this.at(target && target.range ? target.range[0] : 0);
  }
}

// "/a/b/0" (JSON pointer, as Ajv reports) to ["a", "b", "0"].
export function pointerToPath(pointer) {
  if (!pointer) return [];
  return pointer
    .split("/")
    .slice(1)
    .map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"));
}
