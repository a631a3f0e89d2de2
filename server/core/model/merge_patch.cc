#include "server/core/model/merge_patch.h"

#include <utility>

namespace hearth {
namespace {

// Removes null members from `v` and from every object nested in it (not from arrays: arrays are
// values, not patches). This is what MergePatch({}, v) computes, without rebuilding the tree.
void StripNullMembers(Value& v) {
  if (!v.is_object()) return;
  Value::Object& obj = v.MutableObject();
  for (auto it = obj.begin(); it != obj.end();) {
    if (it->second.is_null()) {
      it = obj.erase(it);
    } else {
      StripNullMembers(it->second);
      ++it;
    }
  }
}

}  // namespace

void MergePatch(Value& target, Value patch) {
  if (!patch.is_object()) {
    target = std::move(patch);
    return;
  }
  if (!target.is_object()) {
    // The patch replaces the target whole (RFC 7386: the target becomes {} and every member is
    // merged in), so the object takes the patch's origin.
    target = std::move(patch);
    StripNullMembers(target);
    return;
  }
  // Both are objects: the target object keeps its origin (where it was first defined) and the
  // members take the origins of whichever layer set them.
  Value::Object& dst = target.MutableObject();
  Value::Object& src = patch.MutableObject();
  for (auto next = src.begin(); next != src.end();) {
    auto cur = next++;
    // Both maps are sorted, so lower_bound doubles as the insertion hint.
    auto it = dst.lower_bound(cur->first);
    bool present = it != dst.end() && it->first == cur->first;
    if (cur->second.is_null()) {
      if (present) dst.erase(it);
    } else if (!present) {
      StripNullMembers(cur->second);
      dst.insert(it, src.extract(cur));  // moves the node: no key or value copy
    } else {
      MergePatch(it->second, std::move(cur->second));
    }
  }
}

}  // namespace hearth
