#include "hub/store/key_layout.h"

#include <algorithm>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>

#include "absl/strings/match.h"
#include "common/urgency.h"
#include "gtest/gtest.h"

namespace truc::hub::keys {
namespace {

TEST(KeyLayoutTest, EveryKeyBeginsWithItsTablesPrefix) {
  EXPECT_TRUE(absl::StartsWith(Agency("000.07.00.H99"), kAgencyPrefix));
  EXPECT_TRUE(absl::StartsWith(LastPoll("000.07.00.H99"), kLastPollPrefix));
  EXPECT_TRUE(absl::StartsWith(Document("D1"), kDocumentPrefix));
  EXPECT_TRUE(absl::StartsWith(Idempotency("s", "k"), kIdempotencyPrefix));
  EXPECT_TRUE(absl::StartsWith(Delivery("D1", "r"), kDeliveryPrefix));
  EXPECT_TRUE(absl::StartsWith(Queue("r", 0, 1, "D1"), kQueuePrefix));
  EXPECT_TRUE(absl::StartsWith(Pending(0, 1, "D1", "r"), kPendingPrefix));
  EXPECT_TRUE(absl::StartsWith(Refusal("D1", "r"), kRefusalPrefix));
  EXPECT_TRUE(absl::StartsWith(Sent("s", 1, "D1"), kSentPrefix));
  EXPECT_TRUE(absl::StartsWith(Recent(1, "D1"), kRecentPrefix));
  EXPECT_TRUE(absl::StartsWith(Account("an.op"), kAccountPrefix));
  EXPECT_TRUE(absl::StartsWith(Alert("late/D1/r"), kAlertPrefix));
  EXPECT_TRUE(absl::StartsWith(Notification(7), kNotificationPrefix));
  EXPECT_TRUE(absl::StartsWith(Digest("2026-12-01"), kDigestPrefix));
  EXPECT_TRUE(absl::StartsWith(AuditEvent(7), kAuditEventPrefix));
  EXPECT_TRUE(absl::StartsWith(AuditNode(1, 7), kAuditNodePrefix));
  EXPECT_TRUE(absl::StartsWith(AuditDocument("D1", 7), kAuditDocumentPrefix));
  EXPECT_TRUE(absl::StartsWith(AuditCheckpoint(7), kAuditCheckpointPrefix));
  EXPECT_TRUE(absl::StartsWith(CertificateRecord("3b53"), kCertificatePrefix));
  // No table's prefix begins another's: a scan of one never meets another.
  for (absl::string_view a : kTables) {
    for (absl::string_view b : kTables) {
      if (a != b) {
        EXPECT_FALSE(absl::StartsWith(b, a)) << a << " " << b;
      }
    }
  }
}

TEST(KeyLayoutTest, NumbersSortAsNumbers) {
  const uint64_t values[] = {0, 1, 255, 256, 65535, 1'000'000,
                             uint64_t{1} << 40, ~uint64_t{0}};
  for (size_t i = 0; i + 1 < std::size(values); ++i) {
    EXPECT_LT(EncodeFixed64(values[i]), EncodeFixed64(values[i + 1]));
    EXPECT_EQ(DecodeFixed64(EncodeFixed64(values[i])), values[i]);
  }
}

// A recipient's queue and the "not yet received" index read the most urgent
// first, then the oldest.
TEST(KeyLayoutTest, QueuesAndPendingSortByUrgencyThenTime) {
  const std::string express_late =
      Queue("000.21.30.H99", UrgencyRank(truc::v1::URGENCY_EXPRESS), 9, "D9");
  const std::string express_early =
      Queue("000.21.30.H99", UrgencyRank(truc::v1::URGENCY_EXPRESS_TIMED), 2,
            "D2");
  const std::string normal_early =
      Queue("000.21.30.H99", UrgencyRank(truc::v1::URGENCY_NORMAL), 1, "D1");
  EXPECT_LT(express_early, express_late);
  EXPECT_LT(express_late, normal_early);
  EXPECT_EQ(DocumentOfQueueKey(express_late, "000.21.30.H99"), "D9");

  const std::string p = Pending(1, 42, "20261122-abc", "000.07.00.H99");
  EXPECT_LT(Pending(0, 99, "Z", "x"), p);
  EXPECT_TRUE(absl::StartsWith(p, PendingRankPrefix(1)));
  PendingKey parsed;
  ASSERT_TRUE(ParsePendingKey(p, &parsed));
  EXPECT_EQ(parsed.rank, 1);
  EXPECT_EQ(parsed.time_micros, 42);
  EXPECT_EQ(parsed.document_id, "20261122-abc");
  EXPECT_EQ(parsed.recipient, "000.07.00.H99");
  EXPECT_FALSE(ParsePendingKey("p/", &parsed));
  EXPECT_FALSE(ParsePendingKey(Document("D1"), &parsed));
}

// The architecture page's storage table names exactly the tables the code
// has: the code is the one source, the page its picture.
TEST(KeyLayoutTest, TheArchitecturePageNamesEveryTable) {
  std::ifstream page(TRUC_SOURCE_DIR "/docs/ARCHITECTURE.md");
  ASSERT_TRUE(page) << "docs/ARCHITECTURE.md";
  std::stringstream text;
  text << page.rdbuf();
  std::set<std::string> documented;
  std::istringstream lines(text.str());
  std::string line;
  const std::regex key("`([a-z]/[^`<]*)");
  while (std::getline(lines, line)) {
    if (!absl::StartsWith(line, "| `")) continue;
    const std::string first = line.substr(0, line.find(" | "));
    for (std::sregex_iterator it(first.begin(), first.end(), key), end;
         it != end; ++it) {
      documented.insert((*it)[1]);
    }
  }
  std::set<std::string> coded;
  for (absl::string_view t : kTables) coded.insert(std::string(t));
  EXPECT_EQ(documented, coded);
}

}  // namespace
}  // namespace truc::hub::keys
