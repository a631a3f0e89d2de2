#include "server/core/model/value_diff.h"

#include <algorithm>
#include <optional>
#include <string_view>

#include "server/core/model/canonical_json_reader.h"
#include "server/core/model/json_writer.h"

namespace hearth {
namespace {

class Differ {
 public:
  explicit Differ(size_t max_entries) : max_entries_(max_entries) {}

  void Diff(const std::string& path, const Value* a, const Value* b) {
    if (full()) return;
    if (a == nullptr && b == nullptr) return;
    if (a == nullptr) return Add(path, ValueDiffEntry::Op::kAdded, nullptr, b);
    if (b == nullptr) return Add(path, ValueDiffEntry::Op::kRemoved, a, nullptr);
    if (a->is_object() && b->is_object()) return DiffObjects(path, *a, *b);
    if (a->is_array() && b->is_array()) return DiffArrays(path, *a, *b);
    if (!(*a == *b)) Add(path, ValueDiffEntry::Op::kChanged, a, b);
  }

  ValueDiff Take() { return std::move(result_); }

 private:
  bool full() {
    if (result_.entries.size() < max_entries_) return false;
    result_.truncated = true;
    return true;
  }

  static std::string Child(const std::string& path, std::string_view key) {
    if (path.empty()) return std::string(key);
    std::string out;
    out.reserve(path.size() + 1 + key.size());
    out.append(path).append(".").append(key);
    return out;
  }

  void DiffObjects(const std::string& path, const Value& a, const Value& b) {
    // Both maps are sorted by key: merge them.
    auto ia = a.AsObject().begin(), ea = a.AsObject().end();
    auto ib = b.AsObject().begin(), eb = b.AsObject().end();
    while ((ia != ea || ib != eb) && !full()) {
      if (ib == eb || (ia != ea && ia->first < ib->first)) {
        Diff(Child(path, ia->first), &ia->second, nullptr);
        ++ia;
      } else if (ia == ea || ib->first < ia->first) {
        Diff(Child(path, ib->first), nullptr, &ib->second);
        ++ib;
      } else {
        Diff(Child(path, ia->first), &ia->second, &ib->second);
        ++ia;
        ++ib;
      }
    }
  }

  void DiffArrays(const std::string& path, const Value& a, const Value& b) {
    const auto& xa = a.AsArray();
    const auto& xb = b.AsArray();
    const size_t n = std::max(xa.size(), xb.size());
    for (size_t i = 0; i < n && !full(); ++i) {
      Diff(Child(path, std::to_string(i)), i < xa.size() ? &xa[i] : nullptr,
           i < xb.size() ? &xb[i] : nullptr);
    }
  }

  void Add(const std::string& path, ValueDiffEntry::Op op, const Value* a, const Value* b) {
    ValueDiffEntry entry{path, op, a ? ToCanonicalJson(*a) : "", b ? ToCanonicalJson(*b) : ""};
    result_.entries.push_back(std::move(entry));
  }

  const size_t max_entries_;
  ValueDiff result_;
};

}  // namespace

ValueDiff DiffValues(const Value* old_doc, const Value* new_doc, size_t max_entries) {
  Differ differ(max_entries);
  differ.Diff("", old_doc, new_doc);
  return differ.Take();
}

absl::StatusOr<ValueDiff> DiffCanonicalJson(const std::string* old_json,
                                            const std::string* new_json, size_t max_entries) {
  if (old_json != nullptr && new_json != nullptr && *old_json == *new_json) return ValueDiff();
  std::optional<Value> old_doc, new_doc;
  if (old_json != nullptr) {
    absl::StatusOr<Value> tree = ReadCanonicalJson(*old_json);
    if (!tree.ok()) return tree.status();
    old_doc = *std::move(tree);
  }
  if (new_json != nullptr) {
    absl::StatusOr<Value> tree = ReadCanonicalJson(*new_json);
    if (!tree.ok()) return tree.status();
    new_doc = *std::move(tree);
  }
  return DiffValues(old_doc ? &*old_doc : nullptr, new_doc ? &*new_doc : nullptr, max_entries);
}

}  // namespace hearth
