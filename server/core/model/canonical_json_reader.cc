#include "server/core/model/canonical_json_reader.h"

#include <charconv>
#include <cstdint>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace hearth {
namespace {

absl::Status Malformed(size_t offset) {
  return absl::InvalidArgumentError(
      absl::StrCat("not canonical JSON at byte ", offset, " (a stored document is damaged)"));
}

// The end of the string whose opening quote is at `p`, just past its closing quote; null when it
// does not end. An escape's second byte is never a quote or a backslash that ends or escapes
// anything, so skipping one byte after each backslash is enough (\u's hex digits are plain).
const char* SkipString(const char* p, const char* end) {
  for (++p; p < end; ++p) {
    if (*p == '"') return p + 1;
    if (*p == '\\') ++p;
  }
  return nullptr;
}

bool IsScalarByte(char c) { return c != ',' && c != ']' && c != '}' && c != ':'; }

// The end of the value that starts at `p`; null when it does not end. Containers are skipped by
// counting brackets outside strings, so the scan is iterative and needs no depth limit.
const char* SkipValue(const char* p, const char* end) {
  if (p >= end) return nullptr;
  if (*p == '"') return SkipString(p, end);
  if (*p != '{' && *p != '[') {
    const char* start = p;
    while (p < end && IsScalarByte(*p)) ++p;
    return p == start ? nullptr : p;
  }
  size_t depth = 0;
  while (p < end) {
    switch (*p) {
      case '"':
        p = SkipString(p, end);
        if (p == nullptr) return nullptr;
        continue;
      case '{':
      case '[':
        ++depth;
        break;
      case '}':
      case ']':
        if (--depth == 0) return p + 1;
        break;
      default:
        break;
    }
    ++p;
  }
  return nullptr;
}

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool ReadHex4(const char* p, const char* end, uint32_t* out) {
  if (end - p < 4) return false;
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) {
    int d = HexDigit(p[i]);
    if (d < 0) return false;
    v = (v << 4) | static_cast<uint32_t>(d);
  }
  *out = v;
  return true;
}

void AppendUtf8(uint32_t cp, std::string* out) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xc0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3f)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xe0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3f)));
  } else {
    out->push_back(static_cast<char>(0xf0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3f)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3f)));
  }
}

// Decodes the string whose opening quote is at `p` into `out`; returns the byte after its closing
// quote, or null.
const char* DecodeString(const char* p, const char* end, std::string* out) {
  out->clear();
  ++p;
  while (p < end) {
    const char* run = p;
    while (p < end && *p != '"' && *p != '\\') ++p;
    out->append(run, p - run);
    if (p >= end) return nullptr;
    if (*p == '"') return p + 1;
    if (++p >= end) return nullptr;
    switch (*p++) {
      case '"':
        out->push_back('"');
        break;
      case '\\':
        out->push_back('\\');
        break;
      case '/':
        out->push_back('/');
        break;
      case 'b':
        out->push_back('\b');
        break;
      case 'f':
        out->push_back('\f');
        break;
      case 'n':
        out->push_back('\n');
        break;
      case 'r':
        out->push_back('\r');
        break;
      case 't':
        out->push_back('\t');
        break;
      case 'u': {
        uint32_t cp = 0;
        if (!ReadHex4(p, end, &cp)) return nullptr;
        p += 4;
        if (cp >= 0xd800 && cp < 0xdc00) {  // a high surrogate: its low half must follow
          uint32_t low = 0;
          if (end - p < 6 || p[0] != '\\' || p[1] != 'u' || !ReadHex4(p + 2, end, &low) ||
              low < 0xdc00 || low >= 0xe000) {
            return nullptr;
          }
          p += 6;
          cp = 0x10000 + ((cp - 0xd800) << 10) + (low - 0xdc00);
        } else if (cp >= 0xdc00 && cp < 0xe000) {
          return nullptr;
        }
        AppendUtf8(cp, out);
        break;
      }
      default:
        return nullptr;
    }
  }
  return nullptr;
}

class Reader {
 public:
  Reader(std::string_view json, int max_depth)
      : begin_(json.data()), end_(json.data() + json.size()), max_depth_(max_depth) {}

  absl::StatusOr<Value> ReadDocument() {
    const char* p = begin_;
    Value v;
    p = Read(p, 0, &v);
    if (p == nullptr || p != end_) return Malformed(error_at_ - begin_);
    return v;
  }

 private:
  // Reads the value at `p` into `out` at nesting `depth` (containers enclosing it); returns the
  // byte after it, or null with error_at_ set.
  const char* Read(const char* p, int depth, Value* out) {
    if (p >= end_) return Fail(p);
    switch (*p) {
      case '{':
        return ReadObject(p, depth, out);
      case '[':
        return ReadArray(p, depth, out);
      case '"': {
        std::string s;
        const char* next = DecodeString(p, end_, &s);
        if (next == nullptr) return Fail(p);
        *out = Value::String(std::move(s));
        return next;
      }
      default:
        return ReadScalar(p, out);
    }
  }

