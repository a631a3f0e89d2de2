#pragma once

#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "server/core/model/build_budget.h"
#include "server/core/model/diagnostic.h"
#include "server/core/model/value.h"
#include "server/core/parse/format.h"

namespace hearth {

// Limits every front end enforces on untrusted input.
struct ParseLimits {
  // Nesting of arrays/objects: the top-level container is level 1, so the default allows 64
  // brackets in `[[[...]]]`, and a .env key with up to 63 "__" separators.
  int max_depth = 64;
  // The build this parse belongs to (may be null: only the per-file caps apply). ParseDocument
  // charges the parsed tree's ApproximateBytes to it; the YAML front end charges every node as it
  // builds it, an alias for the bytes of the copy it makes, so an alias bomb stops early. Not
  // owned; the parse uses it from the calling thread only.
  BuildBudget* budget = nullptr;
};

// Parses `text` in format `f` into a Value tree whose every node has an Origin (file_id from
// `src`, 1-based line/column where the front end can tell). Rejects, with an error naming
// src.name:line:col: syntax errors, invalid UTF-8, duplicate keys, nesting deeper than
// limits.max_depth, and numbers JSON cannot represent (NaN, infinities). Never throws.
//
// Shared by every front end:
//  * A leading UTF-8 byte order mark is skipped, and the rest must be valid UTF-8 (ValidateUtf8);
//    both are done here, once, before the format's adapter runs. Positions count after the BOM.
//  * Columns count bytes, as LineColumnAt does. "\r\n" line endings are accepted.
//  * Integers that do not fit int64 are errors, never silently rounded to doubles; floats stay
//    doubles even when whole (1.0 is a double, 1 an int).
//  * The top-level value is returned as it is (an object usually); the caller decides whether
//    anything else is acceptable.
//  * Errors are InvalidArgument (ResourceExhausted if memory or limits.budget runs out).
//  * Thread-safe: calls may run concurrently (JSON keeps one simdjson parser per thread).
// Per format:
//  * TOML (toml++): an empty document is an empty object. Dates and times become RFC 3339
//    strings ("1979-05-27T07:32:00Z", "1979-05-27", "07:32:00.5"; a +00:00 offset prints as Z).
//  * JSON (simdjson): strict RFC 8259 (no comments, no trailing commas). An empty or
//    all-whitespace file is a syntax error ("empty JSON document"): `{}` is the empty config.
//  * YAML (libfyaml): a single document (a second "---" document is an error). A stream with no
//    document, or whose document is null ("---" alone, "~"), is an empty object. Plain scalars
//    resolve per the YAML 1.2 core schema (null/~/empty, true/True/TRUE, 0o17, 0x1F, .5, ...;
//    "yes"/"on" stay strings); quoted and block scalars are strings; explicit !!str, !!int,
//    !!float, !!bool, !!null, !!map, !!seq tags are honoured, other tags are errors. Mapping
//    keys must be non-null scalars and are kept as written ("1: x" has key "1"). Anchors and
//    aliases work (an alias's root takes the alias's position); `<<` merge keys are supported
//    (explicit keys win, then earlier sources). Alias expansion is capped to stop alias bombs:
//    per file in nodes and in bytes (max(16 MiB, 32 x the file size)), and by limits.budget.
//    `!!binary` takes base64 (RFC 4648, padded; line breaks and blanks inside are ignored, as
//    YAML folds them) and yields the base64 text with the blanks removed, a string: binary data
//    is not necessarily UTF-8, and a JSON document can only carry it as text. Invalid base64 is
//    an error that does not quote the value.
absl::StatusOr<Value> ParseDocument(Format f, std::string_view text, const SourceRef& src,
                                    const ParseLimits& limits = {});

// ParseDocument for one format (the per-format entries tests and tools call directly). The
// adapters behind them are in front_end.h.
absl::StatusOr<Value> ParseToml(std::string_view text, const SourceRef& src,
                                const ParseLimits& limits = {});
absl::StatusOr<Value> ParseJson(std::string_view text, const SourceRef& src,
                                const ParseLimits& limits = {});
absl::StatusOr<Value> ParseYaml(std::string_view text, const SourceRef& src,
                                const ParseLimits& limits = {});
// .env: KEY=VALUE lines, optional `export `, # comments, single quotes (literal), double quotes
// (with \n \t \" \\ escapes, may span lines), unquoted values trimmed, inline " #" comments on
// unquoted values. KEY__SUB__LEAF=9 nests as key.sub.leaf (keys lower-cased, so DB__POOL__MAX
// becomes db.pool.max). Every value is a string with Origin::untyped set.
// Details: keys are [A-Za-z_][A-Za-z0-9_]*, with optional blanks around '='; single-quoted values
// may span lines too; double quotes also take \r, and any other escape is an error; a '#' starts
// a comment only after whitespace (A=b#c is "b#c"); CRLF inside quotes reads as LF. A value's
// Origin is where the value starts (its opening quote, if quoted); intermediate objects point at
// the key that created them. Keys that collide after lower-casing, or a key that is both a value
// and a group (DB=1 and DB__HOST=2), are errors naming both lines. No ${VAR} expansion.
absl::StatusOr<Value> ParseEnv(std::string_view text, const SourceRef& src,
                               const ParseLimits& limits = {});

// OK if `text` is valid UTF-8, else an error naming src.name:line:col of the first bad byte.
// Strict RFC 3629: overlong forms, UTF-16 surrogates and code points above U+10FFFF are invalid.
absl::Status ValidateUtf8(std::string_view text, const SourceRef& src);

}  // namespace hearth
