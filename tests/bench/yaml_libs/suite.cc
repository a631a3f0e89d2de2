// Runs libfyaml, libyaml and yaml-cpp over the YAML test suite's data (github.com/yaml/
// yaml-test-suite, branch "data": one directory per case with in.yaml, test.event, and a file
// named "error" when the input must be rejected). For each library: cases where it accepted
// what it must reject, rejected what it must accept, and (libfyaml, libyaml) produced an event
// stream other than test.event. Usage: suite <data-dir>   (run.sh builds it).
#include <libfyaml.h>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/exceptions.h>
#include <yaml-cpp/parser.h>
#include <yaml.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "bare_fy_parser.h"

namespace fs = std::filesystem;

namespace {

std::string Escape(const char* s, size_t n) {
  std::string out;
  for (size_t i = 0; i < n; ++i) {
    switch (s[i]) {
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\0':
        out += "\\0";
        break;
      default:
        out += s[i];
    }
  }
  return out;
}

struct Result {
  bool ok = false;
  std::string events;  // test.event format
};

std::string FyProps(fy_token* anchor, fy_token* tag) {
  std::string out;
  size_t n = 0;
  if (anchor) {
    const char* a = fy_token_get_text(anchor, &n);
    out += " &" + std::string(a, n);
  }
  if (tag) {
    const char* t = fy_token_get_text(tag, &n);
    out += " <" + std::string(t, n) + ">";
  }
  return out;
}

Result Fy(const std::string& text) {
  Result r;
  hearth::bench::BareFyParser bare(text);
  fy_parser* fyp = bare.parser();
  std::string& o = r.events;
  while (fy_event* e = fy_parser_parse(fyp)) {
    size_t n = 0;
    switch (e->type) {
      case FYET_STREAM_START:
        o += "+STR\n";
        break;
      case FYET_STREAM_END:
        o += "-STR\n";
        break;
      case FYET_DOCUMENT_START:
        o += fy_document_event_is_implicit(e) ? "+DOC\n" : "+DOC ---\n";
        break;
      case FYET_DOCUMENT_END:
        o += fy_document_event_is_implicit(e) ? "-DOC\n" : "-DOC ...\n";
        break;
      case FYET_MAPPING_START:
        o += "+MAP";
        if (fy_event_get_node_style(e) == FYNS_FLOW) o += " {}";
        o += FyProps(e->mapping_start.anchor, e->mapping_start.tag) + "\n";
        break;
      case FYET_MAPPING_END:
        o += "-MAP\n";
        break;
      case FYET_SEQUENCE_START:
        o += "+SEQ";
        if (fy_event_get_node_style(e) == FYNS_FLOW) o += " []";
        o += FyProps(e->sequence_start.anchor, e->sequence_start.tag) + "\n";
        break;
      case FYET_SEQUENCE_END:
        o += "-SEQ\n";
        break;
      case FYET_ALIAS: {
        const char* a = fy_token_get_text(e->alias.anchor, &n);
        o += "=ALI *" + std::string(a, n) + "\n";
        break;
      }
      case FYET_SCALAR: {
        o += "=VAL" + FyProps(e->scalar.anchor, e->scalar.tag) + " ";
        switch (fy_token_scalar_style(e->scalar.value)) {
          case FYSS_SINGLE_QUOTED:
            o += "'";
            break;
          case FYSS_DOUBLE_QUOTED:
            o += "\"";
            break;
          case FYSS_LITERAL:
            o += "|";
            break;
          case FYSS_FOLDED:
            o += ">";
            break;
          default:
            o += ":";
            break;
        }
        const char* v = fy_token_get_text(e->scalar.value, &n);
        o += Escape(v, n) + "\n";
        break;
      }
      default:
        break;
    }
    fy_parser_event_free(fyp, e);
  }
  r.ok = !fy_parser_get_stream_error(fyp);
  return r;
}

std::string LyProps(const yaml_char_t* anchor, const yaml_char_t* tag) {
  std::string out;
  if (anchor) out += " &" + std::string(reinterpret_cast<const char*>(anchor));
  if (tag) out += " <" + std::string(reinterpret_cast<const char*>(tag)) + ">";
  return out;
}

Result Ly(const std::string& text) {
  Result r;
  yaml_parser_t parser;
  yaml_parser_initialize(&parser);
  yaml_parser_set_input_string(&parser, reinterpret_cast<const unsigned char*>(text.data()),
                               text.size());
  std::string& o = r.events;
  for (;;) {
    yaml_event_t e;
    if (!yaml_parser_parse(&parser, &e)) break;
    bool end = false;
    switch (e.type) {
      case YAML_STREAM_START_EVENT:
        o += "+STR\n";
        break;
      case YAML_STREAM_END_EVENT:
        o += "-STR\n";
        end = true;
        r.ok = true;
        break;
      case YAML_DOCUMENT_START_EVENT:
        o += e.data.document_start.implicit ? "+DOC\n" : "+DOC ---\n";
        break;
      case YAML_DOCUMENT_END_EVENT:
        o += e.data.document_end.implicit ? "-DOC\n" : "-DOC ...\n";
        break;
      case YAML_MAPPING_START_EVENT:
        o += "+MAP";
        if (e.data.mapping_start.style == YAML_FLOW_MAPPING_STYLE) o += " {}";
        o += LyProps(e.data.mapping_start.anchor, e.data.mapping_start.tag) + "\n";
        break;
      case YAML_MAPPING_END_EVENT:
        o += "-MAP\n";
        break;
      case YAML_SEQUENCE_START_EVENT:
        o += "+SEQ";
        if (e.data.sequence_start.style == YAML_FLOW_SEQUENCE_STYLE) o += " []";
        o += LyProps(e.data.sequence_start.anchor, e.data.sequence_start.tag) + "\n";
        break;
      case YAML_SEQUENCE_END_EVENT:
        o += "-SEQ\n";
        break;
      case YAML_ALIAS_EVENT:
        o += "=ALI *" + std::string(reinterpret_cast<const char*>(e.data.alias.anchor)) + "\n";
        break;
      case YAML_SCALAR_EVENT: {
        o += "=VAL" + LyProps(e.data.scalar.anchor, e.data.scalar.tag) + " ";
        switch (e.data.scalar.style) {
          case YAML_SINGLE_QUOTED_SCALAR_STYLE:
            o += "'";
            break;
          case YAML_DOUBLE_QUOTED_SCALAR_STYLE:
            o += "\"";
            break;
          case YAML_LITERAL_SCALAR_STYLE:
            o += "|";
            break;
          case YAML_FOLDED_SCALAR_STYLE:
            o += ">";
            break;
          default:
            o += ":";
            break;
        }
        o +=
            Escape(reinterpret_cast<const char*>(e.data.scalar.value), e.data.scalar.length) + "\n";
        break;
      }
      default:
        break;
    }
    yaml_event_delete(&e);
    if (end) break;
  }
  yaml_parser_delete(&parser);
  return r;
}

class NullHandler : public YAML::EventHandler {
 public:
  void OnDocumentStart(const YAML::Mark&) override {}
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t,
                const std::string&) override {}
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {}
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {}
  void OnMapEnd() override {}
};

