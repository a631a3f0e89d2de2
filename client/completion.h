#pragma once

#include <string>

#include "CLI/CLI.hpp"

namespace hearthctl {

// A bash or zsh completion script for `app` (its commands and every flag, read from the parser
// so it never drifts from the real command line). Config names after get, watch, validate and
// status are completed from `hearthctl list -o name` against the server given on the line so far
// (or HEARTH_SERVER). `shell` is "bash" or "zsh".
std::string CompletionScript(const CLI::App& app, const std::string& shell);

}  // namespace hearthctl
