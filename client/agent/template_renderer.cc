// The Mustache adapter: kainjow/mustache over hearthctl's JSON tree. kainjow offers no way to
// stop a rendering midway, so the budget callbacks below throw; the exception is ours, never
// leaves this file, and is the only exception path here.
//
// Budgets (style rule 12: an expansion is charged for what it produces):
//  - the template: at most kMaxTemplateBytes and kMaxSectionDepth nested sections, checked
//    before kainjow parses it (kainjow copies every section's body, and recurses per level);
//  - the document: at most kMaxJsonDepth levels;
//  - the work: before a section runs, BudgetedContext charges the text its passes can append
//    (its own text, nested sections excluded, plus kPassCost, times the number of passes),
//    and every variable its value's size, against kMaxRenderWork; lookups are counted against
//    kMaxLookups. So a nested expansion stops at the lookup that would exceed the budget, before
//    the text is produced, and kainjow's line buffer (it only flushes at newlines) stays within
//    kMaxRenderWork bytes;
//  - the output: BoundedSink refuses to grow past kMaxRenderedBytes, exactly.

#include "client/agent/template_renderer.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdint>
#include <exception>
#include <kainjow/mustache.hpp>
#include <new>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "client/agent/agent_config.h"
#include "client/json_tree.h"

namespace hearth_agent {
namespace {

namespace mustache = kainjow::mustache;

constexpr int kMaxJsonDepth = 64;
constexpr size_t kMaxSectionDepth = 32;
constexpr uint64_t kMaxRenderWork = uint64_t{4} * kMaxRenderedBytes;
constexpr uint64_t kMaxLookups = uint64_t{1} << 22;
// What one pass over a section body costs on top of its text: a pass is a context push, a walk
// of the body and a pop, far more than a byte. So 4M passes at most.
constexpr uint64_t kPassCost = 16;

// Thrown by the budget callbacks, caught in RenderTemplate.
struct OutputBudgetExceeded {};
struct WorkBudgetExceeded {};

// "name:line:col" for a byte offset into the template.
std::string Where(std::string_view name, std::string_view text, size_t offset) {
  offset = std::min(offset, text.size());
  size_t line = 1;
  size_t line_start = 0;
  for (size_t i = 0; i < offset; ++i) {
    if (text[i] == '\n') {
      ++line;
      line_start = i + 1;
    }
  }
  return absl::StrCat(std::string(name), ":", line, ":", offset - line_start + 1);
}

// kainjow's messages end in " at <byte offset>"; this turns that into name:line:col.
std::string DescribeParseError(std::string_view name, std::string_view text,
                               const std::string& message) {
  const size_t at = message.rfind(" at ");
  if (at != std::string::npos) {
    size_t offset = 0;
    const char* begin = message.data() + at + 4;
    const char* end = message.data() + message.size();
    auto [ptr, ec] = std::from_chars(begin, end, offset);
    if (ec == std::errc() && ptr == end && begin != end) {
      return absl::StrCat(Where(name, text, offset), ": ", message.substr(0, at));
    }
  }
  return absl::StrCat(std::string(name), ": ", message);
}

// What the budget needs to know about a template: for each section name (as kainjow names it),
// the most text one pass over such a section can append itself, i.e. its body minus the
// sections nested in it.
struct TemplateShape {
  std::unordered_map<std::string, uint64_t> section_text;
};

// Walks the template with kainjow's tokenizer rules (delimiters, set-delimiter tags, triple
// mustaches) to measure sections. Syntax errors are left to kainjow's parser, which runs next;
// only nesting deeper than kMaxSectionDepth is reported here.
absl::Status ScanTemplate(std::string_view name, const std::string& text, TemplateShape* shape) {
  struct Open {
    std::string name;
    size_t tag_start;   // where `{{#name}}` begins
    size_t body_start;  // just after it
    size_t nested = 0;  // bytes of the sections directly inside it, their tags included
  };
  std::vector<Open> open;
  std::string begin = "{{";
  std::string end = "}}";
  const size_t n = text.size();
  size_t pos = 0;
  while (pos < n) {
    if (text.compare(pos, begin.size(), begin) != 0) {
      ++pos;
      continue;
    }
    const size_t tag_start = pos;
    size_t contents = pos + begin.size();
    const bool brace = begin == "{{" && end == "}}";
    const bool triple = brace && contents < n && text[contents] == '{';
    const std::string close = triple ? "}}}" : end;
    if (triple) ++contents;
    const size_t tag_end = text.find(close, contents);
    if (tag_end == std::string::npos) return absl::OkStatus();  // kainjow: "Unclosed tag"
    const std::string tag = mustache::trim(text.substr(contents, tag_end - contents));
    pos = tag_end + close.size();
    if (triple || tag.empty()) continue;
    if (tag[0] == '=') {  // {{=<% %>=}}, as kainjow's parse_set_delimiter_tag reads it
      if (tag.size() < 5 || tag.back() != '=') return absl::OkStatus();
      const std::string inner = mustache::trim(tag.substr(1, tag.size() - 2));
      const size_t space = inner.find(' ');
      if (space == std::string::npos) return absl::OkStatus();
      const size_t next = inner.find_first_not_of(' ', space + 1);
      if (next == std::string::npos) return absl::OkStatus();
      begin = inner.substr(0, space);
      end = inner.substr(next);
      for (const std::string* d : {&begin, &end}) {
        for (char c : *d) {
          if (c == '=' || std::isspace(static_cast<unsigned char>(c))) return absl::OkStatus();
        }
      }
      continue;
    }
    if (tag[0] == '#' || tag[0] == '^') {
      if (open.size() >= kMaxSectionDepth) {
        return absl::InvalidArgumentError(absl::StrCat(Where(name, text, tag_start),
                                                       ": sections nested deeper than ",
                                                       kMaxSectionDepth, " levels"));
      }
      open.push_back(Open{mustache::trim(tag.substr(1)), tag_start, pos});
    } else if (tag[0] == '/') {
      if (open.empty()) return absl::OkStatus();  // kainjow: "Unopened section"
      Open section = std::move(open.back());
      open.pop_back();
      const uint64_t own = (tag_start - section.body_start) - section.nested;
      uint64_t& most = shape->section_text[section.name];
      most = std::max(most, own);
      if (!open.empty()) open.back().nested += pos - section.tag_start;
    }
  }
  return absl::OkStatus();
}

// kainjow's lookup context with the budget in front of it. Partials are disabled: kainjow would
// take any document string named by {{>name}} as a template, and the document is data.
class BudgetedContext : public mustache::basic_context<std::string> {
 public:
  BudgetedContext(const mustache::data* root, const TemplateShape* shape)
      : inner_(root), shape_(shape) {}

