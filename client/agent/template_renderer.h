#pragma once

#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace hearth_agent {

// Mustache (kainjow/mustache) over a JSON document: objects are sections and contexts, arrays
// repeat sections, scalars print as their JSON text (strings unquoted, numbers as the server wrote
// them, true/false; null prints nothing and, like false and [], skips a section). A name that a
// section also uses keeps its boolean, which kainjow prints as nothing. Config files are not HTML,
// so {{x}} is not HTML-escaped (no surprise &amp; in a URL). Partials ({{>name}}) render nothing:
// the document is data, never a template. Thread-safe (no shared state).
//
// Bounded: templates of at most kMaxTemplateBytes and 32 nested sections, documents of 64 levels,
// and an expansion is charged for what it would produce before it runs (template_renderer.cc).
inline constexpr size_t kMaxRenderedBytes = 16 << 20;

// INVALID_ARGUMENT for a template that does not parse (naming `template_name` and where) or a
// document that is not JSON or too deep; RESOURCE_EXHAUSTED when the output would exceed
// kMaxRenderedBytes, or the expansion its work budget (4 x kMaxRenderedBytes of charged text).
absl::StatusOr<std::string> RenderTemplate(std::string_view template_text,
                                           std::string_view template_name,
                                           std::string_view json_document);

}  // namespace hearth_agent
