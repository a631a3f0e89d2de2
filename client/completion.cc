#include "client/completion.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace hearthctl {
namespace {

// Every flag spelling of `app` ("--server", "-o", "--output", ...), positionals excluded.
std::vector<std::string> Flags(const CLI::App& app) {
  std::vector<std::string> out;
  for (const CLI::Option* opt : app.get_options()) {
    for (const std::string& l : opt->get_lnames()) out.push_back("--" + l);
    for (const std::string& s : opt->get_snames()) out.push_back("-" + s);
  }
  return out;
}

// Flags of `app` that take a value (so the word after them is not a command).
std::vector<std::string> ValueFlags(const CLI::App& app) {
  std::vector<std::string> out;
  for (const CLI::Option* opt : app.get_options()) {
    if (opt->get_type_size() == 0 || opt->get_items_expected_max() == 0) continue;
    for (const std::string& l : opt->get_lnames()) out.push_back("--" + l);
    for (const std::string& s : opt->get_snames()) out.push_back("-" + s);
  }
  return out;
}

std::string BashScript(const CLI::App& app) {
  std::string cases;
  std::vector<std::string> commands;
  for (const CLI::App* sub : app.get_subcommands({})) {
    commands.push_back(sub->get_name());
    absl::StrAppend(&cases, "    ", sub->get_name(), ") flags=\"", absl::StrJoin(Flags(*sub), " "),
                    "\" ;;\n");
  }
  return absl::StrCat(R"sh(# bash completion for hearthctl: source <(hearthctl completion bash)
_hearthctl() {
  local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}
  local global_flags=")sh",
                      absl::StrJoin(Flags(app), " "), R"sh("
  local value_flags=" )sh",
                      absl::StrJoin(ValueFlags(app), " "), R"sh( "
  local commands=")sh",
                      absl::StrJoin(commands, " "), R"sh("
  local i cmd="" server=()
  for ((i = 1; i < COMP_CWORD; i++)); do
    local w=${COMP_WORDS[i]}
    if [[ $value_flags == *" $w "* ]]; then
      [[ $w == --server ]] && server=(--server "${COMP_WORDS[i+1]}")
      ((i++))
    elif [[ $w != -* ]]; then
      cmd=$w
      break
    fi
  done
  if [[ -z $cmd ]]; then
    if [[ $cur == -* ]]; then
      COMPREPLY=($(compgen -W "$global_flags" -- "$cur"))
    else
      COMPREPLY=($(compgen -W "$commands" -- "$cur"))
    fi
    return
  fi
  local flags=""
  case $cmd in
)sh",
                      cases, R"sh(  esac
  if [[ $cur == -* ]]; then
    COMPREPLY=($(compgen -W "$flags $global_flags" -- "$cur"))
  elif [[ $cmd == help ]]; then
    COMPREPLY=($(compgen -W "$commands" -- "$cur"))
  elif [[ $cmd == completion ]]; then
    COMPREPLY=($(compgen -W "bash zsh" -- "$cur"))
  elif [[ $cmd =~ ^(get|watch|validate|diff|batch-get|status)$ && $prev != -* ]]; then
    COMPREPLY=($(compgen -W "$(hearthctl "${server[@]}" --timeout 2 list -o name 2>/dev/null)" \
      -- "$cur"))
  fi
}
complete -o default -F _hearthctl hearthctl
)sh");
}

std::string ZshScript(const CLI::App& app) {
  // zsh runs the bash function through bashcompinit: one definition, two shells.
  return absl::StrCat(
      "#compdef hearthctl\n# zsh completion for hearthctl: "
      "source <(hearthctl completion zsh)\n"
      "autoload -U +X bashcompinit && bashcompinit\n",
      BashScript(app));
}

}  // namespace

std::string CompletionScript(const CLI::App& app, const std::string& shell) {
  return shell == "zsh" ? ZshScript(app) : BashScript(app);
}

}  // namespace hearthctl
