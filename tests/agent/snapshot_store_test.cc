#include "client/agent/snapshot_store.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace hearth_agent {
namespace {

using ::testing::HasSubstr;

// A fresh directory under the test temp dir, removed (with its files) at the end.
class SnapshotStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = ::testing::TempDir() + "/snapshot_store_test.XXXXXX";
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override {
    for (const std::string& name : Entries()) unlink((dir_ + "/" + name).c_str());
    rmdir(dir_.c_str());
  }

  std::vector<std::string> Entries() const {
    std::vector<std::string> names;
    DIR* d = opendir(dir_.c_str());
    if (d == nullptr) return names;
    while (dirent* e = readdir(d)) {
      const std::string name = e->d_name;
      if (name != "." && name != "..") names.push_back(name);
    }
    closedir(d);
    return names;
  }

  std::string Read(const std::string& name) const {
    std::ifstream in(dir_ + "/" + name, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }
  void Write(const std::string& name, const std::string& bytes) const {
    std::ofstream out(dir_ + "/" + name, std::ios::binary | std::ios::trunc);
    out << bytes;
  }

  static Snapshot Make(std::string document, uint64_t revision) {
    Snapshot s;
    s.etag = ContentEtag(document);
    s.document_etag = "0123456789abcdef0123456789abcdef";
    s.revision = revision;
    s.document = std::move(document);
    return s;
  }

  std::string dir_;
};

TEST(ContentEtagTest, MatchesHearthdEtags) {
  // XXH3-128 of the empty input (xxHash's test vector), high 64 bits first.
  EXPECT_EQ(ContentEtag(""), "99aa06d3014798d86001c324468d497f");
  // What hearthd serves for this document (docs/api.md, GetConfig of payments db.pool).
  EXPECT_EQ(ContentEtag(R"({"max":20,"min":2})"), "25cd9c8a2f95fb2af31d9c490fc4d461");
}

TEST_F(SnapshotStoreTest, SaveThenLoadRoundTrips) {
  SnapshotStore store(dir_);
  // Binary-safe: NUL, newlines, and text that looks like a header.
  static constexpr char kDocument[] = "{\"a\":1}\n\0length 3\nhearth-agent-snapshot 1\n";
  const Snapshot saved = Make(std::string(kDocument, sizeof(kDocument) - 1), 42);
  ASSERT_TRUE(store.Save("web.nginx_1-a", saved).ok());
  absl::StatusOr<Snapshot> loaded = store.Load("web.nginx_1-a");
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ(loaded->etag, saved.etag);
  EXPECT_EQ(loaded->document_etag, saved.document_etag);
  EXPECT_EQ(loaded->revision, 42u);
  EXPECT_EQ(loaded->document, saved.document);
  // One file, private, no temp left behind.
  EXPECT_THAT(Entries(), ::testing::ElementsAre("web.nginx_1-a.snapshot"));
  struct stat st;
  ASSERT_EQ(stat((dir_ + "/web.nginx_1-a.snapshot").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0600u);
  EXPECT_EQ(Read("web.nginx_1-a.snapshot").rfind("hearth-agent-snapshot 1\n", 0), 0u);
}

TEST_F(SnapshotStoreTest, EmptyDocumentAndSecondSaveReplaces) {
  SnapshotStore store(dir_);
  ASSERT_TRUE(store.Save("x", Make("", 1)).ok());
  ASSERT_TRUE(store.Save("x", Make("second", 2)).ok());
  absl::StatusOr<Snapshot> loaded = store.Load("x");
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ(loaded->document, "second");
  EXPECT_EQ(loaded->revision, 2u);
  EXPECT_EQ(Entries().size(), 1u);
}

TEST_F(SnapshotStoreTest, MissingIsNotFound) {
  SnapshotStore store(dir_);
  EXPECT_TRUE(absl::IsNotFound(store.Load("none").status()));
}

TEST_F(SnapshotStoreTest, RefusesIdsThatLeaveTheDirectory) {
  SnapshotStore store(dir_);
  for (const std::string& id :
       std::vector<std::string>{"../x", "a/b", ".hidden", "..", "", std::string("a\0b", 3)}) {
    EXPECT_TRUE(absl::IsInvalidArgument(store.Save(id, Make("{}", 1))));
    EXPECT_TRUE(absl::IsInvalidArgument(store.Load(id).status()));
  }
  EXPECT_TRUE(Entries().empty());
}

TEST_F(SnapshotStoreTest, SaveRefusesWhatLoadWouldReject) {
  SnapshotStore store(dir_);
  Snapshot wrong_etag = Make("{}", 1);
  wrong_etag.etag = ContentEtag("other");
  EXPECT_TRUE(absl::IsInvalidArgument(store.Save("x", wrong_etag)));
  Snapshot two_lines = Make("{}", 1);
  two_lines.document_etag = "abc\nlength 0";
  EXPECT_TRUE(absl::IsInvalidArgument(store.Save("x", two_lines)));
  EXPECT_TRUE(Entries().empty());
}

TEST_F(SnapshotStoreTest, SaveIntoMissingDirectoryFails) {
  SnapshotStore store(dir_ + "/no/such/dir");
  const absl::Status status = store.Save("x", Make("{}", 1));
  EXPECT_TRUE(absl::IsNotFound(status)) << status;
  EXPECT_THAT(status.message(), HasSubstr(dir_ + "/no/such/dir"));
}

// Every damaged file is DATA_LOSS, never a snapshot.
TEST_F(SnapshotStoreTest, DamagedFilesAreDataLoss) {
  SnapshotStore store(dir_);
  ASSERT_TRUE(store.Save("good", Make("{\"port\":8080}", 7)).ok());
  const std::string good = Read("good.snapshot");
  const size_t doc = good.find("{\"port\"");
  ASSERT_NE(doc, std::string::npos);

  std::vector<std::pair<std::string, std::string>> cases;
  cases.emplace_back("empty", "");
  cases.emplace_back("truncated document", good.substr(0, good.size() - 1));
  cases.emplace_back("truncated header", good.substr(0, doc - 3));
  cases.emplace_back("extra bytes", good + "x");
  std::string flipped = good;
  flipped[doc + 3] ^= 0x01;  // same length, different document: its etag no longer matches
  cases.emplace_back("corrupted document", flipped);
  std::string other_etag = good;
  const size_t etag = good.find("etag ") + 5;
  other_etag.replace(etag, 32, ContentEtag("something else"));
  cases.emplace_back("etag mismatch", other_etag);
  std::string bad_magic = good;
  bad_magic[0] = 'H';
  cases.emplace_back("bad magic", bad_magic);
  std::string bad_revision = good;
  bad_revision.replace(bad_revision.find("revision 7"), 10, "revision x");
  cases.emplace_back("bad revision", bad_revision);
  std::string bad_length = good;
  bad_length.replace(bad_length.find("length 13"), 9, "length 99");
  cases.emplace_back("bad length", bad_length);
  std::string uppercase_etag = good;
  for (size_t i = etag; i < etag + 32; ++i) uppercase_etag[i] = static_cast<char>(toupper(good[i]));
  cases.emplace_back("uppercase etag", uppercase_etag);
  cases.emplace_back("no newline at all", std::string(4096, 'a'));

  for (const auto& [what, bytes] : cases) {
    Write("bad.snapshot", bytes);
    const absl::StatusOr<Snapshot> loaded = store.Load("bad");
    EXPECT_TRUE(absl::IsDataLoss(loaded.status())) << what << ": " << loaded.status();
  }
  EXPECT_TRUE(store.Load("good").ok());  // the good one still loads
}

TEST_F(SnapshotStoreTest, OversizeFileIsDataLoss) {
  SnapshotStore store(dir_);
  // Sparse: 64 MiB + 1 bytes of size without writing them.
  const std::string path = dir_ + "/big.snapshot";
  const int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(ftruncate(fd, (off_t{64} << 20) + 1), 0);
  close(fd);
  const absl::StatusOr<Snapshot> loaded = store.Load("big");
  EXPECT_TRUE(absl::IsDataLoss(loaded.status())) << loaded.status();
  EXPECT_THAT(loaded.status().message(), HasSubstr("67108864"));
}

TEST_F(SnapshotStoreTest, DirectoryInPlaceOfFileIsDataLoss) {
  SnapshotStore store(dir_);
  ASSERT_EQ(mkdir((dir_ + "/d.snapshot").c_str(), 0700), 0);
  EXPECT_TRUE(absl::IsDataLoss(store.Load("d").status()));
  rmdir((dir_ + "/d.snapshot").c_str());
}

}  // namespace
}  // namespace hearth_agent
