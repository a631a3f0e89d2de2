// The three Debian YAML parsers on the same texts (run.sh): event-level parse speed, and what
// each reports for the YAML features and errors the front end depends on. Not part of the CMake
// build; the measurement behind the choice of libfyaml (docs/benchmarks.md, issue 9).
#include <libfyaml.h>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/exceptions.h>
#include <yaml-cpp/parser.h>
#include <yaml-cpp/yaml.h>
#include <yaml.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include "bare_fy_parser.h"
#include "tests/bench/corpus.h"

namespace {

// What a parse produced: events seen, or the first error.
struct Outcome {
  bool ok = true;
  size_t events = 0;
  size_t scalar_bytes = 0;  // touched so that no library can skip the text
  std::string error;        // "line:col message" (1-based; col as the library counts it)
};

// ---- yaml-cpp: YAML::Parser with an event handler (what yaml_parser.cc used) ----
class CountingHandler : public YAML::EventHandler {
 public:
  explicit CountingHandler(Outcome* o) : o_(o) {}
  void OnDocumentStart(const YAML::Mark&) override { ++o_->events; }
  void OnDocumentEnd() override { ++o_->events; }
  void OnNull(const YAML::Mark&, YAML::anchor_t) override { ++o_->events; }
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override { ++o_->events; }
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t,
                const std::string& value) override {
    ++o_->events;
    o_->scalar_bytes += value.size();
  }
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {
    ++o_->events;
  }
  void OnSequenceEnd() override { ++o_->events; }
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {
    ++o_->events;
  }
  void OnMapEnd() override { ++o_->events; }

 private:
  Outcome* o_;
};

Outcome YamlCppEvents(const std::string& text) {
  Outcome o;
  try {
    std::istringstream in(text);
    YAML::Parser parser(in);
    CountingHandler handler(&o);
    while (parser.HandleNextDocument(handler)) {
    }
  } catch (const YAML::Exception& e) {
    o.ok = false;
    o.error =
        std::to_string(e.mark.line + 1) + ":" + std::to_string(e.mark.column + 1) + " " + e.msg;
  }
  return o;
}

Outcome YamlCppLoad(const std::string& text) {
  Outcome o;
  try {
    std::vector<YAML::Node> docs = YAML::LoadAll(text);
    o.events = docs.size();
  } catch (const YAML::Exception& e) {
    o.ok = false;
    o.error =
        std::to_string(e.mark.line + 1) + ":" + std::to_string(e.mark.column + 1) + " " + e.msg;
  }
  return o;
}

// ---- libyaml: yaml_parser_parse events ----
Outcome LibYamlEvents(const std::string& text) {
  Outcome o;
  yaml_parser_t parser;
  yaml_parser_initialize(&parser);
  yaml_parser_set_input_string(&parser, reinterpret_cast<const unsigned char*>(text.data()),
                               text.size());
  for (;;) {
    yaml_event_t event;
    if (!yaml_parser_parse(&parser, &event)) {
      o.ok = false;
      o.error = std::to_string(parser.problem_mark.line + 1) + ":" +
                std::to_string(parser.problem_mark.column + 1) + " " +
                (parser.problem ? parser.problem : "?");
      break;
    }
    ++o.events;
    if (event.type == YAML_SCALAR_EVENT) o.scalar_bytes += event.data.scalar.length;
    const bool end = event.type == YAML_STREAM_END_EVENT;
    yaml_event_delete(&event);
    if (end) break;
  }
  yaml_parser_delete(&parser);
  return o;
}

