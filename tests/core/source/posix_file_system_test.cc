#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <string>
#include <thread>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/core/source/file_system.h"
#include "tests/fakes/temp_dir.h"

namespace hearth {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using testing::TempDir;

// Every case runs twice: with openat2 (where the kernel has it) and with the userland walk only.
class PosixFileSystemTest : public ::testing::TestWithParam<bool> {
 protected:
  PosixFileSystemTest()
      : fs_(GetParam() ? NewPosixFileSystem() : NewPosixFileSystemWithoutOpenat2ForTest()) {}

  absl::StatusOr<std::string> Read(const std::string& rel, bool allow_external = false) {
    absl::StatusOr<FileSystem::FileData> data =
        fs_->ReadFile(root_.path(), rel, 1 << 20, allow_external);
    if (!data.ok()) return data.status();
    return data->content;
  }
  void Link(const std::string& target, const std::string& rel) {
    ASSERT_EQ(symlink(target.c_str(), root_.Path(rel).c_str()), 0) << rel;
  }

  TempDir root_, outside_;
  FileSystemPtr fs_;
};

TEST_P(PosixFileSystemTest, ReadsPlainFilesAndInsideSymlinks) {
  root_.Write("a/x.toml", "x = 1\n");
  root_.Write("shared/y.toml", "y = 2\n");
  Link("../shared/y.toml", "a/y.toml");             // relative, through ".."
  Link(root_.Path("shared/y.toml"), "a/abs.toml");  // absolute, but inside the root
  Link("y.toml", "a/chain.toml");                   // a chain of links
  EXPECT_EQ(*Read("a/x.toml"), "x = 1\n");
  EXPECT_EQ(*Read("a/y.toml"), "y = 2\n");
  EXPECT_EQ(*Read("a/abs.toml"), "y = 2\n");
  EXPECT_EQ(*Read("a/chain.toml"), "y = 2\n");
}

TEST_P(PosixFileSystemTest, KubernetesConfigMapLayoutWorks) {
  root_.Write("app/..2024_01_01.1/app.yaml", "v: 1\n");
  root_.Write("app/..2024_01_01.1/sub/b.yaml", "b: 1\n");
  Link("..2024_01_01.1", "app/..data");
  Link("..data/app.yaml", "app/app.yaml");
  Link("..data/sub", "app/sub");
  EXPECT_EQ(*Read("app/app.yaml"), "v: 1\n");
  EXPECT_EQ(*Read("app/sub/b.yaml"), "b: 1\n");
  absl::StatusOr<std::vector<FileSystem::DirEntry>> entries =
      fs_->ListDir(root_.path(), "app", false);
  ASSERT_TRUE(entries.ok()) << entries.status();
  bool saw_sub = false;
  for (const auto& e : *entries) {
    if (e.name == "sub") {
      saw_sub = true;
      EXPECT_EQ(e.kind, FileSystem::Kind::kDirectory);
      EXPECT_TRUE(e.is_symlink);
    }
    if (e.name == "app.yaml") {
      EXPECT_EQ(e.kind, FileSystem::Kind::kFile);
    }
  }
  EXPECT_TRUE(saw_sub);
}

TEST_P(PosixFileSystemTest, SymlinksLeadingOutsideAreRefusedWithoutLeakingBytes) {
  outside_.Write("secret", "TOPSECRET\n");
  root_.MakeDirs("a");
  Link(outside_.Path("secret"), "a/abs.toml");
  Link("../../" + outside_.path().substr(outside_.path().rfind('/') + 1) + "/secret", "a/rel.toml");
  Link("/proc/self/environ", "a/_schema.json");
  Link(outside_.path(), "a/dir");
  for (const char* rel : {"a/abs.toml", "a/rel.toml", "a/_schema.json", "a/dir/secret"}) {
    absl::StatusOr<std::string> got = Read(rel);
    ASSERT_FALSE(got.ok()) << rel;
    EXPECT_TRUE(absl::IsFailedPrecondition(got.status()) || absl::IsNotFound(got.status()))
        << rel << ": " << got.status();
    EXPECT_THAT(std::string(got.status().message()), Not(HasSubstr("TOPSECRET")));
    EXPECT_THAT(std::string(got.status().message()), Not(HasSubstr(outside_.path())));
  }
  EXPECT_TRUE(absl::IsFailedPrecondition(Read("a/abs.toml").status()));
  absl::StatusOr<std::vector<FileSystem::DirEntry>> entries =
      fs_->ListDir(root_.path(), "a", false);
  ASSERT_TRUE(entries.ok());
  for (const auto& e : *entries) {
    EXPECT_EQ(e.kind, FileSystem::Kind::kOther) << e.name;
    EXPECT_TRUE(e.outside_root) << e.name;
  }
  EXPECT_FALSE(fs_->ListDir(root_.path(), "a/dir", false).ok());
  // --allow-external-symlinks: followed.
  EXPECT_EQ(*Read("a/abs.toml", true), "TOPSECRET\n");
  EXPECT_TRUE(fs_->ListDir(root_.path(), "a/dir", true).ok());
}

TEST_P(PosixFileSystemTest, FifoIsRefusedWithoutBlocking) {
  root_.MakeDirs("a");
  ASSERT_EQ(mkfifo(root_.Path("a/_schema.json").c_str(), 0644), 0);
  ASSERT_EQ(mkfifo(root_.Path("a/x.toml").c_str(), 0644), 0);
  const absl::Time start = absl::Now();
  absl::StatusOr<std::string> schema = Read("a/_schema.json");
  absl::StatusOr<std::string> config = Read("a/x.toml", /*allow_external=*/true);
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
  ASSERT_FALSE(schema.ok());
  EXPECT_TRUE(absl::IsInvalidArgument(schema.status())) << schema.status();
  EXPECT_THAT(std::string(schema.status().message()), HasSubstr("not a regular file"));
  ASSERT_FALSE(config.ok());
  EXPECT_TRUE(absl::IsInvalidArgument(config.status()));
}

TEST_P(PosixFileSystemTest, GoneIsNotFoundAndUnreadableIsNot) {
  root_.Write("a/x.toml", "x = 1\n");
  EXPECT_TRUE(absl::IsNotFound(Read("a/missing.toml").status()));
  EXPECT_TRUE(absl::IsNotFound(fs_->ListDir(root_.path(), "b", false).status()));
  EXPECT_TRUE(absl::IsNotFound(fs_->ListDir(root_.path(), "a/x.toml", false).status()));
  EXPECT_TRUE(absl::IsInvalidArgument(Read("a").status()));
  EXPECT_TRUE(absl::IsNotFound(fs_->ListDir(root_.path() + "/nope", "", false).status()));
  // The message names no path: the caller prefixes the name relative to the root.
  EXPECT_THAT(std::string(Read("a/missing.toml").status().message()), Not(HasSubstr(root_.path())));
}

TEST_P(PosixFileSystemTest, DotDotCannotClimbAboveTheRoot) {
  outside_.Write("secret", "TOPSECRET\n");
  root_.MakeDirs("a");
  Link("../../../../../../../../../../" + outside_.Path("secret").substr(1), "a/up.toml");
  absl::StatusOr<std::string> got = Read("a/up.toml");
  ASSERT_FALSE(got.ok());
  EXPECT_TRUE(absl::IsFailedPrecondition(got.status())) << got.status();
}

TEST_P(PosixFileSystemTest, SymlinkLoopsAreBounded) {
  root_.MakeDirs("a");
  Link("l2.toml", "a/l1.toml");
  Link("l1.toml", "a/l2.toml");
  absl::StatusOr<std::string> got = Read("a/l1.toml");
  ASSERT_FALSE(got.ok());
  EXPECT_TRUE(absl::IsFailedPrecondition(got.status())) << got.status();
}

TEST_P(PosixFileSystemTest, RootSymlinkIsFollowedAfterItIsRepointed) {
  TempDir base;
  base.Write("v1/a/x.toml", "v = 1\n");
  base.Write("v2/a/x.toml", "v = 2\n");
  ASSERT_EQ(symlink("v1", base.Path("root").c_str()), 0);
  auto read = [&] {
    absl::StatusOr<FileSystem::FileData> d =
        fs_->ReadFile(base.Path("root"), "a/x.toml", 100, false);
    return d.ok() ? d->content : d.status().ToString();
  };
  EXPECT_EQ(read(), "v = 1\n");
  ASSERT_EQ(symlink("v2", base.Path("root.tmp").c_str()), 0);
  ASSERT_EQ(rename(base.Path("root.tmp").c_str(), base.Path("root").c_str()), 0);
  EXPECT_EQ(read(), "v = 2\n");
  // An absolute link naming the root by its (new) real path stays inside.
  ASSERT_EQ(symlink(base.Path("v2/a/x.toml").c_str(), base.Path("v2/a/abs.toml").c_str()), 0);
  absl::StatusOr<FileSystem::FileData> abs =
      fs_->ReadFile(base.Path("root"), "a/abs.toml", 100, false);
  ASSERT_TRUE(abs.ok()) << abs.status();
  EXPECT_EQ(abs->content, "v = 2\n");
}

// The race of issue 7: a symlink flipped between an inside and an outside target, as fast as
// possible, while the file is read. No read may ever return the outside content.
TEST_P(PosixFileSystemTest, SymlinkFlipRaceNeverReadsOutside) {
  outside_.Write("secret", "TOPSECRET\n");
  root_.Write("a/inside", "inside\n");
  Link("inside", "a/app.env");
  std::atomic<bool> stop{false};
  std::thread flipper([&] {
    const std::string tmp = root_.Path("a/tmp");
    const std::string dst = root_.Path("a/app.env");
    const std::string out = outside_.Path("secret");
    for (int i = 0; !stop.load(); ++i) {
      unlink(tmp.c_str());
      if (symlink(i % 2 ? out.c_str() : "inside", tmp.c_str()) == 0)
        rename(tmp.c_str(), dst.c_str());
    }
  });
  int inside = 0;
  const absl::Time deadline = absl::Now() + absl::Milliseconds(700);
  while (absl::Now() < deadline) {
    absl::StatusOr<std::string> got = Read("a/app.env");
    if (got.ok()) {
      ASSERT_EQ(*got, "inside\n");
      ++inside;
    } else {
      ASSERT_THAT(std::string(got.status().message()), Not(HasSubstr("TOPSECRET")));
    }
  }
  stop.store(true);
  flipper.join();
  EXPECT_GT(inside, 0);
}

INSTANTIATE_TEST_SUITE_P(Resolvers, PosixFileSystemTest, ::testing::Bool(),
                         [](const ::testing::TestParamInfo<bool>& info) {
                           return info.param ? "Openat2" : "Walk";
                         });

}  // namespace
}  // namespace hearth
