#include "server/core/model/blame.h"

#include <algorithm>
#include <string_view>

#include "absl/strings/str_cat.h"
#include "server/core/model/absl_compat.h"

namespace hearth {
namespace {

// Walks `merged` and, in lock step, the same node of every layer (nullptr where a layer does not
// have the path). Walking by key rather than by dotted path keeps keys that contain '.' exact.
class BlameWalker {
 public:
  explicit BlameWalker(std::vector<BlameEntry>* out) : out_(out) {}

  void Walk(const Value& merged, const std::vector<const Value*>& layer_nodes, std::string* path) {
    if (!merged.is_object() || merged.AsObject().empty()) {
      EmitLeaf(merged, layer_nodes, *path);
      return;
    }
    std::vector<const Value*> child_nodes(layer_nodes.size());
    const size_t path_len = path->size();
    for (const auto& [key, child] : merged.AsObject()) {
      for (size_t i = 0; i < layer_nodes.size(); ++i) {
        child_nodes[i] = layer_nodes[i] == nullptr ? nullptr : layer_nodes[i]->Find(key);
      }
      if (path_len != 0) path->push_back('.');
      path->append(key);
      Walk(child, child_nodes, path);
      path->resize(path_len);
    }
  }

 private:
  void EmitLeaf(const Value& merged, const std::vector<const Value*>& layer_nodes,
                const std::string& path) {
    BlameEntry entry;
    entry.path = path;
    entry.origin = merged.origin();
    // The final value comes from the last layer that holds the path with a non-null value: a
    // later layer could only have replaced it by setting a prefix of the path, which would have
    // removed the leaf from the merged document.
    size_t winner = layer_nodes.size();
    for (size_t i = layer_nodes.size(); i-- > 0;) {
      if (layer_nodes[i] != nullptr && !layer_nodes[i]->is_null()) {
        winner = i;
        break;
      }
    }
    // Every earlier layer that touched the path was overridden, including a null that deleted it.
    for (size_t i = 0; i < winner; ++i) {
      if (layer_nodes[i] != nullptr) entry.overrode.push_back(layer_nodes[i]->origin());
    }
    out_->push_back(std::move(entry));
  }

  std::vector<BlameEntry>* out_;
};

void AppendLocation(const Origin& o, absl::Span<const std::string> sources, std::string* out) {
  if (o.file != Origin::kNoFile && o.file < sources.size()) {
    out->append(sources[o.file]);
  } else {
    out->append("<generated>");
  }
  if (o.line == 0) return;
  absl::StrAppend(out, ":", o.line);
  if (o.column != 0) absl::StrAppend(out, ":", o.column);
}

}  // namespace

std::vector<BlameEntry> ComputeBlame(const Value& merged, absl::Span<const Value* const> layers) {
  std::vector<BlameEntry> entries;
  if (merged.is_object() && merged.AsObject().empty()) return entries;  // empty document
  std::vector<const Value*> roots(layers.begin(), layers.end());
  std::string path;
  BlameWalker(&entries).Walk(merged, roots, &path);
  // Value objects iterate in byte order of keys, but "a.b" vs "a-b" style paths can interleave
  // differently once joined with '.', so sort the joined paths explicitly.
  std::stable_sort(entries.begin(), entries.end(),
                   [](const BlameEntry& a, const BlameEntry& b) { return a.path < b.path; });
  return entries;
}

std::string FormatBlame(absl::Span<const BlameEntry> entries,
                        absl::Span<const std::string> sources) {
  std::string out;
  for (const BlameEntry& e : entries) {
    out.append(e.path.empty() ? std::string_view("<root>") : std::string_view(e.path));
    out.append("  ");
    AppendLocation(e.origin, sources, &out);
    if (!e.overrode.empty()) {
      out.append("  (overrode ");
      for (size_t i = 0; i < e.overrode.size(); ++i) {
        if (i != 0) out.append(", ");
        AppendLocation(e.overrode[i], sources, &out);
      }
      out.push_back(')');
    }
    out.push_back('\n');
  }
  return out;
}

}  // namespace hearth