// ---- libfyaml: fy_parser_parse events, diagnostics collected (nothing printed) ----
Outcome FyEvents(const std::string& text) {
  Outcome o;
  hearth::bench::BareFyParser bare(text);
  fy_parser* fyp = bare.parser();
  fy_diag* diag = bare.diag();
  while (fy_event* e = fy_parser_parse(fyp)) {
    ++o.events;
    if (e->type == FYET_SCALAR) {
      size_t len = 0;
      fy_token_get_text(e->scalar.value, &len);
      o.scalar_bytes += len;
      if (const fy_mark* m = fy_event_start_mark(e)) o.scalar_bytes += m->input_pos & 1;
    }
    fy_parser_event_free(fyp, e);
  }
  if (fy_parser_get_stream_error(fyp)) {
    o.ok = false;
    void* it = nullptr;
    if (fy_diag_error* err = fy_diag_errors_iterate(diag, &it)) {
      std::string pos = std::to_string(err->line) + ":" + std::to_string(err->column);
      if (err->fyt != nullptr) {
        const fy_mark* m = fy_token_start_mark(err->fyt);
        size_t p = m->input_pos;
        size_t ls = text.rfind('\n', p == 0 ? 0 : p - 1);
        ls = (ls == std::string::npos || p == 0) ? 0 : ls + 1;
        pos += " (byte col " + std::to_string(p - ls + 1) + ")";
      }
      o.error = pos + " " + err->msg;
    } else {
      o.error = "error without a collected diagnostic";
    }
  }
  return o;
}

Outcome FyDocument(const std::string& text) {
  Outcome o;
  fy_parse_cfg cfg{};
  cfg.flags = static_cast<fy_parse_cfg_flags>(FYPCF_QUIET | FYPCF_DEFAULT_VERSION_1_2);
  fy_document* doc = fy_document_build_from_string(&cfg, text.data(), text.size());
  o.ok = doc != nullptr;
  o.events = doc != nullptr;
  fy_document_destroy(doc);
  return o;
}

struct Library {
  const char* name;
  std::function<Outcome(const std::string&)> parse;
};

const std::vector<Library>& Libraries() {
  static const std::vector<Library> libs = {
      {"libfyaml events", FyEvents},      {"libyaml events", LibYamlEvents},
      {"yaml-cpp events", YamlCppEvents}, {"libfyaml document", FyDocument},
      {"yaml-cpp Load", YamlCppLoad},
  };
  return libs;
}

// A realistic single-document config: Kubernetes-like nesting, block scalars, flow collections,
// anchors and merge keys, comments; repeated with distinct keys to reach `bytes`.
std::string Realistic(size_t bytes) {
  std::string out = "defaults: &defaults\n  replicas: 3\n  strategy: {type: RollingUpdate}\n";
  for (int i = 0; out.size() < bytes; ++i) {
    const std::string n = std::to_string(i);
    out += "svc" + n + ":\n  <<: *defaults\n  apiVersion: apps/v1\n  kind: Deployment\n";
    out += "  metadata:\n    name: web-" + n + "\n    labels: {app: web, tier: \"frontend\"}\n";
    out += "  spec:\n    # the pod template\n    template:\n      spec:\n        containers:\n";
    out += "          - name: app\n            image: registry.example.com/web:1.2." + n + "\n";
    out += "            args: [\"--port=8080\", --verbose, '--log=json']\n";
    out +=
        "            ports:\n              - containerPort: 8080\n                protocol: TCP\n";
    out += "            env:\n              - {name: MODE, value: production}\n";
    out += "              - name: RATIO\n                value: \"0.75\"\n";
    out += "            resources:\n              limits: {cpu: 500m, memory: 256Mi}\n";
    out += "        script: |\n          #!/bin/sh\n          exec /app --serve \\\n";
    out += "            --workers 4\n        description: >\n          Folded text that\n";
    out += "          spans lines.\n        timeout: 30.5\n        enabled: true\n";
  }
  return out;
}

double MBps(const Library& lib, const std::string& text) {
  // Warm up, then time repeated parses for ~0.3 s; best of 3 rounds.
  lib.parse(text);
  double best = 0;
  for (int round = 0; round < 3; ++round) {
    size_t iters = 0;
    const auto t0 = std::chrono::steady_clock::now();
    auto t1 = t0;
    do {
      Outcome o = lib.parse(text);
      if (!o.ok) return -1;
      ++iters;
      t1 = std::chrono::steady_clock::now();
    } while (t1 - t0 < std::chrono::milliseconds(300));
    const double s = std::chrono::duration<double>(t1 - t0).count();
    best = std::max(best, static_cast<double>(text.size()) * iters / s / 1e6);
  }
  return best;
}

