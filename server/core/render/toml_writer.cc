#include "server/core/render/toml_writer.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <string_view>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "server/core/model/absl_compat.h"
#include "server/core/model/json_writer.h"

namespace hearth {
namespace {

// A basic string: " and \ escaped, the control characters TOML forbids raw (all but tab, and
// DEL) as their short escapes or \uXXXX. Other UTF-8 is copied as it is.
void AppendBasicString(std::string_view s, std::string* out) {
  out->push_back('"');
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"':
        out->append("\\\"");
        break;
      case '\\':
        out->append("\\\\");
        break;
      case '\b':
        out->append("\\b");
        break;
      case '\f':
        out->append("\\f");
        break;
      case '\n':
        out->append("\\n");
        break;
      case '\r':
        out->append("\\r");
        break;
      case '\t':
        out->push_back('\t');
        break;
      default:
        if (c < 0x20 || c == 0x7F) {
          static constexpr char kHex[] = "0123456789ABCDEF";
          const char buf[6] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 0xF]};
          out->append(buf, sizeof(buf));
        } else {
          out->push_back(ch);
        }
    }
  }
  out->push_back('"');
}

void AppendKey(std::string_view key, std::string* out) {
  const bool bare = !key.empty() && std::all_of(key.begin(), key.end(), [](char c) {
    return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
  });
  if (bare) {
    out->append(key.data(), key.size());
  } else {
    AppendBasicString(key, out);
  }
}

bool IsListOfTables(const Value& v) {
  return v.is_array() && !v.AsArray().empty() &&
         std::all_of(v.AsArray().begin(), v.AsArray().end(),
                     [](const Value& item) { return item.is_object(); });
}

// `path` is the dotted path for messages; `header` the TOML key path of the enclosing table.
class TomlWriter {
 public:
  explicit TomlWriter(std::string* out) : out_(out) {}

  absl::Status Table(const Value::Object& table, const std::string& header,
                     const std::string& path) {
    // Plain keys first: after a [header], every key = value belongs to that header's table.
    for (const auto& [key, value] : table) {
      if (value.is_object() || IsListOfTables(value)) continue;
      AppendKey(key, out_);
      out_->append(" = ");
      if (absl::Status s = Inline(value, Child(path, key)); !s.ok()) return s;
      out_->push_back('\n');
    }
    for (const auto& [key, value] : table) {
      if (!value.is_object()) continue;
      const std::string sub = SubHeader(header, key);
      absl::StrAppend(out_, out_->empty() ? "" : "\n", "[", sub, "]\n");
      if (absl::Status s = Table(value.AsObject(), sub, Child(path, key)); !s.ok()) return s;
    }
    for (const auto& [key, value] : table) {
      if (!IsListOfTables(value)) continue;
      const std::string sub = SubHeader(header, key);
      const Value::Array& items = value.AsArray();
      for (size_t i = 0; i < items.size(); ++i) {
        absl::StrAppend(out_, out_->empty() ? "" : "\n", "[[", sub, "]]\n");
        absl::Status s = Table(items[i].AsObject(), sub, Child(Child(path, key), absl::StrCat(i)));
        if (!s.ok()) return s;
      }
    }
    return absl::OkStatus();
  }

 private:
  static std::string Child(const std::string& path, std::string_view key) {
    return path.empty() ? std::string(key) : absl::StrCat(path, ".", Sv(key));
  }
  static std::string SubHeader(const std::string& header, std::string_view key) {
    std::string out = header;
    if (!out.empty()) out.push_back('.');
    AppendKey(key, &out);
    return out;
  }

  absl::Status Inline(const Value& v, const std::string& path) {
    switch (v.type()) {
      case Value::Type::kNull:
        return absl::InvalidArgumentError(absl::StrCat("toml cannot express null (at '", path,
                                                       "'); use json or yaml for this config"));
      case Value::Type::kBool:
        out_->append(v.AsBool() ? "true" : "false");
        return absl::OkStatus();
      case Value::Type::kInt:
        absl::StrAppend(out_, v.AsInt());
        return absl::OkStatus();
      case Value::Type::kDouble: {
        const double d = v.AsDouble();
        if (std::isnan(d)) {
          out_->append("nan");
        } else if (std::isinf(d)) {
          out_->append(d > 0 ? "inf" : "-inf");
        } else {
          AppendShortestDouble(d, out_);
        }
        return absl::OkStatus();
      }
      case Value::Type::kString:
        AppendBasicString(v.AsString(), out_);
        return absl::OkStatus();
      case Value::Type::kArray: {
        out_->push_back('[');
        const Value::Array& items = v.AsArray();
        for (size_t i = 0; i < items.size(); ++i) {
          if (i > 0) out_->append(", ");
          if (absl::Status s = Inline(items[i], Child(path, absl::StrCat(i))); !s.ok()) return s;
        }
        out_->push_back(']');
        return absl::OkStatus();
      }
      case Value::Type::kObject: {
        const Value::Object& members = v.AsObject();
        if (members.empty()) {
          out_->append("{}");
          return absl::OkStatus();
        }
        out_->append("{ ");
        bool first = true;
        for (const auto& [key, value] : members) {
          if (!first) out_->append(", ");
          first = false;
          AppendKey(key, out_);
          out_->append(" = ");
          if (absl::Status s = Inline(value, Child(path, key)); !s.ok()) return s;
        }
        out_->append(" }");
        return absl::OkStatus();
      }
    }
    return absl::OkStatus();
  }

  std::string* const out_;
};

}  // namespace

absl::StatusOr<std::string> ToToml(const Value& doc) {
  if (!doc.is_object()) {
    return absl::InvalidArgumentError(
        absl::StrCat("toml needs a table at the top, and this document is ",
                     doc.is_array() ? "a list" : "a single value",
                     "; ask for a table with `path`, or use json or yaml"));
  }
  std::string out;
  if (absl::Status s = TomlWriter(&out).Table(doc.AsObject(), "", ""); !s.ok()) return s;
  return out;
}

}  // namespace hearth
