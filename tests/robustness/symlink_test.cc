// Symlinks out of the root (issue 7, item 3). A check-then-open (realpath, then open() following
// the link again) can be raced by flipping the link between the two; and `_schema.json` must be
// opened the same safe way as config files.
// Promise: nothing outside a root is ever served or quoted, in documents, errors or logs.
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <random>
#include <string>
#include <thread>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/robustness/robustness_fixture.h"

extern char** environ;

namespace hearth::robustness {
namespace {

using testing::TempDir;

std::string UniqueMarker(const std::string& prefix) {
  std::random_device rd;
  return absl::StrCat(prefix, rd(), rd());
}

bool Leaks(const v1::WatchConfigsResponse& e, const std::string& marker) {
  if (e.json().find(marker) != std::string::npos) return true;
  for (const std::string& err : e.errors()) {
    if (err.find(marker) != std::string::npos) return true;
  }
  return false;
}

TEST(SymlinkTest, FlipRaceNeverPublishesAnOutsideByte) {
  TempDir root, outside;
  const std::string marker = UniqueMarker("OUTSIDEMARKER");
  outside.Write("secret.env", "SECRET=" + marker + "\n");
  root.Write("keep/a.toml", "x = 1\n");
  root.Write("app/inside.txt", "SAFE=inside\n");
  ASSERT_EQ(symlink("inside.txt", root.Path("app/app.env").c_str()), 0);
  HostileDaemon daemon(root.path());
  ASSERT_TRUE(daemon.WaitServing()) << daemon.log_tail();
  const Served keep = Capture(daemon, "keep");
  const Served app = Capture(daemon, "app");
  ASSERT_EQ(app.json, R"({"safe":"inside"})");

  v1::WatchConfigsRequest req;
  req.set_include_json(true);
  WatchCollector watch(daemon.stub(), req);
  ASSERT_TRUE(watch.Next(IsSnapshotEnd()));

  // The attacker: rename a fresh symlink over app/app.env, alternating inside / outside.
  std::atomic<bool> stop{false};
  std::atomic<int> flips{0};
  std::thread flipper([&] {
    const std::string tmp = root.Path("app/.flip"), link = root.Path("app/app.env");
    const std::string targets[] = {"inside.txt", outside.Path("secret.env")};
    for (int i = 0; !stop.load(); ++i) {
      unlink(tmp.c_str());
      if (symlink(targets[i % 2].c_str(), tmp.c_str()) != 0) continue;
      if (std::rename(tmp.c_str(), link.c_str()) == 0) ++flips;
    }
  });
  // A reader polling GetConfig at the same time.
  std::atomic<int> get_leaks{0}, gets{0};
  std::thread reader([&] {
    while (!stop.load()) {
      v1::GetConfigResponse r;
      if (daemon.Get("app", &r, "", absl::Seconds(2)).ok()) {
        ++gets;
        if (r.json().find(marker) != std::string::npos) ++get_leaks;
        for (const std::string& e : r.errors()) {
          if (e.find(marker) != std::string::npos) ++get_leaks;
        }
      }
    }
  });
  absl::SleepFor(absl::Seconds(3));
  stop = true;
  flipper.join();
  reader.join();

  // Settle on the inside target and wait for it to be served.
  const std::string tmp = root.Path("app/.flip");
  unlink(tmp.c_str());
  ASSERT_EQ(symlink("inside.txt", tmp.c_str()), 0);
  ASSERT_EQ(std::rename(tmp.c_str(), root.Path("app/app.env").c_str()), 0);
  root.Write("app/zz.toml", "settled = true\n");
  EXPECT_TRUE(Eventually(
      [&] {
        v1::GetConfigResponse r;
        return daemon.Get("app", &r, "", absl::Seconds(1)).ok() &&
               r.json() == R"({"safe":"inside","settled":true})";
      },
      absl::Seconds(10)))
      << "promise broken: after the race the inside target must be served again\n"
      << daemon.log_tail();

  const std::vector<v1::WatchConfigsResponse> events = watch.All();
  int leaked = 0;
  std::string first_leak;
  for (const auto& e : events) {
    if (Leaks(e, marker)) {
      if (leaked++ == 0) first_leak = e.DebugString().substr(0, 300);
    }
  }
  std::cerr << "[flip race] " << flips.load() << " flips, " << events.size() << " watch events, "
            << gets.load() << " GetConfig reads\n";
  EXPECT_GT(flips.load(), 1000) << "setup: the race did not run";
  EXPECT_GT(events.size(), 3u) << "setup: the watcher saw no rebuilds during the race";
  EXPECT_EQ(leaked, 0) << "promise broken: nothing outside the root is ever served; " << leaked
                       << " watch events carried the outside file's bytes, the first: "
                       << first_leak;
  EXPECT_EQ(get_leaks.load(), 0) << "promise broken: GetConfig served the outside file's bytes";
  EXPECT_EQ(daemon.log().find(marker), std::string::npos)
      << "promise broken: the outside file's bytes reached the daemon's log";
  EXPECT_TRUE(daemon.ServesCorrectly(keep.name, keep.json, keep.etag));
}

// Every error and the log of `daemon`, for leak checks.
std::string EverythingSaid(HostileDaemon& daemon) {
  std::string all = daemon.log();
  if (auto list = daemon.List()) {
    for (const auto& c : *list) {
      for (const std::string& e : c.errors()) all += e + "\n";
    }
  }
  return all;
}

TEST(SymlinkTest, SchemaSymlinkOutsideTheRootIsRefusedAndNeverQuoted) {
  TempDir root, outside;
  const std::string marker = UniqueMarker("SCHEMAMARKER");
  // A valid schema whose error would name the marker: "missing required property ...".
  outside.Write("schema.json", R"({"type":"object","required":[")" + marker + R"("]})");
  root.Write("keep/a.toml", "x = 1\n");
  root.Write("b/a.toml", "x = 1\n");
  ASSERT_EQ(symlink(outside.Path("schema.json").c_str(), root.Path("b/_schema.json").c_str()), 0);
  // An inside schema symlink keeps working (ConfigMap volumes are all symlinks).
  root.Write("c/a.toml", "port = 1\n");
  root.Write("c/_real.json", R"({"type":"object","properties":{"port":{"type":"integer"}}})");
  ASSERT_EQ(symlink("_real.json", root.Path("c/_schema.json").c_str()), 0);
  HostileDaemon daemon(root.path());
  ASSERT_TRUE(daemon.WaitServing()) << daemon.log_tail();

  v1::GetConfigResponse b;
  grpc::Status s = daemon.Get("b", &b);
  EXPECT_FALSE(s.ok() && b.errors_size() == 0)
      << "promise broken: a _schema.json symlink leading outside the root must be refused (an "
         "error on the config), not applied";
  EXPECT_EQ(EverythingSaid(daemon).find(marker), std::string::npos)
      << "promise broken: the outside schema's bytes appeared in an error or the log";
  v1::GetConfigResponse c;
  EXPECT_TRUE(daemon.Get("c", &c).ok() && c.errors_size() == 0 && !c.schema().empty())
      << "promise broken (regression): a _schema.json symlink inside the root must keep working";
  const Served keep = Capture(daemon, "keep");
  EXPECT_TRUE(daemon.ServesCorrectly(keep.name, keep.json, keep.etag));
}

TEST(SymlinkTest, SchemaSymlinkToProcSelfEnvironNeverLeaksTheEnvironment) {
  TempDir root;
  // The daemon's environment starts with the marker, so /proc/self/environ does too: even a
  // parser error quoting only the first byte ("unexpected 'Z'") is a leak we can see.
  const std::string marker = UniqueMarker("ZENVMARKER");
  const std::string first_byte = "'" + marker.substr(0, 1) + "'";
  root.Write("keep/a.toml", "x = 1\n");
  root.Write("b/a.toml", "x = 1\n");
  ASSERT_EQ(symlink("/proc/self/environ", root.Path("b/_schema.json").c_str()), 0);
  root.Write("e/a.toml", "x = 1\n");
  ASSERT_EQ(symlink("/proc/self/environ", root.Path("e/z.env").c_str()), 0);
  std::vector<std::string> env = {marker + "=1"};
  for (char** e = environ; *e != nullptr; ++e) env.emplace_back(*e);
  std::vector<char*> envp;
  for (std::string& e : env) envp.push_back(e.data());
  envp.push_back(nullptr);
  char** saved = environ;
  environ = envp.data();  // the Subprocess spawns with `environ`
  HostileDaemon daemon(root.path());
  environ = saved;
  ASSERT_TRUE(daemon.WaitServing()) << daemon.log_tail();
  for (const char* name : {"b", "e"}) {
    v1::GetConfigResponse r;
    grpc::Status s = daemon.Get(name, &r);
    EXPECT_FALSE(s.ok() && r.errors_size() == 0)
        << "promise broken: a symlink to /proc/self/environ in '" << name
        << "' must be refused (an error on the config)";
    EXPECT_EQ(r.json().find(marker), std::string::npos)
        << "promise broken: environment bytes were served in '" << name << "'";
  }
  const std::string said = EverythingSaid(daemon);
  EXPECT_EQ(said.find(marker), std::string::npos)
      << "promise broken: environment bytes (via /proc/self/environ) appeared in an error or log";
  const size_t quoted = said.find(first_byte);
  EXPECT_EQ(quoted, std::string::npos)
      << "promise broken: an error quotes the first byte of /proc/self/environ (the symlink was "
         "followed out of the root and read): ..."
      << said.substr(quoted == std::string::npos ? 0 : quoted - std::min<size_t>(quoted, 80), 120);
  const Served keep = Capture(daemon, "keep");
  EXPECT_TRUE(daemon.ServesCorrectly(keep.name, keep.json, keep.etag));
}

}  // namespace
}  // namespace hearth::robustness
