#pragma once

#include <string>

#include "server/core/build/config_builder.h"

namespace hearth {

// A builder input file named `name` ("app/00-base.toml") as if read from /root.
inline BuildFile MakeBuildFile(const std::string& name, const std::string& content) {
  BuildFile f;
  f.meta.name = name;
  f.path = "/root/" + name;
  f.meta.size = content.size();
  f.content = content;
  return f;
}

}  // namespace hearth
