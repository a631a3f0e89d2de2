#include "client/agent/atomic_file.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>
#include <utility>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace hearth_agent {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::MatchesRegex;

mode_t CurrentUmask() {
  const mode_t mask = umask(0);
  umask(mask);
  return mask;
}

class AtomicFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = ::testing::TempDir() + "/atomic_file_test.XXXXXX";
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override {
    for (const std::string& name : Entries()) {
      const std::string path = dir_ + "/" + name;
      if (unlink(path.c_str()) != 0) rmdir(path.c_str());
    }
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
    std::sort(names.begin(), names.end());
    return names;
  }

  static std::string Read(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }
  static void Write(const std::string& path, const std::string& bytes) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << bytes;
  }

  std::string dir_;
};

TEST_F(AtomicFileTest, StagesBesideDestinationThenCommits) {
  const std::string destination = dir_ + "/app.conf";
  absl::StatusOr<StagedFile> staged =
      StagedFile::Create(destination, "listen 80;\n", 0640, std::nullopt, std::nullopt);
  ASSERT_TRUE(staged.ok()) << staged.status();
  // Not visible yet; the temp file sits in the same directory under a hidden name.
  EXPECT_EQ(access(destination.c_str(), F_OK), -1);
  EXPECT_THAT(staged->path(), MatchesRegex(".*/\\.app\\.conf\\.hearth-[A-Za-z0-9]{6}"));
  EXPECT_EQ(staged->path().substr(0, dir_.size() + 1), dir_ + "/");
  EXPECT_EQ(Read(staged->path()), "listen 80;\n");
  struct stat st;
  ASSERT_EQ(stat(staged->path().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0640u);  // fchmod: the umask does not apply

  ASSERT_TRUE(staged->Commit().ok());
  EXPECT_EQ(Read(destination), "listen 80;\n");
  EXPECT_THAT(Entries(), ElementsAre("app.conf"));
  // A second commit is a caller bug, reported, not a crash.
  EXPECT_TRUE(absl::IsFailedPrecondition(staged->Commit()));
}

TEST_F(AtomicFileTest, CommitReplacesTheFileNotItsContents) {
  const std::string destination = dir_ + "/app.conf";
  Write(destination, "old contents\n");
  struct stat before;
  ASSERT_EQ(stat(destination.c_str(), &before), 0);
  // A reader that opened the old file keeps reading the old file: rename, not truncate+write.
  const int reader = open(destination.c_str(), O_RDONLY | O_CLOEXEC);
  ASSERT_GE(reader, 0);

  absl::StatusOr<StagedFile> staged =
      StagedFile::Create(destination, "new\n", 0644, std::nullopt, std::nullopt);
  ASSERT_TRUE(staged.ok()) << staged.status();
  EXPECT_EQ(Read(destination), "old contents\n");  // untouched until the commit
  ASSERT_TRUE(staged->Commit().ok());

  EXPECT_EQ(Read(destination), "new\n");
  struct stat after;
  ASSERT_EQ(stat(destination.c_str(), &after), 0);
  EXPECT_NE(after.st_ino, before.st_ino);
  char buffer[64];
  const ssize_t n = pread(reader, buffer, sizeof(buffer), 0);
  close(reader);
  EXPECT_EQ(std::string(buffer, n > 0 ? static_cast<size_t>(n) : 0), "old contents\n");
  EXPECT_THAT(Entries(), ElementsAre("app.conf"));
}

TEST_F(AtomicFileTest, UncommittedStagedFileLeavesNothingBehind) {
  const std::string destination = dir_ + "/app.conf";
  {
    absl::StatusOr<StagedFile> staged =
        StagedFile::Create(destination, "draft", 0600, std::nullopt, std::nullopt);
    ASSERT_TRUE(staged.ok()) << staged.status();
    EXPECT_EQ(Entries().size(), 1u);
  }
  EXPECT_TRUE(Entries().empty());
}

TEST_F(AtomicFileTest, MovesTransferTheTempFile) {
  const std::string destination = dir_ + "/app.conf";
  absl::StatusOr<StagedFile> a =
      StagedFile::Create(destination, "a", 0600, std::nullopt, std::nullopt);
  absl::StatusOr<StagedFile> b =
      StagedFile::Create(destination, "b", 0600, std::nullopt, std::nullopt);
  ASSERT_TRUE(a.ok() && b.ok());
  const std::string a_path = a->path();
  {
    StagedFile moved(std::move(*a));  // *a no longer owns the file
    EXPECT_EQ(moved.path(), a_path);
    // Assigning over an uncommitted file removes that one.
    moved = std::move(*b);
    EXPECT_EQ(access(a_path.c_str(), F_OK), -1);
    EXPECT_EQ(Entries().size(), 1u);
    ASSERT_TRUE(moved.Commit().ok());
  }
  EXPECT_EQ(Read(destination), "b");
  EXPECT_THAT(Entries(), ElementsAre("app.conf"));
}

TEST_F(AtomicFileTest, SetsOwnerWhenGiven) {
  const std::string destination = dir_ + "/owned.conf";
  absl::StatusOr<StagedFile> staged =
      StagedFile::Create(destination, "x", 0644, getuid(), getgid());
  ASSERT_TRUE(staged.ok()) << staged.status();
  ASSERT_TRUE(staged->Commit().ok());
  struct stat st;
  ASSERT_EQ(stat(destination.c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, getuid());
  EXPECT_EQ(st.st_gid, getgid());
  EXPECT_EQ(st.st_mode & 07777, 0644u);
}

TEST_F(AtomicFileTest, MissingDirectoryIsAnErrorNamingThePath) {
  const std::string destination = dir_ + "/no/such/dir/app.conf";
  absl::StatusOr<StagedFile> staged =
      StagedFile::Create(destination, "x", 0644, std::nullopt, std::nullopt);
  ASSERT_FALSE(staged.ok());
  EXPECT_TRUE(absl::IsNotFound(staged.status())) << staged.status();
  EXPECT_THAT(staged.status().message(), HasSubstr(destination));
  EXPECT_THAT(staged.status().message(), HasSubstr("No such file or directory"));
}

TEST_F(AtomicFileTest, RejectsPathsThatNameNoFile) {
  for (const std::string& bad :
       std::vector<std::string>{std::string(), dir_ + "/", dir_ + std::string("/a\0b", 4)}) {
    EXPECT_TRUE(absl::IsInvalidArgument(
        StagedFile::Create(bad, "x", 0644, std::nullopt, std::nullopt).status()));
  }
  EXPECT_TRUE(Entries().empty());
}

TEST_F(AtomicFileTest, CommitOntoADirectoryFailsAndCleansUp) {
  const std::string destination = dir_ + "/taken";
  ASSERT_EQ(mkdir(destination.c_str(), 0755), 0);
  ASSERT_EQ(mkdir((destination + "/child").c_str(), 0755), 0);  // not empty: rename(2) fails
  {
    absl::StatusOr<StagedFile> staged =
        StagedFile::Create(destination, "x", 0644, std::nullopt, std::nullopt);
    ASSERT_TRUE(staged.ok()) << staged.status();
    const absl::Status status = staged->Commit();
    EXPECT_FALSE(status.ok());
    EXPECT_THAT(status.message(), HasSubstr(destination));
  }
  rmdir((destination + "/child").c_str());
  EXPECT_THAT(Entries(), ElementsAre("taken"));  // the temp file is gone
}

TEST_F(AtomicFileTest, MakeDirectoriesCreatesMissingParentsOnce) {
  const std::string deep = dir_ + "/a/b/c";
  ASSERT_TRUE(MakeDirectories(deep, 0750).ok());
  struct stat st;
  ASSERT_EQ(stat(deep.c_str(), &st), 0);
  EXPECT_TRUE(S_ISDIR(st.st_mode));
  EXPECT_EQ(st.st_mode & 0777, 0750u & ~CurrentUmask());
  EXPECT_TRUE(MakeDirectories(deep, 0750).ok()) << "existing directories are fine";
  EXPECT_TRUE(MakeDirectories(deep + "/", 0750).ok());
  // A file in the way is an error naming where it stopped.
  std::ofstream(dir_ + "/file") << "x";
  const absl::Status blocked = MakeDirectories(dir_ + "/file/sub", 0755);
  EXPECT_FALSE(blocked.ok());
  EXPECT_THAT(std::string(blocked.message()), HasSubstr(dir_ + "/file"));
  EXPECT_FALSE(MakeDirectories(dir_ + "/file", 0755).ok());
  rmdir(deep.c_str());
  rmdir((dir_ + "/a/b").c_str());
}

TEST_F(AtomicFileTest, FileHoldsComparesContents) {
  const std::string path = dir_ + "/f";
  Write(path, "hello\n");
  EXPECT_TRUE(FileHolds(path, "hello\n"));
  EXPECT_FALSE(FileHolds(path, "HELLO\n"));   // same size, different bytes
  EXPECT_FALSE(FileHolds(path, "hello"));     // the file is longer
  EXPECT_FALSE(FileHolds(path, "hello\n!"));  // the file is shorter
  EXPECT_FALSE(FileHolds(dir_ + "/missing", ""));
  EXPECT_FALSE(FileHolds(dir_, ""));  // a directory is not a file

  Write(path, "");
  EXPECT_TRUE(FileHolds(path, ""));

  // Larger than one read, differing only in the last byte.
  std::string big(300 * 1024, 'x');
  Write(path, big);
  EXPECT_TRUE(FileHolds(path, big));
  big.back() = 'y';
  EXPECT_FALSE(FileHolds(path, big));
}

TEST_F(AtomicFileTest, FileHoldsFollowsAnOperatorsSymlink) {
  Write(dir_ + "/real", "contents");
  ASSERT_EQ(symlink((dir_ + "/real").c_str(), (dir_ + "/link").c_str()), 0);
  EXPECT_TRUE(FileHolds(dir_ + "/link", "contents"));
  EXPECT_FALSE(FileHolds(dir_ + "/link", "other!!!"));
}

TEST_F(AtomicFileTest, ReadFileAtMostEnforcesItsLimit) {
  const std::string path = dir_ + "/f";
  Write(path, "0123456789");
  absl::StatusOr<std::string> exact = ReadFileAtMost(path, 10);
  ASSERT_TRUE(exact.ok()) << exact.status();
  EXPECT_EQ(*exact, "0123456789");

  const absl::StatusOr<std::string> over = ReadFileAtMost(path, 9);
  EXPECT_TRUE(absl::IsOutOfRange(over.status())) << over.status();
  EXPECT_THAT(over.status().message(), HasSubstr("limit of 9 bytes"));
  EXPECT_THAT(over.status().message(), HasSubstr(path));

  EXPECT_TRUE(absl::IsNotFound(ReadFileAtMost(dir_ + "/missing", 10).status()));
  EXPECT_TRUE(absl::IsFailedPrecondition(ReadFileAtMost(dir_, 10).status()));
  ASSERT_EQ(mkfifo((dir_ + "/fifo").c_str(), 0600), 0);
  EXPECT_TRUE(absl::IsFailedPrecondition(ReadFileAtMost(dir_ + "/fifo", 10).status()));
}

}  // namespace
}  // namespace hearth_agent
