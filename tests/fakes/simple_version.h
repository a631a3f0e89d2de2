#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "absl/time/clock.h"
#include "server/core/build/config_version.h"
#include "server/core/model/content_hash.h"
#include "server/core/model/json_writer.h"

namespace hearth {

// A built version of `name` without a builder: its base document is
// {"db": {"port": value}, "v": value}, rendered and hashed as the builder would.
inline std::shared_ptr<ConfigVersion> MakeSimpleVersion(const std::string& name, int64_t value) {
  auto v = std::make_shared<ConfigVersion>();
  v->name = name;
  Value doc = Value::EmptyObject();
  Value inner = Value::EmptyObject();
  inner.MutableObject()["port"] = Value::Int(value);
  doc.MutableObject()["v"] = Value::Int(value);
  doc.MutableObject()["db"] = std::move(inner);
  RenderedDocument r;
  r.json = std::make_shared<const std::string>(ToCanonicalJson(doc));
  r.etag = ContentHash(*r.json);
  v->variants.push_back(std::move(r));
  v->content_hash = v->variants[0].etag;
  v->built_at = absl::Now();
  return v;
}

}  // namespace hearth
