#pragma once

#include <iosfwd>
#include <string>

#include "server/core/config_engine.h"

namespace hearth {

// `hearthd render`: prints one config (canonical JSON, pretty JSON, or its blame).
struct RenderCommand {
  ConfigEngine::Options engine;
  std::string name;
  std::string profile;
  std::string path;
  bool blame = false;
  bool pretty = false;
  std::string format = "json";  // json | yaml | toml | env | properties (render/output_format.h)
};
// Returns the process exit code: 0 ok, 1 the config has errors (each printed to `err` as
// file:line:col: message), 2 bad usage (e.g. invalid name), 3 not found.
int RunRender(const RenderCommand& cmd, std::ostream& out, std::ostream& err);

// `hearthd check`: loads every config under the roots, prints one line per config.
struct CheckCommand {
  ConfigEngine::Options engine;
  bool quiet = false;  // print only failing configs
};
// 0 when every config is valid, 1 otherwise (also when a root cannot be read).
int RunCheck(const CheckCommand& cmd, std::ostream& out, std::ostream& err);

}  // namespace hearth
