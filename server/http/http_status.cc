#include "server/http/http_status.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "server/core/model/absl_compat.h"

namespace hearth::http {

int HttpStatusFor(absl::StatusCode code) {
  switch (code) {
    case absl::StatusCode::kOk:
      return 200;
    case absl::StatusCode::kCancelled:
      return 499;
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kFailedPrecondition:
    case absl::StatusCode::kOutOfRange:
      return 400;
    case absl::StatusCode::kDeadlineExceeded:
      return 504;
    case absl::StatusCode::kNotFound:
      return 404;
    case absl::StatusCode::kAlreadyExists:
    case absl::StatusCode::kAborted:
      return 409;
    case absl::StatusCode::kPermissionDenied:
      return 403;
    case absl::StatusCode::kResourceExhausted:
      return 429;
    case absl::StatusCode::kUnimplemented:
      return 501;
    case absl::StatusCode::kUnavailable:
      return 503;
    case absl::StatusCode::kUnauthenticated:
      return 401;
    default:
      return 500;
  }
}

std::string JsonQuoteAscii(std::string_view s) {
  std::string out = "\"";
  for (size_t i = 0; i < s.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(static_cast<char>(c));
    } else if (c >= 0x20 && c < 0x7f) {
      out.push_back(static_cast<char>(c));
    } else if (c < 0x80) {
      absl::StrAppendFormat(&out, "\\u%04x", c);
    } else {
      // Decode one UTF-8 sequence to \uXXXX (surrogate pairs above the BMP); invalid bytes are
      // written as U+FFFD.
      uint32_t cp = 0xfffd;
      size_t len = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
      if (len > 1 && i + len <= s.size()) {
        cp = c & (0xff >> (len + 1));
        bool valid = true;
        for (size_t k = 1; k < len; ++k) {
          const unsigned char cc = static_cast<unsigned char>(s[i + k]);
          valid &= (cc & 0xc0) == 0x80;
          cp = (cp << 6) | (cc & 0x3f);
        }
        if (!valid || cp > 0x10ffff) {
          cp = 0xfffd;
          len = 1;
        }
      } else {
        len = 1;
      }
      i += len - 1;
      if (cp >= 0x10000) {
        cp -= 0x10000;
        absl::StrAppendFormat(&out, "\\u%04x\\u%04x", 0xd800 + (cp >> 10), 0xdc00 + (cp & 0x3ff));
      } else {
        absl::StrAppendFormat(&out, "\\u%04x", cp);
      }
    }
  }
  out.push_back('"');
  return out;
}

std::string JsonStringListAscii(const std::vector<std::string>& items) {
  std::string out = "[";
  for (size_t i = 0; i < items.size(); ++i) {
    absl::StrAppend(&out, i == 0 ? "" : ",", JsonQuoteAscii(items[i]));
  }
  return out + "]";
}

HttpResponse ErrorResponse(const absl::Status& status) {
  HttpResponse response;
  response.status = HttpStatusFor(status.code());
  response.body = absl::StrCat("{\"code\":\"", absl::StatusCodeToString(status.code()),
                               "\",\"message\":", JsonQuoteAscii(Sv(status.message())), "}\n");
  return response;
}

}  // namespace hearth::http