// Feature and error probes: what each library reports (an error's position and message).
struct Probe {
  const char* what;
  std::string text;
};

std::vector<Probe> Probes() {
  return {
      {"anchors + aliases", "a: &x {k: 1}\nb: *x\n"},
      {"merge key", "base: &b {h: 1}\nsvc:\n  <<: *b\n  p: 2\n"},
      {"core tags", "a: !!str 1\nb: !!int \"2\"\n"},
      {"local tag", "a: !custom x\n"},
      {"%TAG directive", "%TAG !e! tag:example.com,2000:\n---\na: !e!foo x\n"},
      {"two documents", "a: 1\n---\nb: 2\n"},
      {"duplicate key (block)", "a: 1\nb: 2\na: 3\n"},
      {"duplicate key (flow)", "{x: 1, x: 2}"},
      {"unclosed flow seq", "a: [1, 2\n"},
      {"bad indentation", "a: 1\n b: 2\n"},
      {"tab indentation", "a:\n\t- x\n"},
      {"unterminated \" at EOF", "a: \"open"},
      {"unterminated ' to EOF", "a: 1\nb: 'open\n"},
      {"invalid escape", "a: \"x\\qy\"\n"},
      {"\\0N escape (yaml-cpp bug)", "a: \"\\0N\"\n"},
      {"unclosed flow map", "a: {b: 1\n"},
      {"colon in flow plain", "a: [b:c, d]\n"},
      {"YAML 1.2 %YAML 1.2", "%YAML 1.2\n---\na: 1\n"},
      {"%YAML 1.1", "%YAML 1.1\n---\na: 1\n"},
      {"undefined alias", "a: *nope\n"},
      {"recursive alias", "a: &x [1, *x]\n"},
      {"multi-line key", "? |\n  k\n: v\n"},
      {"1000 open [", std::string(1000, '[')},
      {"100000 nested []", std::string(100000, '[') + std::string(100000, ']')},
      {"non-ASCII then error", "\xC3\xA9\xC3\xA9: [1, 2\nb: 1\n"},
      {"garbage", "]]]: :\n"},
      {"block seq in flow", "a: [\n- x]\n"},
      {"empty", ""},
      {"BOM-less CRLF", "a: 1\r\nb: 2\r\n"},
  };
}

}  // namespace

int main() {
  std::printf("libfyaml %s\n\n", fy_library_version());
  struct Text {
    const char* name;
    std::string text;
  };
  const std::vector<Text> texts = {
      {"corpus 4 KB", hearth::bench::MakeDocument("yaml", 4096, 1)},
      {"corpus 64 KB", hearth::bench::MakeDocument("yaml", 65536, 1)},
      {"realistic 4 KB", Realistic(4096)},
      {"realistic 64 KB", Realistic(65536)},
  };
  std::printf("Parse speed, MB/s (best of 3 x 0.3 s):\n%-18s", "");
  for (const Text& t : texts) std::printf(" %16s", t.name);
  std::printf("\n");
  for (const Library& lib : Libraries()) {
    std::printf("%-18s", lib.name);
    for (const Text& t : texts) std::printf(" %16.1f", MBps(lib, t.text));
    std::printf("\n");
  }
  std::printf("\nProbes (ok = parsed; else line:col message as each library reports it):\n");
  for (const Probe& p : Probes()) {
    std::printf("* %s\n", p.what);
    for (const Library& lib : Libraries()) {
      if (std::string(lib.name).find("events") == std::string::npos) continue;
      Outcome o = lib.parse(p.text);
      if (o.ok) {
        std::printf("    %-16s ok (%zu events)\n", lib.name, o.events);
      } else {
        std::printf("    %-16s ERROR %s\n", lib.name, o.error.c_str());
      }
    }
  }
}
