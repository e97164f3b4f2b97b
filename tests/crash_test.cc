// Crashes: kill -9 of the hub while a client sends, and of the agent
// between download and acknowledgement. What the hub acknowledged must be
// delivered, and nothing may stand twice in an inbox.
//
// TRUC_CRASH_ITERATIONS sets the number of hub kills (default 30; a long
// run: TRUC_CRASH_ITERATIONS=200 ctest -R Crash).
#include <atomic>
#include <map>
#include <random>
#include <set>
#include <thread>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/file_util.h"
#include "common/text_proto.h"
#include "gtest/gtest.h"
#include "tests/province.h"

namespace truc::testing {
namespace {

int Iterations(int fallback) {
  const char* env = getenv("TRUC_CRASH_ITERATIONS");
  int n = 0;
  if (env != nullptr && absl::SimpleAtoi(env, &n) && n > 0) return n;
  return fallback;
}

// Subject of every document in the agent's inbox -> how many times.
std::map<std::string, int> InboxSubjects(Province& p, const std::string& code) {
  std::map<std::string, int> count;
  for (const auto& id : p.Inbox(code)) {
    auto text = ReadFile(p.AgentDir(code) + "/inbox/" + id + "/envelope.txtpb");
    if (!text.ok()) continue;
    truc::v1::DocumentHeader h;
    if (ParseTextProto(*text, id, &h).ok()) count[h.subject()]++;
  }
  return count;
}

TEST(Crash, HubKilledWhileSendingLosesNothingAcknowledged) {
  Province p;
  p.StartHub();
  p.Register(kOffice, "Văn phòng UBND tỉnh Lạng Sơn");
  p.Register(kHealth, "Sở Y tế");
  p.StartAgent(kHealth);

  const int kills = Iterations(30);
  std::atomic<bool> stop{false};
  std::atomic<int> acknowledged{0};
  std::atomic<int> failed_attempts{0};
  std::mutex mu;
  std::map<int, std::string> acked_ids;  // number -> document id
  std::thread client([&] {
    for (int n = 1; !stop.load(); ++n) {
      const std::string key = absl::StrCat("so-", n);
      const std::string subject = absl::StrCat("Văn bản số ", n);
      // Retry the same number with the same key until the hub acknowledges.
      while (true) {
        auto sent = p.Send(kOffice, {kHealth}, subject, {{"vb.txt", subject}},
                           truc::v1::URGENCY_EXPRESS, key);
        if (sent.ok()) {
          std::lock_guard<std::mutex> lock(mu);
          acked_ids[n] = sent->document_id();
          acknowledged++;
          break;
        }
        failed_attempts++;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
    }
  });
  std::mt19937 rng(42);
  for (int i = 0; i < kills; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100 + rng() % 300));
    p.KillHub();
    p.StartHub();
  }
  stop = true;
  client.join();
  std::printf("hub killed %d times; %d sends acknowledged\n", kills,
              acknowledged.load());
  ASSERT_GT(acknowledged.load(), kills / 2);

  ASSERT_TRUE(
      WaitFor([&] { return p.Inbox(kHealth).size() >= acked_ids.size(); },
              std::chrono::seconds(120)))
      << p.Inbox(kHealth).size() << " of " << acked_ids.size()
      << " in the inbox";
  auto subjects = InboxSubjects(p, kHealth);
  for (const auto& [n, id] : acked_ids) {
    EXPECT_EQ(subjects[absl::StrCat("Văn bản số ", n)], 1)
        << "document number " << n;
  }
  EXPECT_EQ(p.Inbox(kHealth).size(), acked_ids.size())
      << "no duplicate and nothing extra";
  // Every one shows as arrived at the hub.
  for (const auto& [n, id] : acked_ids) {
    ASSERT_TRUE(WaitFor(
        [&, id = id] {
          auto s = p.Status(id);
          return s.ok() && s->received_count() == 1;
        },
        std::chrono::seconds(30)))
        << id;
  }
}

TEST(Crash, AgentKilledBetweenDownloadAndAcknowledgement) {
  Province p;
  p.StartHub();
  p.Register(kOffice, "Văn phòng UBND tỉnh Lạng Sơn");
  p.Register(kHealth, "Sở Y tế");
  int expected = 0;
  for (const char* point : {"after_download", "after_inbox"}) {
    for (int round = 0; round < 3; ++round) {
      const std::string subject = absl::StrCat("Hỏa tốc ", point, " ", round);
      auto sent = p.Send(kOffice, {kHealth}, subject,
                         {{"Công văn.pdf", std::string(300000, 'x')}});
      ASSERT_TRUE(sent.ok()) << sent.status();
      ++expected;
      p.StartAgent(kHealth, {{"TRUC_CRASH_POINT", point}});
      auto code = p.agent(kHealth)->Wait(std::chrono::seconds(30));
      ASSERT_TRUE(code.has_value()) << "the agent did not reach " << point;
      EXPECT_EQ(*code, 128 + SIGKILL) << point;
      // Restarted normally, it stores what is missing and acknowledges.
      p.StartAgent(kHealth);
      ASSERT_TRUE(WaitFor(
          [&] {
            auto s = p.Status(sent->document_id());
            return s.ok() && s->received_count() == 1;
          },
          std::chrono::seconds(30)))
          << point;
      EXPECT_EQ(InboxSubjects(p, kHealth)[subject], 1) << point;
      p.StopAgent(kHealth);
    }
  }
  // Random kill -9 of the agent while documents keep coming.
  p.StartAgent(kHealth);
  std::mt19937 rng(7);
  for (int i = 0; i < 10; ++i) {
    for (int j = 0; j < 3; ++j) {
      ASSERT_TRUE(p.Send(kOffice, {kHealth},
                         absl::StrCat("Văn bản ", i, "-", j),
                         {{"a.bin", std::string(100000 + rng() % 200000, 'y')}})
                      .ok());
      ++expected;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(rng() % 200));
    p.KillAgent(kHealth);
    p.StartAgent(kHealth);
  }
  ASSERT_TRUE(WaitFor(
      [&] { return static_cast<int>(p.Inbox(kHealth).size()) == expected; },
      std::chrono::seconds(60)))
      << p.Inbox(kHealth).size() << " of " << expected;
  for (const auto& [subject, n] : InboxSubjects(p, kHealth)) {
    EXPECT_EQ(n, 1) << subject;
  }
}

}  // namespace
}  // namespace truc::testing
