#include "tests/fakes/temp_dir.h"

#include <stdlib.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "gtest/gtest.h"

namespace hearth::testing {

TempDir::TempDir() {
  const char* base = getenv("TEST_TMPDIR");
  std::string tmpl = std::string(base ? base : "/tmp") + "/hearth-test-XXXXXX";
  char* made = mkdtemp(tmpl.data());
  if (made == nullptr) {
    ADD_FAILURE() << "mkdtemp failed";
    abort();
  }
  path_ = made;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::string TempDir::Path(std::string_view rel) const {
  return rel.empty() ? path_ : path_ + "/" + std::string(rel);
}

void TempDir::MakeDirs(std::string_view rel) const {
  std::error_code ec;
  std::filesystem::create_directories(Path(rel), ec);
  if (ec) ADD_FAILURE() << "create_directories " << Path(rel) << ": " << ec.message();
}

void TempDir::Write(std::string_view rel, std::string_view content) const {
  std::filesystem::path p(Path(rel));
  std::error_code ec;
  std::filesystem::create_directories(p.parent_path(), ec);
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out.write(content.data(), static_cast<std::streamsize>(content.size()));
  if (!out) ADD_FAILURE() << "write " << p;
}

void TempDir::WriteAtomic(std::string_view rel, std::string_view content) const {
  std::string tmp = std::string(rel) + ".tmp~";
  Write(tmp, content);
  if (std::rename(Path(tmp).c_str(), Path(rel).c_str()) != 0) ADD_FAILURE() << "rename " << rel;
}

void TempDir::Remove(std::string_view rel) const {
  std::error_code ec;
  std::filesystem::remove_all(Path(rel), ec);
}

}  // namespace hearth::testing
