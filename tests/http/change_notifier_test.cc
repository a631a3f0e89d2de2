// One-shot wake-ups for blocking GETs (server/http/change_notifier.cc): a subscriber is called
// once after its config's next change, only for that config, and the number waiting is bounded.

#include "server/http/change_notifier.h"

#include <memory>
#include <string>

#include "gtest/gtest.h"
#include "server/core/build/config_version.h"

namespace hearth::http {
namespace {

std::shared_ptr<const ConfigVersion> Version(const std::string& name, const std::string& json) {
  auto v = std::make_shared<ConfigVersion>();
  v->name = name;
  RenderedDocument doc;
  doc.json = std::make_shared<const std::string>(json);
  doc.etag = json;
  v->variants.push_back(std::move(doc));
  v->content_hash = json;
  return v;
}

TEST(ChangeNotifierTest, WakesOnceForItsConfigOnly) {
  ConfigStore store(ConfigStore::Options{});
  ChangeNotifier notifier(&store, 10);
  int a = 0, b = 0;
  ASSERT_NE(notifier.Subscribe("a", [&] { ++a; }), 0u);
  ASSERT_NE(notifier.Subscribe("b", [&] { ++b; }), 0u);
  EXPECT_EQ(notifier.waiting(), 2u);
  store.Publish(Version("a", "1"));
  EXPECT_EQ(a, 1);
  EXPECT_EQ(b, 0);
  store.Publish(Version("a", "2"));
  EXPECT_EQ(a, 1) << "one-shot";
  EXPECT_EQ(notifier.waiting(), 1u);
  store.RecordError("b", {"b/x.toml:1:1: bad"});
  EXPECT_EQ(b, 1) << "an error is a change too (the answer's headers change)";
}

TEST(ChangeNotifierTest, UnsubscribeAndBound) {
  ConfigStore store(ConfigStore::Options{});
  ChangeNotifier notifier(&store, 2);
  int woken = 0;
  const uint64_t first = notifier.Subscribe("a", [&] { ++woken; });
  ASSERT_NE(notifier.Subscribe("a", [&] { ++woken; }), 0u);
  EXPECT_EQ(notifier.Subscribe("a", [&] { ++woken; }), 0u) << "max_waiters";
  notifier.Unsubscribe(first);
  notifier.Unsubscribe(first);  // twice is fine
  store.Publish(Version("a", "1"));
  EXPECT_EQ(woken, 1);
  notifier.Detach();
  ASSERT_NE(notifier.Subscribe("a", [&] { ++woken; }), 0u);
  store.Publish(Version("a", "2"));
  EXPECT_EQ(woken, 1) << "detached: no more wake-ups";
}

}  // namespace
}  // namespace hearth::http
