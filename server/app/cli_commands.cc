#include "server/app/cli_commands.h"

#include <ostream>

#include "server/core/build/config_blame.h"
#include "server/core/model/blame.h"
#include "server/core/model/config_name.h"
#include "server/core/model/json_writer.h"
#include "server/core/store/config_renderer.h"

namespace hearth {

int RunRender(const RenderCommand& cmd, std::ostream& out, std::ostream& err) {
  if (absl::Status s = ValidateConfigName(cmd.name); !s.ok()) {
    err << "hearthd render: " << s.message() << "\n";
    return 2;
  }
  ConfigEngine engine(cmd.engine);
  engine.Rebuild(cmd.name);
  std::shared_ptr<const ConfigEntry> entry = engine.store().Get(cmd.name);
  if (!entry) {
    err << "hearthd render: config '" << cmd.name << "' not found under any root\n";
    return 3;
  }
  if (!entry->errors.empty()) {
    for (const std::string& e : entry->errors) err << e << "\n";
    err << "hearthd render: " << entry->errors.size() << " error(s) in config '" << cmd.name
        << "'\n";
    return 1;
  }
  const ConfigVersion& version = *entry->version;
  if (cmd.blame) {
    absl::StatusOr<std::vector<BlameEntry>> blamed = BlameConfig(version, cmd.profile);
    if (!blamed.ok()) {
      err << "hearthd render: " << blamed.status().message() << "\n";
      return 1;
    }
    std::vector<BlameEntry> entries = *std::move(blamed);
    if (!cmd.path.empty()) {
      std::erase_if(entries, [&](const BlameEntry& b) {
        return !(b.path == cmd.path || b.path.rfind(cmd.path + ".", 0) == 0);
      });
    }
    out << FormatBlame(entries, version.Sources());
    return 0;
  }
  absl::StatusOr<OutputFormat> format = ParseOutputFormat(cmd.format);
  if (!format.ok()) {
    err << "hearthd render: " << format.status().message() << "\n";
    return 2;
  }
  const ConfigRenderer renderer(&engine.store(), ConfigRenderer::Options{});
  absl::StatusOr<ConfigRenderer::Result> rendered =
      renderer.Render(cmd.name, cmd.profile, cmd.path, *format);
  if (!rendered.ok()) {
    err << "hearthd render: " << rendered.status().message() << "\n";
    return absl::IsNotFound(rendered.status()) ? 3 : 1;
  }
  if (*format != OutputFormat::kJson) {
    out << *rendered->doc->content;
  } else if (cmd.pretty) {
    absl::StatusOr<Value> tree = ConfigRenderer::Tree(*rendered);
    if (!tree.ok()) {
      err << "hearthd render: " << tree.status().message() << "\n";
      return 1;
    }
    out << ToPrettyJson(*tree) << "\n";
  } else {
    out << *rendered->doc->json << "\n";
  }
  return 0;
}

int RunCheck(const CheckCommand& cmd, std::ostream& out, std::ostream& err) {
  ConfigEngine engine(cmd.engine);
  ConfigEngine::Report report = engine.ScanAll();
  int failed = 0;
  for (const std::string& e : report.skipped_dirs) {
    err << "error  config directory skipped: " << e << "\n";
    ++failed;
  }
  for (const std::string& e : report.root_errors) {
    err << "error  " << e << "\n";
    ++failed;
  }
  for (const auto& entry : engine.store().List()) {
    if (entry->errors.empty()) {
      if (cmd.quiet) continue;
      const ConfigVersion& v = *entry->version;
      out << "ok     " << entry->name << " (" << v.files.size() << " file"
          << (v.files.size() == 1 ? "" : "s");
      std::vector<std::string> profiles = v.Profiles();
      if (!profiles.empty()) {
        out << "; profiles:";
        for (const std::string& p : profiles) out << " " << p;
      }
      if (!v.schema.empty()) out << "; schema " << v.schema;
      out << "; etag " << v.variants[0].etag.substr(0, 12) << ")\n";
    } else {
      ++failed;
      out << "error  " << entry->name << "\n";
      for (const std::string& e : entry->errors) out << "         " << e << "\n";
    }
  }
  out << report.configs << " config(s), " << (report.configs - report.failed) << " ok, "
      << report.failed << " with errors\n";
  return failed == 0 ? 0 : 1;
}

}  // namespace hearth
