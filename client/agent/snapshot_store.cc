#include "client/agent/snapshot_store.h"

#include <xxhash.h>

#include <charconv>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "client/agent/atomic_file.h"

namespace hearth_agent {
namespace {

// File format, all header lines ending in '\n':
//   hearth-agent-snapshot 1
//   etag <32 lowercase hex digits>
//   document_etag <text without control characters>
//   revision <decimal>
//   length <decimal byte count of the document>
//   <the document bytes, exactly `length` of them, up to the end of the file>
constexpr char kMagic[] = "hearth-agent-snapshot 1";
constexpr size_t kMaxSnapshotBytes = size_t{64} << 20;
constexpr size_t kMaxHeaderLineBytes = 256;

bool IsHexEtag(std::string_view s) {
  if (s.size() != 32) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

// document_etag goes on one header line: no control characters, bounded.
bool IsHeaderText(std::string_view s) {
  if (s.size() > kMaxHeaderLineBytes) return false;
  for (char c : s) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return false;
  }
  return true;
}

absl::Status CheckOutputId(const std::string& id) {
  if (id.empty() || id[0] == '.' || id.find('/') != std::string::npos ||
      id.find('\0') != std::string::npos) {
    return absl::InvalidArgumentError("snapshot id must be a file name not starting with '.'");
  }
  return absl::OkStatus();
}

// Consumes "<key> <value>\n" from the front of *rest and returns the value.
bool TakeLine(std::string_view* rest, std::string_view key, std::string_view* value) {
  const size_t newline = rest->substr(0, key.size() + 1 + kMaxHeaderLineBytes + 1).find('\n');
  if (newline == std::string_view::npos) return false;
  std::string_view line = rest->substr(0, newline);
  rest->remove_prefix(newline + 1);
  if (key.empty()) {
    *value = line;
    return true;
  }
  if (line.size() < key.size() + 1 || line.substr(0, key.size()) != key ||
      line[key.size()] != ' ') {
    return false;
  }
  *value = line.substr(key.size() + 1);
  return true;
}

bool ParseDecimal(std::string_view s, uint64_t* out) {
  if (s.empty() || s.size() > 20 || (s.size() > 1 && s[0] == '0')) return false;
  const char* end = s.data() + s.size();
  auto [ptr, ec] = std::from_chars(s.data(), end, *out);
  return ec == std::errc() && ptr == end;
}

}  // namespace

std::string ContentEtag(std::string_view bytes) {
  // The same digest as hearthd's ContentHash (server/core/model/content_hash.cc): high 64 bits
  // then low 64 bits, 32 lowercase hex digits. The agent does not link server code.
  const XXH128_hash_t h = XXH3_128bits(bytes.data(), bytes.size());
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(32, '0');
  const uint64_t parts[2] = {h.high64, h.low64};
  for (int p = 0; p < 2; ++p) {
    for (int i = 0; i < 16; ++i) out[p * 16 + i] = kHex[(parts[p] >> (60 - 4 * i)) & 0xf];
  }
  return out;
}

SnapshotStore::SnapshotStore(std::string dir) : dir_(std::move(dir)) {}

absl::Status SnapshotStore::Save(const std::string& output_id, const Snapshot& snapshot) const {
  if (absl::Status s = CheckOutputId(output_id); !s.ok()) return s;
  // Never write what Load would refuse.
  if (snapshot.document.size() > kMaxSnapshotBytes) {
    return absl::InvalidArgumentError(absl::StrCat(
        "snapshot of output ", output_id, ": document larger than ", kMaxSnapshotBytes, " bytes"));
  }
  if (!IsHeaderText(snapshot.document_etag)) {
    return absl::InvalidArgumentError(
        absl::StrCat("snapshot of output ", output_id, ": document_etag is not one line of text"));
  }
  if (snapshot.etag != ContentEtag(snapshot.document)) {
    return absl::InvalidArgumentError(
        absl::StrCat("snapshot of output ", output_id, ": etag does not match the document"));
  }
  std::string bytes =
      absl::StrCat(kMagic, "\netag ", snapshot.etag, "\ndocument_etag ", snapshot.document_etag,
                   "\nrevision ", snapshot.revision, "\nlength ", snapshot.document.size(), "\n");
  bytes.append(snapshot.document);
  const std::string path = absl::StrCat(dir_, "/", output_id, ".snapshot");
  absl::StatusOr<StagedFile> staged =
      StagedFile::Create(path, bytes, 0600, std::nullopt, std::nullopt);
  if (!staged.ok()) return staged.status();
  return staged->Commit();
}

absl::StatusOr<Snapshot> SnapshotStore::Load(const std::string& output_id) const {
  if (absl::Status s = CheckOutputId(output_id); !s.ok()) return s;
  const std::string path = absl::StrCat(dir_, "/", output_id, ".snapshot");
  absl::StatusOr<std::string> bytes = ReadFileAtMost(path, kMaxSnapshotBytes);
  if (!bytes.ok()) {
    if (absl::IsOutOfRange(bytes.status()) || absl::IsFailedPrecondition(bytes.status())) {
      return absl::DataLossError(absl::StrCat("snapshot ", bytes.status().message()));
    }
    return bytes.status();  // NOT_FOUND when there is none
  }
  const auto corrupt = [&path](std::string_view why) {
    return absl::DataLossError(absl::StrCat("snapshot ", path, ": ", std::string(why)));
  };
  std::string_view rest = *bytes;
  std::string_view magic, etag, document_etag, revision, length;
  if (!TakeLine(&rest, "", &magic) || magic != kMagic) return corrupt("not a snapshot file");
  if (!TakeLine(&rest, "etag", &etag) || !TakeLine(&rest, "document_etag", &document_etag) ||
      !TakeLine(&rest, "revision", &revision) || !TakeLine(&rest, "length", &length)) {
    return corrupt("malformed header");
  }
  Snapshot out;
  uint64_t document_length = 0;
  if (!IsHexEtag(etag) || !IsHeaderText(document_etag) || !ParseDecimal(revision, &out.revision) ||
      !ParseDecimal(length, &document_length)) {
    return corrupt("malformed header");
  }
  if (document_length != rest.size()) return corrupt("document length does not match the file");
  if (ContentEtag(rest) != etag) return corrupt("document does not match its etag");
  out.etag = std::string(etag);
  out.document_etag = std::string(document_etag);
  out.document = std::string(rest);
  return out;
}

}  // namespace hearth_agent
