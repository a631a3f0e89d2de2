#include "server/core/model/packed_texts.h"

#include <zstd.h>

#include <cstdint>
#include <memory>

#include "absl/status/status.h"

namespace hearth {
namespace {

// Layout: varint count, count x varint size, one byte kRaw or kZstd, then the payload (the texts
// concatenated, or one zstd frame of them).
constexpr char kRaw = 0;
constexpr char kZstd = 1;
// Level 3 (zstd's default) packs small config files about 10% tighter than level 1 at a cost of a
// few microseconds per rebuild; both are far below a parse.
constexpr int kLevel = 3;
// The largest scratch buffers a thread keeps between calls.
constexpr size_t kMaxScratchBytes = size_t{1} << 20;

void PutVarint(uint64_t v, std::string* out) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

bool GetVarint(std::string_view* in, uint64_t* v) {
  uint64_t result = 0;
  for (int shift = 0; shift < 64 && !in->empty(); shift += 7) {
    const auto byte = static_cast<unsigned char>(in->front());
    in->remove_prefix(1);
    result |= uint64_t{byte & 0x7fu} << shift;
    if ((byte & 0x80) == 0) {
      *v = result;
      return true;
    }
  }
  return false;
}

struct Header {
  std::vector<uint64_t> sizes;
  uint64_t total = 0;
  char kind = kRaw;
  std::string_view payload;
};

bool ReadHeader(std::string_view in, Header* h) {
  if (in.empty()) return true;  // the empty list
  uint64_t count = 0;
  // Each size takes at least one byte, which bounds the count by what is stored.
  if (!GetVarint(&in, &count) || count > in.size()) return false;
  h->sizes.resize(count);
  for (uint64_t& size : h->sizes) {
    if (!GetVarint(&in, &size) || size > (uint64_t{1} << 40)) return false;
    h->total += size;
  }
  if (in.empty()) return false;
  h->kind = in.front();
  in.remove_prefix(1);
  h->payload = in;
  return h->kind == kZstd || (h->kind == kRaw && h->payload.size() == h->total);
}

struct CCtxDeleter {
  void operator()(ZSTD_CCtx* c) const { ZSTD_freeCCtx(c); }
};

// A window of 2^17 bytes: a config's files rarely repeat anything from farther back.
constexpr int kWindowLog = 17;

ZSTD_CCtx* NewCCtx() {
  ZSTD_CCtx* cctx = ZSTD_createCCtx();
  if (cctx == nullptr) return nullptr;
  if (ZSTD_isError(ZSTD_CCtx_setParameter(cctx, ZSTD_c_compressionLevel, kLevel)) ||
      ZSTD_isError(ZSTD_CCtx_setParameter(cctx, ZSTD_c_windowLog, kWindowLog))) {
    ZSTD_freeCCtx(cctx);
    return nullptr;
  }
  return cctx;
}

// One compression context per thread, its parameters fixed: creating one costs more than
// compressing a small file, and ZSTD_compressCCtx (which derives parameters from each input's
// size) would map and unmap a fresh 132 KB workspace on every rebuild.
ZSTD_CCtx* ThreadCCtx() {
  thread_local std::unique_ptr<ZSTD_CCtx, CCtxDeleter> cctx(NewCCtx());
  return cctx.get();
}

absl::Status Damaged() {
  return absl::DataLossError("the stored source text of this version is damaged");
}

}  // namespace

PackedTexts PackedTexts::Pack(absl::Span<const std::string> texts) {
  PackedTexts packed;
  if (texts.empty()) return packed;
  std::string header;
  size_t total = 0;
  PutVarint(texts.size(), &header);
  for (const std::string& t : texts) {
    PutVarint(t.size(), &header);
    total += t.size();
  }
  // Joined and compressed in per-thread scratch buffers, so that the one block kept is allocated
  // once at its exact size (no slack, and no freed buffer left as a hole beside it).
  thread_local std::string joined, frame;
  joined.clear();
  joined.reserve(total);
  for (const std::string& t : texts) joined.append(t);
  const size_t bound = ZSTD_compressBound(total);
  if (frame.size() < bound) frame.resize(bound);
  ZSTD_CCtx* cctx = ThreadCCtx();
  size_t n = 0;
  if (cctx != nullptr) n = ZSTD_compress2(cctx, frame.data(), bound, joined.data(), total);
  const bool compressed = cctx != nullptr && !ZSTD_isError(n) && n < total;
  const std::string_view payload =
      compressed ? std::string_view(frame.data(), n) : std::string_view(joined);
  std::string& out = packed.bytes_;
  out.reserve(header.size() + 1 + payload.size());
  out.append(header);
  out.push_back(compressed ? kZstd : kRaw);
  out.append(payload);
  if (joined.capacity() > kMaxScratchBytes) std::string().swap(joined);
  if (frame.capacity() > kMaxScratchBytes) std::string().swap(frame);
  return packed;
}

absl::StatusOr<std::vector<std::string>> PackedTexts::Unpack() const {
  Header h;
  if (!ReadHeader(bytes_, &h)) return Damaged();
  std::string joined;
  std::string_view all = h.payload;
  if (h.kind == kZstd) {
    const unsigned long long declared =
        ZSTD_getFrameContentSize(h.payload.data(), h.payload.size());
    if (declared != h.total) return Damaged();
    joined.resize(h.total);
    const size_t n =
        ZSTD_decompress(joined.data(), joined.size(), h.payload.data(), h.payload.size());
    if (ZSTD_isError(n) || n != h.total) return Damaged();
    all = joined;
  }
  std::vector<std::string> texts;
  texts.reserve(h.sizes.size());
  size_t at = 0;
  for (uint64_t size : h.sizes) {
    texts.emplace_back(all.substr(at, size));
    at += size;
  }
  return texts;
}

size_t PackedTexts::count() const {
  Header h;
  return ReadHeader(bytes_, &h) ? h.sizes.size() : 0;
}

size_t PackedTexts::original_bytes() const {
  Header h;
  return ReadHeader(bytes_, &h) ? h.total : 0;
}

}  // namespace hearth
