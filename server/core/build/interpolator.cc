#include "server/core/build/interpolator.h"

#include <algorithm>
#include <cstdlib>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "server/core/model/absl_compat.h"
#include "server/core/model/diagnostic.h"
#include "server/core/model/json_writer.h"

namespace hearth {
namespace {

// How many references may be in the middle of resolution at once (a -> b -> c ... counts one per
// arrow). Bounds recursion on adversarial input; real configs chain a handful.
constexpr size_t kMaxReferenceDepth = 32;

bool HasMarker(std::string_view s) { return s.find("${") != std::string_view::npos; }

// One part of a string template: literal text, ${key.path} or ${env:NAME[:-default]}. All views
// point into the string being expanded.
struct Piece {
  enum class Kind : uint8_t { kText, kKey, kEnv };
  Kind kind = Kind::kText;
  std::string_view text;  // literal text, key path or env name
  std::string_view fallback;
  bool has_fallback = false;
};

Piece Text(std::string_view text) {
  Piece p;
  p.text = text;
  return p;
}

bool IsEnvName(std::string_view name) {
  if (name.empty() || (name[0] >= '0' && name[0] <= '9')) return false;
  for (char c : name) {
    bool ok =
        (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
    if (!ok) return false;
  }
  return true;
}

// Splits `s` into pieces. Returns an error message, or "" on success.
std::string ParseTemplate(std::string_view s, std::vector<Piece>* pieces) {
  size_t literal_start = 0;
  auto flush = [&](size_t end) {
    if (end > literal_start) {
      pieces->push_back(Text(s.substr(literal_start, end - literal_start)));
    }
  };
  size_t i = 0;
  while ((i = s.find('$', i)) != std::string_view::npos) {
    if (s.compare(i, 3, "$${") == 0) {  // escape: "$${" is a literal "${"
      flush(i);
      pieces->push_back(Text(s.substr(i + 1, 2)));
      i += 3;
      literal_start = i;
      continue;
    }
    if (i + 1 >= s.size() || s[i + 1] != '{') {
      ++i;
      continue;
    }
    size_t close = s.find('}', i + 2);
    if (close == std::string_view::npos) {
      // The text after "${" is the value itself (e.g. a password that happens to contain
      // "${"): never quote it.
      return std::string(
          "unterminated reference: \"${\" without a closing '}' (write \"$${\" "
          "for a literal \"${\")");
    }
    flush(i);
    std::string_view body = s.substr(i + 2, close - i - 2);
    Piece piece;
    if (body.substr(0, 4) == "env:") {
      piece.kind = Piece::Kind::kEnv;
      body.remove_prefix(4);
      size_t sep = body.find(":-");
      piece.text = body.substr(0, sep);
      if (sep != std::string_view::npos) {
        piece.has_fallback = true;
        piece.fallback = body.substr(sep + 2);
      }
      if (!IsEnvName(piece.text)) {
        // The name is shown (cut), never the reference's ":-" fallback, which is a value.
        return absl::StrCat("invalid environment variable name \"", KeyForMessage(piece.text),
                            "\" (letters, digits and '_')");
      }
    } else {
      if (body.empty()) return "empty reference \"${}\"";
      piece.kind = Piece::Kind::kKey;
      piece.text = body;
    }
    pieces->push_back(piece);
    i = close + 1;
    literal_start = i;
  }
  flush(s.size());
  return "";
}

// Path of a node during a walk, kept as a chain of stack-allocated links so that walking a
// document costs no allocation; materialised only when a reference is met.
struct PathLink {
  const PathLink* parent = nullptr;
  std::string_view key;  // object key (or a whole dotted prefix for a root link)
  size_t index = 0;
  bool is_index = false;
  int depth = 0;  // path components from the document root to the node (the root itself: 0)
};

// Containers on the longest path down from `v`, `v` included (a scalar: 0; `[]`: 1).
int Height(const Value& v) {
  int below = 0;
  if (v.is_array()) {
    for (const Value& item : v.AsArray()) below = std::max(below, Height(item));
  } else if (v.is_object()) {
    for (const auto& [key, member] : v.AsObject()) below = std::max(below, Height(member));
  } else {
    return 0;
  }
  return below + 1;
}

std::string PathString(const PathLink* link) {
  std::vector<const PathLink*> chain;
  for (; link != nullptr; link = link->parent) chain.push_back(link);
  std::string out;
  for (size_t i = chain.size(); i-- > 0;) {
    if (!out.empty()) out.push_back('.');
    if (chain[i]->is_index) {
      absl::StrAppend(&out, chain[i]->index);
    } else {
      out.append(chain[i]->key);
    }
  }
  return out;
}

std::string Location(const Origin& o, absl::Span<const std::string> sources) {
  std::string out =
      o.file != Origin::kNoFile && o.file < sources.size() ? sources[o.file] : "<generated>";
  if (o.line != 0) absl::StrAppend(&out, ":", o.line);
  if (o.line != 0 && o.column != 0) absl::StrAppend(&out, ":", o.column);
  return out;
}

// The state of one Run. Strings are rewritten in place; only string nodes are ever replaced, so
// pointers to nodes stay valid for the whole run (map nodes and vector elements never move).
class Resolver {
 public:
  Resolver(const Interpolator::Options& options, Value& root, absl::Span<const std::string> sources,
           std::vector<std::string>* errors)
      : options_(options), root_(root), sources_(sources), errors_(errors) {}

  // Resolves every reference under `v`, skipping nodes already settled. Reports every failure.
  bool ResolveTree(Value& v, const PathLink* link) {
    if (!BudgetOk(v, link)) return false;
    if (!states_.empty()) {
      auto it = states_.find(&v);
      if (it != states_.end() && it->second != State::kInProgress) {
        return it->second == State::kDone;
      }
    }
    switch (v.type()) {
      case Value::Type::kString:
        return !HasMarker(v.AsString()) || ResolveString(v, link);
      case Value::Type::kArray: {
        bool ok = true;
        Value::Array& a = v.MutableArray();
        for (size_t i = 0; i < a.size() && !stopped_; ++i) {
          PathLink child{link, {}, i, true, Depth(link) + 1};
          ok &= ResolveTree(a[i], &child);
        }
        return ok;
      }
      case Value::Type::kObject: {
        bool ok = true;
        for (auto& [key, member] : v.MutableObject()) {
          if (stopped_) break;
          PathLink child{link, key, 0, false, Depth(link) + 1};
          ok &= ResolveTree(member, &child);
        }
        return ok && !stopped_;
      }
      default:
        return true;
    }
  }

 private:
  // kDone: the node (and anything under it, if a reference turned it into a container) is final.
  enum class State : uint8_t { kInProgress, kDone, kFailed };
  struct Frame {
    const Value* node;
    std::string path;
  };

  bool ResolveString(Value& v, const PathLink* link) {
    if (auto it = states_.find(&v); it != states_.end()) {
      if (it->second == State::kInProgress) {
        ReportCycle(v);
        return false;
      }
      return it->second == State::kDone;
    }
    std::string path = PathString(link);
    if (stack_.size() >= kMaxReferenceDepth) {
      Report(v, path, absl::StrCat("references nest deeper than ", kMaxReferenceDepth, " levels"));
      states_[&v] = State::kFailed;
      return false;
    }
    states_[&v] = State::kInProgress;
    stack_.push_back({&v, path});
    bool ok = Expand(v, path, Depth(link));
    stack_.pop_back();
    states_[&v] = ok ? State::kDone : State::kFailed;
    return ok;
  }

  // Computes the new value of string node `v` and stores it. The pieces view v's text, so the
  // node is only overwritten once they are no longer needed.
  // `depth` is the node's own PathLink::depth.
  bool Expand(Value& v, const std::string& path, int depth) {
    std::vector<Piece> pieces;
    if (std::string error = ParseTemplate(v.AsString(), &pieces); !error.empty()) {
      Report(v, path, error);
      return false;
    }
    Origin origin = v.origin();
    if (pieces.size() == 1 && pieces[0].kind != Piece::Kind::kText) {
      // The whole string is one reference: take the referenced value with its type.
      const Piece& piece = pieces[0];
      if (piece.kind == Piece::Kind::kEnv) {
        std::string text;
        if (!Env(piece, v, path, &text) || !Spend(v, path, text.size())) return false;
        origin.untyped = true;  // environment values are strings a schema may coerce
        v = Value::String(std::move(text), origin);
        return true;
      }
      Value* target = Lookup(piece.text, /*whole=*/true, v, path);
      if (target == nullptr) return false;
      if (target->is_array() || target->is_object()) {
        if (options_.max_depth > 0 && depth + Height(*target) > options_.max_depth) {
          Report(v, path,
                 absl::StrCat("copying \"${", Sv(piece.text),
                              "}\" here nests the document deeper than ", options_.max_depth,
                              " levels"));
          return false;
        }
        if (!Spend(v, path, target->ApproximateBytes())) return false;
      }
      origin.untyped = target->origin().untyped;
      Value copy = *target;
      copy.set_origin(origin);
      v = std::move(copy);
      return true;
    }
    std::string out;
    out.reserve(v.AsString().size());
    bool ok = true;
    for (const Piece& piece : pieces) {
      switch (piece.kind) {
        case Piece::Kind::kText:
          out.append(piece.text);
          break;
        case Piece::Kind::kEnv: {
          std::string text;
          if (Env(piece, v, path, &text)) {
            out.append(text);
          } else {
            ok = false;
          }
          break;
        }
        case Piece::Kind::kKey: {
          const Value* target = Lookup(piece.text, /*whole=*/false, v, path);
          if (target == nullptr) {
            ok = false;
          } else if (!AppendScalar(*target, &out)) {
            Report(v, path,
                   absl::StrCat("cannot splice ", Sv(target->type_name()), " \"${",
                                KeyForMessage(piece.text),
                                "}\" into text; only a string that is exactly "
                                "one reference can take an object or array"));
            ok = false;
          }
          break;
        }
      }
      // Checked as the text grows, so a runaway expansion stops before it is built.
      if (ok && !WithinBudget(v, path, out.size())) return false;
    }
    if (!ok || !Spend(v, path, out.size())) return false;
    v = Value::String(std::move(out), origin);
    return true;
  }

  static bool AppendScalar(const Value& v, std::string* out) {
    switch (v.type()) {
      case Value::Type::kString:
        out->append(v.AsString());
        return true;
      case Value::Type::kBool:
        out->append(v.AsBool() ? "true" : "false");
        return true;
      case Value::Type::kInt:
      case Value::Type::kDouble:
        AppendCanonicalJson(v, out);  // same number forms as the published JSON
        return true;
      default:
        return false;
    }
  }

  // Finds the node `dotted` names, first resolving any reference met on the way (so "${a.b}"
  // works when a = "${c}"). With `whole`, a container target has its own references resolved,
  // ready to be copied. Returns nullptr after reporting (or after a dependency failed and was
  // reported already).
  Value* Lookup(std::string_view dotted, bool whole, const Value& referrer,
                const std::string& referrer_path) {
    Value* cur = &root_;
    bool settled = false;  // true inside a node that is already final
    std::string cur_path;
    int cur_depth = 0;
    size_t pos = 0;
    bool more = true;
    while (true) {
      if (!Settle(*cur, cur_path, cur_depth, &settled)) return nullptr;
      if (!more) break;
      size_t dot = dotted.find('.', pos);
      std::string_view part = dotted.substr(pos, dot == std::string_view::npos ? dot : dot - pos);
      more = dot != std::string_view::npos;
      pos = dot + 1;
      Value* next = cur->MutableFindChild(part);
      if (next == nullptr) {
        std::string where = cur_path.empty() ? std::string("at the top level")
                                             : absl::StrCat("in \"", KeyForMessage(cur_path), "\"");
        std::string what = cur->is_object() || cur->is_array()
                               ? absl::StrCat("no \"", KeyForMessage(part), "\" ", where)
                               : absl::StrCat("\"", KeyForMessage(cur_path), "\" is of type ",
                                              Sv(cur->type_name()));
        Report(referrer, referrer_path,
               absl::StrCat("reference \"${", KeyForMessage(dotted), "}\" not found (", what, ")"));
        return nullptr;
      }
      if (!cur_path.empty()) cur_path.push_back('.');
      cur_path.append(part);
      ++cur_depth;
      cur = next;
    }
    if (whole && !settled && (cur->is_object() || cur->is_array())) {
      stack_.push_back({cur, cur_path});
      PathLink link{nullptr, cur_path, 0, false, cur_depth};
      bool ok = ResolveTree(*cur, &link);
      stack_.pop_back();
      if (!ok) return nullptr;
    }
    return cur;
  }

  // Makes sure node `v` holds its final value before a lookup looks into it or returns it.
  bool Settle(Value& v, const std::string& path, int depth, bool* settled) {
    if (*settled) return true;
    if (auto it = states_.find(&v); it != states_.end()) {
      if (it->second == State::kInProgress) {
        ReportCycle(v);
        return false;
      }
      *settled = true;
      return it->second == State::kDone;
    }
    if (v.is_string() && HasMarker(v.AsString())) {
      PathLink link{nullptr, path, 0, false, depth};
      *settled = true;
      return ResolveString(v, &link);
    }
    return true;
  }

  bool Env(const Piece& piece, const Value& v, const std::string& path, std::string* out) {
    const std::vector<std::string>& prefixes = options_.env_allow_prefixes;
    std::string ref = absl::StrCat("\"${env:", KeyForMessage(piece.text), "}\"");
    if (prefixes.empty()) {
      Report(v, path, absl::StrCat(ref, ": environment references are disabled"));
      return false;
    }
    bool allowed = false;
    for (const std::string& p : prefixes) allowed |= piece.text.substr(0, p.size()) == p;
    if (!allowed) {
      Report(
          v, path,
          absl::StrCat(ref, ": environment variable ", KeyForMessage(piece.text),
                       " is not allowed (allowed prefixes: ", absl::StrJoin(prefixes, ", "), ")"));
      return false;
    }
    std::optional<std::string> value = options_.getenv(piece.text);
    if (value.has_value() && !value->empty()) {
      *out = std::move(*value);
      return true;
    }
    if (piece.has_fallback) {  // as in the shell, ":-" also covers a set but empty variable
      out->assign(piece.fallback);
      return true;
    }
    if (value.has_value()) return true;  // set to "" and no default: the empty string
    Report(v, path,
           absl::StrCat(ref, ": environment variable ", KeyForMessage(piece.text), " is not set"));
    return false;
  }

  static int Depth(const PathLink* link) { return link == nullptr ? 0 : link->depth; }

  // Charges `bytes` of output against the expansion budget and the build's budget.
  bool Spend(const Value& v, const std::string& path, size_t bytes) {
    if (!WithinBudget(v, path, bytes)) return false;
    spent_ += bytes;
    if (options_.budget != nullptr && !options_.budget->Charge(bytes)) {
      ReportBuildBudget(v, path);
      return false;
    }
    return true;
  }

  // Whether `bytes` more would still fit in both budgets; reports (once) when not.
  bool WithinBudget(const Value& v, const std::string& path, size_t bytes) {
    if (bytes > options_.max_expansion_bytes - spent_) {  // spent_ <= max always
      if (!budget_reported_) {
        budget_reported_ = true;
        Report(v, path,
               absl::StrCat("references expand to more than ", options_.max_expansion_bytes,
                            " bytes"));
      }
      return false;
    }
    if (options_.budget != nullptr && !options_.budget->Fits(bytes)) {
      ReportBuildBudget(v, path);
      return false;
    }
    return true;
  }

  // The build's clock, checked once per node visited. On expiry (or cancellation) the walk stops.
  bool BudgetOk(const Value& v, const PathLink* link) {
    if (stopped_) return false;
    if (options_.budget == nullptr || options_.budget->Check()) return true;
    ReportBuildBudget(v, PathString(link));
    return false;
  }

  void ReportBuildBudget(const Value& v, const std::string& path) {
    stopped_ = true;
    if (budget_reported_) return;
    budget_reported_ = true;
    Report(v, path, options_.budget->Message());
  }

  // `v` is in progress and was reached again: report the chain from its frame to the top.
  void ReportCycle(const Value& v) {
    size_t start = 0;
    while (start < stack_.size() && stack_[start].node != &v) ++start;
    std::string chain;
    for (size_t i = start; i < stack_.size(); ++i) {
      absl::StrAppend(&chain, KeyForMessage(stack_[i].path), " (",
                      Location(stack_[i].node->origin(), sources_), ") -> ");
    }
    chain.append(start < stack_.size() ? KeyForMessage(stack_[start].path) : "?");
    Report(v, "", absl::StrCat("reference cycle: ", chain));
  }

  void Report(const Value& v, std::string_view path, std::string_view message) {
    if (errors_ == nullptr) return;
    errors_->push_back(FormatAt(v.origin(), sources_,
                                path.empty()
                                    ? std::string(message)
                                    : absl::StrCat(KeyForMessage(path), ": ", Sv(message))));
  }

  const Interpolator::Options& options_;
  Value& root_;
  absl::Span<const std::string> sources_;
  std::vector<std::string>* errors_;
  absl::flat_hash_map<const Value*, State> states_;  // only nodes that held references
  std::vector<Frame> stack_;                         // references being resolved, outermost first
  size_t spent_ = 0;
  bool budget_reported_ = false;
  bool stopped_ = false;  // the build's budget ran out: stop walking
};

}  // namespace

std::optional<std::string> Interpolator::SystemGetenv(std::string_view name) {
  const char* value = std::getenv(std::string(name).c_str());
  if (value == nullptr) return std::nullopt;
  return std::string(value);
}

Interpolator::Interpolator(Options options) : options_(std::move(options)) {
  if (!options_.getenv) options_.getenv = &SystemGetenv;
}

bool Interpolator::Run(Value& doc, absl::Span<const std::string> sources,
                       std::vector<std::string>* errors) {
  return Resolver(options_, doc, sources, errors).ResolveTree(doc, nullptr);
}

}  // namespace hearth