  const char* ReadObject(const char* p, int depth, Value* out) {
    if (depth + 1 > max_depth_) return Fail(p);
    *out = Value::EmptyObject();
    Value::Object& object = out->MutableObject();
    ++p;
    if (p < end_ && *p == '}') return p + 1;
    std::string key;
    while (true) {
      if (p >= end_ || *p != '"') return Fail(p);
      const char* key_at = p;
      p = DecodeString(p, end_, &key);
      if (p == nullptr) return Fail(key_at);
      if (p >= end_ || *p != ':') return Fail(p);
      // Keys arrive sorted, so each goes in at the end without a search.
      const size_t before = object.size();
      auto it = object.emplace_hint(object.end(), std::move(key), Value());
      if (object.size() == before) return Fail(key_at);  // a duplicate key
      p = Read(p + 1, depth + 1, &it->second);
      if (p == nullptr) return nullptr;
      if (p < end_ && *p == ',') {
        ++p;
        continue;
      }
      if (p < end_ && *p == '}') return p + 1;
      return Fail(p);
    }
  }

  const char* ReadArray(const char* p, int depth, Value* out) {
    if (depth + 1 > max_depth_) return Fail(p);
    *out = Value::EmptyArray();
    Value::Array& array = out->MutableArray();
    ++p;
    if (p < end_ && *p == ']') return p + 1;
    while (true) {
      p = Read(p, depth + 1, &array.emplace_back());
      if (p == nullptr) return nullptr;
      if (p < end_ && *p == ',') {
        ++p;
        continue;
      }
      if (p < end_ && *p == ']') return p + 1;
      return Fail(p);
    }
  }

  const char* ReadScalar(const char* p, Value* out) {
    const char* start = p;
    while (p < end_ && IsScalarByte(*p)) ++p;
    std::string_view token(start, p - start);
    if (token == "null") {
      *out = Value::Null();
    } else if (token == "true") {
      *out = Value::Bool(true);
    } else if (token == "false") {
      *out = Value::Bool(false);
    } else if (token.find_first_of(".eE") != std::string_view::npos) {
      double d = 0;
      auto [ptr, ec] = std::from_chars(start, p, d);
      if (ec != std::errc() || ptr != p) return Fail(start);
      *out = Value::Double(d);
    } else {
      int64_t i = 0;
      auto [ptr, ec] = std::from_chars(start, p, i);
      if (ec != std::errc() || ptr != p || token.empty()) return Fail(start);
      *out = Value::Int(i);
    }
    return p;
  }

  const char* Fail(const char* at) {
    error_at_ = at;
    return nullptr;
  }

  const char* const begin_;
  const char* const end_;
  const int max_depth_;
  const char* error_at_ = nullptr;
};

// The member `key` of the object whose '{' is at `p`, as the value's [begin, end); false when
// absent or malformed. `scratch` decodes keys that hold escapes.
bool FindMember(const char* p, const char* end, std::string_view key, std::string* scratch,
                const char** value_begin, const char** value_end) {
  ++p;
  if (p < end && *p == '}') return false;
  while (p < end && *p == '"') {
    const char* key_end = SkipString(p, end);
    if (key_end == nullptr || key_end >= end || *key_end != ':') return false;
    std::string_view raw(p + 1, key_end - p - 2);
    bool match;
    if (raw.find('\\') == std::string_view::npos) {
      match = raw == key;
    } else {
      match = DecodeString(p, end, scratch) != nullptr && *scratch == key;
    }
    const char* v = key_end + 1;
    const char* v_end = SkipValue(v, end);
    if (v_end == nullptr) return false;
    if (match) {
      *value_begin = v;
      *value_end = v_end;
      return true;
    }
    if (v_end >= end || *v_end != ',') return false;
    p = v_end + 1;
  }
  return false;
}

// Element `part` (a decimal index, as Value::FindChild reads it) of the array whose '[' is at `p`.
bool FindElement(const char* p, const char* end, std::string_view part, const char** value_begin,
                 const char** value_end) {
  size_t index = 0;
  auto [ptr, ec] = std::from_chars(part.data(), part.data() + part.size(), index);
  if (ec != std::errc() || ptr != part.data() + part.size()) return false;
  ++p;
  if (p < end && *p == ']') return false;
  for (size_t i = 0;; ++i) {
    const char* v_end = SkipValue(p, end);
    if (v_end == nullptr) return false;
    if (i == index) {
      *value_begin = p;
      *value_end = v_end;
      return true;
    }
    if (v_end >= end || *v_end != ',') return false;
    p = v_end + 1;
  }
}

}  // namespace

absl::StatusOr<Value> ReadCanonicalJson(std::string_view json, int max_depth) {
  return Reader(json, max_depth).ReadDocument();
}

std::optional<std::string_view> FindCanonicalJsonPath(std::string_view json,
                                                      std::string_view path) {
  if (path.empty()) return json;
  const char* begin = json.data();
  const char* end = json.data() + json.size();
  std::string scratch;
  size_t pos = 0;
  while (true) {
    // Every segment is looked up, including an empty one ("a." looks up key "" in a).
    const size_t dot = path.find('.', pos);
    const std::string_view part =
        path.substr(pos, dot == std::string_view::npos ? std::string_view::npos : dot - pos);
    const char* v_begin = nullptr;
    const char* v_end = nullptr;
    bool found = false;
    if (begin < end && *begin == '{') {
      found = FindMember(begin, end, part, &scratch, &v_begin, &v_end);
    } else if (begin < end && *begin == '[') {
      found = FindElement(begin, end, part, &v_begin, &v_end);
    }
    if (!found) return std::nullopt;
    begin = v_begin;
    end = v_end;
    if (dot == std::string_view::npos) return std::string_view(begin, end - begin);
    pos = dot + 1;
  }
}

}  // namespace hearth
