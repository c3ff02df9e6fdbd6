// core::LoadProgress (ext/core/progress.h): what a listener sees of a load.
#include "core/progress.h"

#include <gtest/gtest.h>

#include <thread>

namespace nsysexplain::core {
namespace {

TEST(LoadProgress, PartsCountRowsThenTheirWholeSpan) {
  LoadProgress::BeginLoad();
  auto t = LoadProgress::AddTable("K", {100, 50});
  auto n = LoadProgress::AddTable("N", {10});
  t->part(0)->fetch_add(30);
  t->EndPart(1);
  n->part(0)->fetch_add(25);  // more rows than the span (a bad hint): capped
  auto s = LoadProgress::Snapshot();
  ASSERT_EQ(s.size(), 2u);
  EXPECT_EQ(s[0].name, "K");
  EXPECT_EQ(s[0].done, 80u);
  EXPECT_EQ(s[0].total, 150u);
  EXPECT_FALSE(s[0].finished);
  EXPECT_EQ(s[1].done, 10u);
  t->EndPart(0);
  t->finished = true;
  s = LoadProgress::Snapshot();
  EXPECT_EQ(s[0].done, 150u);
  EXPECT_TRUE(s[0].finished);
  // A new load forgets the tables of the previous one; a listener's copy
  // (shared_ptr) stays valid.
  LoadProgress::BeginLoad();
  EXPECT_TRUE(LoadProgress::Snapshot().empty());
  EXPECT_EQ(t->spans.size(), 2u);
}

TEST(LoadProgress, ListeningIsOffUntilSomeoneListens) {
  EXPECT_FALSE(LoadProgress::Listening());
  LoadProgress::Listen(true);
  EXPECT_TRUE(LoadProgress::Listening());
  LoadProgress::Listen(false);
  EXPECT_FALSE(LoadProgress::Listening());
}

TEST(LoadProgress, ScopeSetsTheCounterOfThisThreadOnly) {
  std::atomic<uint64_t> a{0}, b{0};
  EXPECT_EQ(CurrentScanProgress(), nullptr);
  {
    ProgressScope pa(&a);
    EXPECT_EQ(CurrentScanProgress(), &a);
    std::thread([&] { EXPECT_EQ(CurrentScanProgress(), nullptr); }).join();
    {
      ProgressScope pb(&b);
      EXPECT_EQ(CurrentScanProgress(), &b);
    }
    EXPECT_EQ(CurrentScanProgress(), &a);
  }
  EXPECT_EQ(CurrentScanProgress(), nullptr);
}

}  // namespace
}  // namespace nsysexplain::core
