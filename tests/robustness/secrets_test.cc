// Secret values in messages (issue 7, item 7). Errors travel to logs, to GetConfig/List/Watch
// `errors`, to ValidateConfig and to hearthctl, so they must never quote a config value.
// Promise: errors say where (file:line:col, relative to the root) and what kind of problem, never
// the value; keys in messages are cut to a sane length.
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tests/robustness/robustness_fixture.h"

namespace hearth::robustness {
namespace {

using testing::TempDir;

// The longest error message we accept (a file:line:col, a kind of problem, a cut key).
constexpr size_t kMaxErrorBytes = 1024;

struct Case {
  std::string config;  // directory
  std::string file;    // file name inside it
  std::string content;
  std::string secret;  // must appear in no message
};

std::vector<Case> Cases() {
  const std::string digits = "31415926535897932384626433832795028841971";
  std::string deep_key;
  while (deep_key.size() < 200 * 1024) deep_key += "SECRETKEYPART__";
  return {
      {"yamlint", "a.yaml", "user: admin\npassword: !!int hunter2\n", "hunter2"},
      {"yamlfloat", "a.yaml", "password: !!float swordfish42\n", "swordfish42"},
      {"yamlbool", "a.yaml", "token: !!bool opensesame99\n", "opensesame99"},
      {"tomlbig", "a.toml", "n = " + digits + "\n", digits.substr(0, 16)},
      {"jsonbig", "a.json", "{\"n\": " + digits + "}\n", digits.substr(0, 16)},
      {"yamlbig", "a.yaml", "n: " + digits + "\n", digits.substr(0, 16)},
      // The key is 200 KB of "__"-separated levels: too deep, and too long to echo.
      {"deepenv", "a.env", deep_key + "=envsecretvalue777\n", "envsecretvalue777"},
  };
}

// Checks one message: no secret, bounded, no absolute root path.
void CheckMessage(const std::string& where, const std::string& message, const Case& c,
                  const std::string& root) {
  EXPECT_EQ(message.find(c.secret), std::string::npos)
      << "promise broken: no config value in any message; " << where << " for " << c.config << "/"
      << c.file << " quotes it: " << message.substr(0, 300);
  EXPECT_LE(message.size(), kMaxErrorBytes)
      << "promise broken: keys in messages are cut to a sane length; " << where << " for "
      << c.config << " is " << message.size() << " bytes";
  EXPECT_EQ(message.find(root), std::string::npos)
      << "promise broken: paths in errors are relative to their root; " << where << ": "
      << message.substr(0, 300);
}

TEST(SecretsTest, ErrorsNeverQuoteValuesOnDiskNorInValidateConfig) {
  TempDir root;
  const std::vector<Case> cases = Cases();
  root.Write("keep/a.toml", "x = 1\n");
  for (const Case& c : cases) root.Write(c.config + "/" + c.file, c.content);
  HostileDaemon daemon(root.path());
  ASSERT_TRUE(daemon.WaitServing()) << daemon.log_tail();

  for (const Case& c : cases) {
    SCOPED_TRACE(c.config);
    // From disk: the config has an error (and never a document with the bad value coerced).
    v1::GetConfigResponse r;
    grpc::Status s = daemon.Get(c.config, &r);
    if (s.ok()) {
      EXPECT_GT(r.errors_size(), 0) << "setup: '" << c.config << "' built without an error";
      for (const std::string& e : r.errors()) CheckMessage("GetConfig errors", e, c, root.path());
    } else {
      CheckMessage("GetConfig status", s.error_message(), c, root.path());
    }
    // Through ValidateConfig: the same content as a candidate.
    grpc::ClientContext ctx;
    ctx.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
    v1::ValidateConfigRequest req;
    req.set_name(c.config);
    req.set_replace_on_disk(true);
    v1::CandidateFile* f = req.add_files();
    f->set_file_name(c.file);
    f->set_content(c.content);
    v1::ValidateConfigResponse resp;
    grpc::Status vs = daemon.stub()->ValidateConfig(&ctx, req, &resp);
    if (vs.ok()) {
      EXPECT_FALSE(resp.valid()) << "setup: the candidate for '" << c.config << "' was valid";
      for (const std::string& e : resp.errors())
        CheckMessage("ValidateConfig errors", e, c, root.path());
      for (const auto& d : resp.diagnostics())
        CheckMessage("ValidateConfig diagnostics", d.message(), c, root.path());
    } else {
      CheckMessage("ValidateConfig status", vs.error_message(), c, root.path());
    }
  }
  // List and the log carry the same errors.
  auto list = daemon.List();
  ASSERT_TRUE(list.has_value());
  const std::string log = daemon.log();
  for (const Case& c : cases) {
    for (const auto& info : *list) {
      if (info.name() != c.config) continue;
      for (const std::string& e : info.errors())
        CheckMessage("ListConfigs errors", e, c, root.path());
    }
    EXPECT_EQ(log.find(c.secret), std::string::npos)
        << "promise broken: no config value in the log; the log quotes " << c.config << "'s value";
  }
  const Served keep = Capture(daemon, "keep");
  EXPECT_TRUE(daemon.ServesCorrectly(keep.name, keep.json, keep.etag));
}

TEST(SecretsTest, ErrorsInWatchEventsNeverQuoteValues) {
  TempDir root;
  root.Write("s/a.yaml", "password: ok\n");
  HostileDaemon daemon(root.path());
  ASSERT_TRUE(daemon.WaitServing()) << daemon.log_tail();
  v1::WatchConfigsRequest req;
  req.add_names("s");
  req.set_include_json(true);
  WatchCollector watch(daemon.stub(), req);
  ASSERT_TRUE(watch.Next(IsSnapshotEnd()));
  const Case c{"s", "a.yaml", "password: !!int hunter2\n", "hunter2"};
  root.WriteAtomic("s/a.yaml", c.content);
  auto error = watch.Next(IsEvent(v1::WATCH_EVENT_TYPE_ERROR, "s"), absl::Seconds(5));
  ASSERT_TRUE(error.has_value()) << "setup: no ERROR event for the bad edit\n" << daemon.log_tail();
  for (const std::string& e : error->errors())
    CheckMessage("WatchConfigs errors", e, c, root.path());
  EXPECT_EQ(error->json().find(c.secret), std::string::npos);
}

}  // namespace
}  // namespace hearth::robustness
