#include "server/core/render/flat_leaves.h"

#include <cmath>
#include <deque>
#include <string>

#include "absl/strings/str_cat.h"
#include "server/core/model/absl_compat.h"
#include "server/core/model/json_writer.h"

namespace hearth {
namespace {

absl::Status Walk(const Value& node, std::string_view format, std::vector<std::string_view>* path,
                  std::deque<std::string>* indexes, const FlatLeafFn& leaf) {
  const auto cannot = [&](std::string_view what) {
    return absl::InvalidArgumentError(absl::StrCat(
        Sv(format), " cannot express ", Sv(what), " (at '", DottedPath(*path),
        "'); ask for a sub-tree with `path`, or use json, yaml or toml for this config"));
  };
  switch (node.type()) {
    case Value::Type::kNull:
      return cannot("null");
    case Value::Type::kObject: {
      if (node.AsObject().empty()) return cannot("an empty table");
      for (const auto& [key, child] : node.AsObject()) {
        path->push_back(key);
        absl::Status s = Walk(child, format, path, indexes, leaf);
        path->pop_back();
        if (!s.ok()) return s;
      }
      return absl::OkStatus();
    }
    case Value::Type::kArray: {
      const Value::Array& items = node.AsArray();
      if (items.empty()) return cannot("an empty list");
      for (size_t i = 0; i < items.size(); ++i) {
        // The index's text must outlive the call: one string per depth, in a deque so that adding
        // a depth does not move the strings that `path` already points into.
        const size_t depth = path->size();
        while (indexes->size() <= depth) indexes->emplace_back();
        (*indexes)[depth] = absl::StrCat(i);
        path->push_back((*indexes)[depth]);
        absl::Status s = Walk(items[i], format, path, indexes, leaf);
        path->pop_back();
        if (!s.ok()) return s;
      }
      return absl::OkStatus();
    }
    default:
      return leaf(*path, node);
  }
}

}  // namespace

absl::Status ForEachFlatLeaf(const Value& doc, std::string_view format, const FlatLeafFn& leaf) {
  if (!doc.is_object()) {
    return absl::InvalidArgumentError(absl::StrCat(
        Sv(format), " needs a table at the top, and this document is ",
        doc.is_array() ? "a list" : "a single value", "; ask for a table with `path`"));
  }
  if (doc.AsObject().empty()) return absl::OkStatus();  // an empty file says exactly that
  std::vector<std::string_view> path;
  std::deque<std::string> indexes;
  return Walk(doc, format, &path, &indexes, leaf);
}

std::string DottedPath(const std::vector<std::string_view>& path) {
  std::string out;
  for (size_t i = 0; i < path.size(); ++i) {
    if (i > 0) out.push_back('.');
    out.append(path[i].data(), path[i].size());
  }
  return out;
}

std::string FlatScalarText(const Value& leaf) {
  switch (leaf.type()) {
    case Value::Type::kBool:
      return leaf.AsBool() ? "true" : "false";
    case Value::Type::kInt:
      return absl::StrCat(leaf.AsInt());
    case Value::Type::kDouble: {
      const double d = leaf.AsDouble();
      if (std::isnan(d)) return "nan";
      if (std::isinf(d)) return d > 0 ? "inf" : "-inf";
      std::string out;
      AppendShortestDouble(d, &out);
      return out;
    }
    case Value::Type::kString:
      return leaf.AsString();
    default:
      return std::string();
  }
}

}  // namespace hearth
