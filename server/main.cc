// hearthd: the Hearth config daemon. Flags live here and only here (Abseil Tip #103); the
// commands take plain option structs.
#include <iostream>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "server/app/cli_commands.h"

namespace {

// Flags shared by every command that reads roots.
void AddEngineFlags(CLI::App* cmd, hearth::ConfigEngine::Options* o) {
  cmd->add_option("--root", o->roots,
                  "Config root directory (repeatable; a later root overrides an earlier one for "
                  "the same config name)")
      ->required()
      ->allow_extra_args(false)
      ->check(CLI::ExistingDirectory);
  cmd->add_option("--env-allow", o->build.env_allow_prefixes,
                  "Allow ${env:NAME} for names starting with this prefix (repeatable; none by "
                  "default, so no environment variable leaks by accident)")
      ->allow_extra_args(false);
  cmd->add_option("--max-file-bytes", o->max_file_bytes, "Refuse config files larger than this")
      ->capture_default_str();
  cmd->add_option("--max-depth", o->build.limits.max_depth, "Maximum nesting depth of a document")
      ->capture_default_str();
  cmd->add_flag("--allow-external-symlinks", o->allow_external_symlinks,
                "Follow symlinks that resolve outside their root");
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"hearthd: watches config directories and serves merged, validated configs"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "hearthd 0.1.0");

  hearth::RenderCommand render;
  CLI::App* render_cmd =
      app.add_subcommand("render", "Print one config as canonical JSON (or its provenance)");
  AddEngineFlags(render_cmd, &render.engine);
  render_cmd->add_option("name", render.name, "Config name, e.g. payments or team-a/billing")
      ->required();
  render_cmd->add_option("--profile", render.profile, "Profile to apply (NAME.PROFILE.EXT files)");
  render_cmd->add_option("--path", render.path, "Dotted sub-tree to print, e.g. db.pool");
  render_cmd->add_flag("--blame", render.blame,
                       "Print which file:line set each value and what it overrode");
  render_cmd->add_flag("--pretty", render.pretty, "Indent the JSON");

  hearth::CheckCommand check;
  CLI::App* check_cmd = app.add_subcommand(
      "check", "Load every config under the roots; one line per config; exit 1 on any error");
  AddEngineFlags(check_cmd, &check.engine);
  check_cmd->add_flag("-q,--quiet", check.quiet, "Print only failing configs");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help / --version exit 0; every usage error exits 2, as documented.
    return app.exit(e) == 0 ? 0 : 2;
  }
  if (render_cmd->parsed()) return hearth::RunRender(render, std::cout, std::cerr);
  if (check_cmd->parsed()) return hearth::RunCheck(check, std::cout, std::cerr);
  return 2;
}