  void push(const mustache::data* data) override { inner_.push(data); }
  void pop() override { inner_.pop(); }

  const mustache::data* get(const std::string& name) const override {
    if (++lookups_ > kMaxLookups) throw WorkBudgetExceeded{};
    const mustache::data* var = inner_.get(name);
    const auto section = shape_->section_text.find(name);
    if (section != shape_->section_text.end()) {
      // Kainjow runs a section once per list item, else once (an inverted one included).
      const uint64_t passes =
          var != nullptr && var->is_list() ? std::max<size_t>(var->list_value().size(), 1) : 1;
      Charge(passes, section->second + kPassCost);
    }
    if (var == nullptr) return nullptr;
    if (var->is_string()) Charge(1, var->string_value().size());
    // A variable prints a boolean as its JSON text; kainjow would print nothing. A name that
    // some section also uses keeps the boolean, so that the section sees true/false.
    if (var->is_bool() && section == shape_->section_text.end()) {
      Charge(1, 5);
      return var->is_true() ? &true_text_ : &false_text_;
    }
    return var;
  }

  const mustache::data* get_partial(const std::string&) const override { return nullptr; }

 private:
  void Charge(uint64_t count, uint64_t bytes) const {
    // Both factors are far below 2^32 (list sizes, template bytes), so the product fits.
    if (count > kMaxRenderWork || bytes > kMaxRenderWork ||
        count * bytes > kMaxRenderWork - work_) {
      throw WorkBudgetExceeded{};
    }
    work_ += count * bytes;
  }

