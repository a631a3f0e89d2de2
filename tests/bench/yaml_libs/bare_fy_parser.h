#pragma once

// libfyaml's event parser set up as Hearth's YAML front end sets it up (YAML 1.2, no depth limit,
// diagnostics collected and never printed), for the tools that time or probe the bare library:
// parse_bench.cc, and compare.cc and suite.cc in this folder. Header-only, so run.sh can build
// those two without the CMake tree.

#include <libfyaml.h>

#include <string_view>

namespace hearth::bench {

class BareFyParser {
 public:
  explicit BareFyParser(std::string_view text) {
    fy_diag_cfg diag_cfg;
    fy_diag_cfg_default(&diag_cfg);
    diag_cfg.fp = nullptr;
    diag_cfg.output_fn = [](fy_diag*, void*, const char*, size_t) {};
    diag_cfg.colorize = false;
    diag_ = fy_diag_create(&diag_cfg);
    fy_diag_set_collect_errors(diag_, true);
    fy_parse_cfg cfg{};
    cfg.flags = static_cast<fy_parse_cfg_flags>(FYPCF_QUIET | FYPCF_DEFAULT_VERSION_1_2 |
                                                FYPCF_JSON_NONE | FYPCF_DISABLE_DEPTH_LIMIT);
    cfg.diag = diag_;
    parser_ = fy_parser_create(&cfg);
    fy_parser_set_string(parser_, text.data(), text.size());
  }
  ~BareFyParser() {
    fy_parser_destroy(parser_);
    fy_diag_destroy(diag_);
  }
  BareFyParser(const BareFyParser&) = delete;
  BareFyParser& operator=(const BareFyParser&) = delete;

  fy_parser* parser() const { return parser_; }
  fy_diag* diag() const { return diag_; }

 private:
  fy_diag* diag_ = nullptr;
  fy_parser* parser_ = nullptr;
};

}  // namespace hearth::bench
