#pragma once

#include <string>

#include "server/core/model/value.h"

namespace hearth {

// Block-style YAML that YAML 1.2 and YAML 1.1 readers (PyYAML, yaml-cpp, SnakeYAML) read back as
// the same document: keys in the document's order, two-space indents, empty collections as {} and
// []. A string is written plain only when it cannot read as anything else (letters, digits and
// `_-./`, starting with a letter, `_` or `/`, and none of true/false/yes/no/on/off/null/y/n);
// otherwise double-quoted, with every non-printable character escaped. Floats always carry a '.'
// (1.0e+300, which YAML 1.1 needs to read them as floats); infinities and NaN are .inf, -.inf,
// .nan. Every document can be expressed. Ends with a newline.
std::string ToYaml(const Value& doc);

}  // namespace hearth