  mustache::context<std::string> inner_;
  const TemplateShape* const shape_;
  const mustache::data true_text_{std::string("true")};
  const mustache::data false_text_{std::string("false")};
  mutable uint64_t lookups_ = 0;
  mutable uint64_t work_ = 0;
};

// The output stream kainjow writes to (one line at a time), capped at kMaxRenderedBytes.
class BoundedSink {
 public:
  BoundedSink& operator<<(const std::string& s) {
    if (s.size() > kMaxRenderedBytes - out_.size()) throw OutputBudgetExceeded{};
    out_.append(s);
    return *this;
  }
  std::string Take() { return std::move(out_); }

 private:
  std::string out_;
};

// Objects become kainjow objects, arrays lists, numbers and strings their text, booleans
// kainjow booleans, null an empty list (prints nothing, false in sections).
bool ToData(const hearthctl::JsonNode& node, int depth, mustache::data* out) {
  using Kind = hearthctl::JsonNode::Kind;
  if (depth > kMaxJsonDepth) return false;
  switch (node.kind) {
    case Kind::kNull:
      *out = mustache::data(mustache::data::type::list);
      return true;
    case Kind::kBool:
      *out = mustache::data(node.boolean ? mustache::data::type::bool_true
                                         : mustache::data::type::bool_false);
      return true;
    case Kind::kNumber:
    case Kind::kString:
      *out = mustache::data(node.text);
      return true;
    case Kind::kArray: {
      // kainjow has no mutable access to a list's items: build them, then copy once.
      mustache::list items(node.items.size());
      for (size_t i = 0; i < node.items.size(); ++i) {
        if (!ToData(node.items[i], depth + 1, &items[i])) return false;
      }
      *out = mustache::data(items);
      return true;
    }
    case Kind::kObject: {
      *out = mustache::data(mustache::data::type::object);
      for (const auto& [key, value] : node.members) {
        if (!ToData(value, depth + 1, &(*out)[key])) return false;
      }
      return true;
    }
  }
  return false;
}

}  // namespace

absl::StatusOr<std::string> RenderTemplate(std::string_view template_text,
                                           std::string_view template_name,
                                           std::string_view json_document) {
  const std::string name(template_name);
  if (template_text.size() > kMaxTemplateBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("template ", name, " is larger than ", kMaxTemplateBytes, " bytes"));
  }
  const std::string text(template_text);
  hearthctl::JsonNode root;
  std::string json_error;
  if (!hearthctl::ParseJson(json_document, &root, &json_error)) {
    return absl::InvalidArgumentError(
        absl::StrCat("template ", name, ": the document is not JSON: ", json_error));
  }
  try {
    TemplateShape shape;
    if (absl::Status s = ScanTemplate(name, text, &shape); !s.ok()) return s;
    mustache::mustache tmpl(text);
    if (!tmpl.is_valid()) {
      return absl::InvalidArgumentError(DescribeParseError(name, text, tmpl.error_message()));
    }
    // Config files are not HTML.
    tmpl.set_custom_escape([](const std::string& s) { return s; });
    mustache::data data;
    if (!ToData(root, 1, &data)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "template ", name, ": the document is nested deeper than ", kMaxJsonDepth, " levels"));
    }
    BudgetedContext context(&data, &shape);
    BoundedSink sink;
    tmpl.render(context, sink);
    if (!tmpl.is_valid()) {
      return absl::InvalidArgumentError(DescribeParseError(name, text, tmpl.error_message()));
    }
    return sink.Take();
  } catch (const OutputBudgetExceeded&) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "template ", name, ": output exceeds the limit of ", kMaxRenderedBytes, " bytes"));
  } catch (const WorkBudgetExceeded&) {
    return absl::ResourceExhaustedError(
        absl::StrCat("template ", name, ": expansion exceeds the rendering budget (",
                     kMaxRenderWork, " bytes of sections and values, ", kMaxLookups,
                     " lookups; the output limit is ", kMaxRenderedBytes, " bytes)"));
  } catch (const std::bad_alloc&) {
    return absl::ResourceExhaustedError(
        absl::StrCat("template ", name, ": out of memory while rendering"));
  } catch (const std::exception&) {
    return absl::InternalError(absl::StrCat("template ", name, ": rendering failed"));
  }
}

}  // namespace hearth_agent
