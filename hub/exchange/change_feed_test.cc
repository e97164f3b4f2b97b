#include "hub/exchange/change_feed.h"

#include <thread>

#include "gtest/gtest.h"

namespace truc::hub {
namespace {

Change Arrived(const std::string& doc, const std::string& agency) {
  return {.kind = Change::Kind::kArrived,
          .document_id = doc,
          .agency = agency,
          .urgency = truc::v1::URGENCY_EXPRESS};
}

TEST(ChangeFeedTest, EverySubscriberGetsEachChangeInOrder) {
  ChangeFeed feed;
  auto a = feed.Subscribe();
  auto b = feed.Subscribe();
  std::vector<std::string> observed;
  feed.Observe([&](const Change& c) { observed.push_back(c.agency); });
  feed.Publish(Arrived("D1", "000.07.00.H99"));
  feed.Publish(Arrived("D1", "000.21.30.H99"));
  bool lost = true;
  auto got = a->Next(absl::Seconds(1), &lost);
  EXPECT_FALSE(lost);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].seq, 1u);
  EXPECT_EQ(got[1].agency, "000.21.30.H99");
  EXPECT_EQ(b->Next(absl::Seconds(1), &lost).size(), 2u);
  EXPECT_EQ(observed,
            (std::vector<std::string>{"000.07.00.H99", "000.21.30.H99"}));
  // Nothing more: a wait times out empty.
  EXPECT_TRUE(a->Next(absl::Milliseconds(20), &lost).empty());
}

TEST(ChangeFeedTest, ASubscriberThatFallsBehindIsToldItLostChanges) {
  ChangeFeed feed;
  auto slow = feed.Subscribe(/*capacity=*/3);
  for (int i = 0; i < 5; ++i)
    feed.Publish(Arrived("D" + std::to_string(i), ""));
  bool lost = false;
  auto got = slow->Next(absl::Seconds(1), &lost);
  EXPECT_TRUE(lost);
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0].document_id, "D2") << "the oldest were dropped";
  feed.Publish(Arrived("D5", ""));
  got = slow->Next(absl::Seconds(1), &lost);
  EXPECT_FALSE(lost);
  EXPECT_EQ(got.size(), 1u);
}

TEST(ChangeFeedTest, AWaitingSubscriberWakesOnPublishAndOnClose) {
  ChangeFeed feed;
  auto s = feed.Subscribe();
  std::thread publisher([&] {
    absl::SleepFor(absl::Milliseconds(50));
    feed.Publish(Arrived("D1", "000.07.00.H99"));
  });
  bool lost = false;
  const absl::Time start = absl::Now();
  auto got = s->Next(absl::Seconds(10), &lost);
  publisher.join();
  EXPECT_EQ(got.size(), 1u);
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
  std::thread closer([&] {
    absl::SleepFor(absl::Milliseconds(50));
    feed.Close();
  });
  EXPECT_TRUE(s->Next(absl::Seconds(10), &lost).empty());
  closer.join();
  EXPECT_EQ(feed.subscribers(), 1u);
  s.reset();
  EXPECT_EQ(feed.subscribers(), 0u);
}

}  // namespace
}  // namespace truc::hub