Result Cpp(const std::string& text) {
  Result r;
  try {
    std::istringstream in(text);
    YAML::Parser parser(in);
    NullHandler h;
    while (parser.HandleNextDocument(h)) {
    }
    r.ok = true;
  } catch (const YAML::Exception&) {
  } catch (const std::exception&) {
  }
  return r;
}

std::string Read(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct Tally {
  const char* name;
  Result (*parse)(const std::string&);
  bool events;
  int cases = 0, accepted_invalid = 0, rejected_valid = 0, wrong_events = 0;
  std::vector<std::string> failed;
};

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) return 2;
  std::vector<fs::path> cases;
  for (const auto& entry : fs::recursive_directory_iterator(argv[1])) {
    if (entry.path().filename() == "in.yaml") cases.push_back(entry.path().parent_path());
  }
  std::sort(cases.begin(), cases.end());
  Tally tallies[] = {{"libfyaml", Fy, true}, {"libyaml", Ly, true}, {"yaml-cpp", Cpp, false}};
  for (const fs::path& dir : cases) {
    const std::string text = Read(dir / "in.yaml");
    const bool invalid = fs::exists(dir / "error");
    const std::string expected = invalid ? "" : Read(dir / "test.event");
    const std::string id = fs::relative(dir, argv[1]).string();
    for (Tally& t : tallies) {
      ++t.cases;
      Result r = t.parse(text);
      if (invalid && r.ok) {
        ++t.accepted_invalid;
        t.failed.push_back(id + "(accepted)");
      } else if (!invalid && !r.ok) {
        ++t.rejected_valid;
        t.failed.push_back(id + "(rejected)");
      } else if (!invalid && t.events && r.events != expected) {
        ++t.wrong_events;
        t.failed.push_back(id + "(events)");
      }
    }
  }
  std::printf("%zu cases\n", cases.size());
  for (const Tally& t : tallies) {
    std::printf("%-9s accepted invalid %3d  rejected valid %3d  wrong events %3d%s\n", t.name,
                t.accepted_invalid, t.rejected_valid, t.wrong_events,
                t.events ? "" : " (not compared)");
  }
  for (const Tally& t : tallies) {
    std::printf("\n%s failures:", t.name);
    for (const std::string& f : t.failed) std::printf(" %s", f.c_str());
    std::printf("\n");
  }
}
