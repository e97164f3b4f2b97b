// The crossing's order of steps, against an end kept in memory that is
// told to fail a given operation once: what is marked crossed, answered
// with 02, carried again or cleared, when each step fails. (The real end,
// a truc hub, is exercised across processes in tests/federation_test.cc.)
#include "bridge/crossing.h"

#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/status_macros.h"
#include "common/test_util.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace truc::bridge {
namespace {

using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

// An end in memory. Documents stay offered until Crossed (or refused with
// 02 for every recipient); a document brought in again under the same key
// gets the same id; each operation named in `fail` fails once with that
// status, before doing anything.
class MemoryEnd : public End {
 public:
  explicit MemoryEnd(std::string name) : name_(std::move(name)) {}

  // A document waiting here, with its attachments.
  void Offer(const std::string& id, std::vector<std::string> files,
             std::vector<std::string> recipients) {
    Outgoing o;
    o.document_id = id;
    for (size_t i = 0; i < files.size(); ++i) {
      auto* a = o.header.add_attachments();
      a->set_name(absl::StrCat("Tệp ", i, ".pdf"));
      a->set_size(files[i].size());
    }
    o.header.SerializeToString(o.envelope.mutable_header());
    o.recipients = std::move(recipients);
    waiting_[id] = o;
    files_[id] = std::move(files);
  }

  const std::string& name() const override { return name_; }

  absl::StatusOr<std::vector<Outgoing>> Take(absl::Duration,
                                             size_t max) override {
    TRUC_RETURN_IF_ERROR(Fails("Take"));
    std::vector<Outgoing> out;
    for (const auto& [id, o] : waiting_) {
      if (out.size() < max) out.push_back(o);
    }
    return out;
  }
  absl::Status Read(const Outgoing& doc, int index,
                    const ChunkSink& sink) override {
    TRUC_RETURN_IF_ERROR(Fails("Read"));
    const std::string& bytes = files_[doc.document_id][index];
    // Two chunks, to see them put together in order.
    TRUC_RETURN_IF_ERROR(sink(bytes.substr(0, bytes.size() / 2)));
    return sink(bytes.substr(bytes.size() / 2));
  }
  absl::Status Crossed(const Outgoing& doc) override {
    TRUC_RETURN_IF_ERROR(Fails("Crossed"));
    waiting_.erase(doc.document_id);
    crossed_.push_back(doc.document_id);
    return absl::OkStatus();
  }
  absl::StatusOr<std::string> BringIn(const Outgoing& doc,
                                      const AttachmentSource& source) override {
    TRUC_RETURN_IF_ERROR(Fails("BringIn"));
    std::vector<std::string> files(doc.header.attachments_size());
    for (int i = 0; i < doc.header.attachments_size(); ++i) {
      TRUC_RETURN_IF_ERROR(source(i, [&](absl::string_view chunk) {
        files[i].append(chunk.data(), chunk.size());
        return absl::OkStatus();
      }));
    }
    auto [it, added] = keys_.try_emplace(
        doc.document_id, absl::StrCat("here-", keys_.size() + 1));
    if (added) stored_[it->second] = std::move(files);
    return it->second;
  }
  absl::StatusOr<std::vector<truc::v1::BridgeStatus>> StatusesToCarry(
      size_t max, absl::Duration) override {
    TRUC_RETURN_IF_ERROR(Fails("StatusesToCarry"));
    std::vector<truc::v1::BridgeStatus> out;
    for (const auto& s : to_carry_) {
      if (out.size() < max) out.push_back(s);
    }
    return out;
  }
  absl::Status StatusCarried(const truc::v1::BridgeStatus& s) override {
    TRUC_RETURN_IF_ERROR(Fails("StatusCarried"));
    std::erase_if(to_carry_, [&](const auto& t) {
      return t.document_id() == s.document_id() &&
             t.recipient() == s.recipient() && t.status() == s.status();
    });
    return absl::OkStatus();
  }
  absl::Status RecordStatus(const truc::v1::BridgeStatus& s) override {
    TRUC_RETURN_IF_ERROR(Fails("RecordStatus"));
    if (unreachable_.count(s.origin_document_id())) {
      return absl::UnavailableError("its hub is down");
    }
    bool arrived = false;
    for (const auto& r : recorded_) {
      if (r.origin_document_id() == s.origin_document_id() &&
          r.recipient() == s.recipient() && r.status() == s.status())
        return absl::OkStatus();  // recorded once
      arrived |= r.origin_document_id() == s.origin_document_id() &&
                 r.recipient() == s.recipient() &&
                 r.status() == truc::v1::EDXML_STATUS_ARRIVED;
    }
    // As at a hub: a read (03..06) only after the arrival.
    if (s.status() > truc::v1::EDXML_STATUS_REFUSED && !arrived) {
      return absl::FailedPreconditionError(
          absl::StrCat("document ", s.origin_document_id(),
                       " has not arrived at ", s.recipient(), " yet"));
    }
    recorded_.push_back(s);
    // A refusal before the arrival takes the recipient out of the queue,
    // as at a hub; the document leaves it with its last recipient.
    if (s.status() == truc::v1::EDXML_STATUS_REFUSED) {
      auto it = waiting_.find(s.origin_document_id());
      if (it != waiting_.end()) {
        std::erase(it->second.recipients, s.recipient());
        if (it->second.recipients.empty()) waiting_.erase(it);
      }
    }
    return absl::OkStatus();
  }

  absl::Status RecordLocation(const truc::v1::BridgeStatus& s) override {
    TRUC_RETURN_IF_ERROR(Fails("RecordLocation"));
    locations_[s.origin_document_id() + "/" + s.recipient()] = s.location();
    return absl::OkStatus();
  }
  absl::StatusOr<truc::v1::BridgeDirectoryResponse> DirectoryAfter(
      uint64_t version, size_t max) override {
    TRUC_RETURN_IF_ERROR(Fails("DirectoryAfter"));
    if (--pages_until_failure == 0) return absl::UnavailableError("down");
    truc::v1::BridgeDirectoryResponse out;
    out.set_version(version);
    for (const auto& [v, a] : directory_) {
      if (v <= version) continue;
      if (static_cast<size_t>(out.agencies_size()) == max) {
        out.set_more(true);
        break;
      }
      *out.add_agencies() = a;
      out.set_version(v);
    }
    return out;
  }
  absl::StatusOr<truc::v1::SyncDirectoryResponse> MirrorDirectory(
      const std::vector<truc::v1::Agency>& agencies,
      uint64_t upstream_version) override {
    TRUC_RETURN_IF_ERROR(Fails("MirrorDirectory"));
    truc::v1::SyncDirectoryResponse out;
    for (const auto& a : agencies) {
      out.set_added(out.added() + !mirrored_.count(a.code()));
      mirrored_[a.code()] = a.name();
    }
    if (upstream_version != 0) mirror_version_ = upstream_version;
    out.set_upstream_version(mirror_version_);
    return out;
  }

  std::map<std::string, absl::Status> fail;
  std::set<std::string> unreachable_;  // RecordStatus: UNAVAILABLE for these
  std::map<std::string, truc::v1::RemoteLocation> locations_;
  std::map<uint64_t, truc::v1::Agency> directory_;  // by version
  int pages_until_failure = -1;  // the DirectoryAfter call that fails
  std::map<std::string, std::string> mirrored_;  // code -> name
  uint64_t mirror_version_ = 0;
  std::map<std::string, Outgoing> waiting_;
  std::map<std::string, std::vector<std::string>> files_;
  std::map<std::string, std::string> keys_;  // key there -> id here
  std::map<std::string, std::vector<std::string>> stored_;
  std::vector<std::string> crossed_;
  std::vector<truc::v1::BridgeStatus> to_carry_;
  std::vector<truc::v1::BridgeStatus> recorded_;

 private:
  absl::Status Fails(const std::string& op) {
    auto it = fail.find(op);
    if (it == fail.end()) return absl::OkStatus();
    absl::Status s = it->second;
    fail.erase(it);
    return s;
  }
  std::string name_;
};

truc::v1::BridgeStatus Arrived(const std::string& id, const std::string& there,
                               const std::string& recipient) {
  truc::v1::BridgeStatus s;
  s.set_document_id(id);
  s.set_origin_document_id(there);
  s.set_recipient(recipient);
  s.set_status(truc::v1::EDXML_STATUS_ARRIVED);
  return s;
}

class CrossingTest : public ::testing::Test {
 protected:
  std::vector<std::string> lines_;
  EventLog log_{"truc-bridge", "",
                [this](const std::string& l) { lines_.push_back(l); }};
  MemoryEnd province_{"hub tỉnh"};
  MemoryEnd national_{"hub quốc gia"};
  Crossing up_{&province_, &national_, &log_};
  Crossing down_{&national_, &province_, &log_};
};

TEST_F(CrossingTest, ADocumentCrossesWholeAndOnlyThenIsMarkedCrossed) {
  province_.Offer("D1", {"%PDF công văn", "phụ lục"}, {"000.00.00.G22"});
  auto n = up_.CarryDocuments(absl::ZeroDuration(), 16);
  ASSERT_TRUE(n.ok()) << n.status();
  EXPECT_EQ(*n, 1u);
  EXPECT_THAT(national_.stored_["here-1"],
              ElementsAre("%PDF công văn", "phụ lục"));
  EXPECT_THAT(province_.crossed_, ElementsAre("D1"));
  EXPECT_THAT(province_.waiting_, IsEmpty());
  EXPECT_THAT(lines_.back(), HasSubstr("event=crossed document=D1"));
}

TEST_F(CrossingTest, AFailureBeforeItIsMarkedCrossedCarriesItAgainAsOne) {
  province_.Offer("D1", {"%PDF"}, {"000.00.00.G22"});
  province_.fail["Crossed"] = absl::UnavailableError("hub tỉnh is down");
  EXPECT_THAT(up_.CarryDocuments(absl::ZeroDuration(), 16),
              truc::testing::StatusIs(absl::StatusCode::kUnavailable, "down"));
  EXPECT_EQ(national_.stored_.size(), 1u);
  // Offered again, brought in again under the same key: one document.
  ASSERT_TRUE(up_.CarryDocuments(absl::ZeroDuration(), 16).ok());
  EXPECT_EQ(national_.stored_.size(), 1u);
  EXPECT_THAT(province_.crossed_, ElementsAre("D1"));
}

TEST_F(CrossingTest, AnUnreachableEndIsRetriedNeverRefused) {
  province_.Offer("D1", {"%PDF"}, {"000.00.00.G22"});
  national_.fail["BringIn"] =
      absl::UnavailableError("failed to connect to all addresses");
  EXPECT_FALSE(up_.CarryDocuments(absl::ZeroDuration(), 16).ok());
  province_.Offer("D2", {"%PDF"}, {"000.00.00.G22"});
  national_.fail["BringIn"] = absl::PermissionDeniedError(
      "bridge lang-son does not reach agency 000.01.00.H99");
  EXPECT_FALSE(up_.CarryDocuments(absl::ZeroDuration(), 16).ok());
  EXPECT_THAT(province_.recorded_, IsEmpty());
  EXPECT_THAT(province_.crossed_, IsEmpty());
  EXPECT_EQ(province_.waiting_.size(), 2u);
}

TEST_F(CrossingTest, ARefusalIsAnsweredWithAReasonForEachRecipient) {
  province_.Offer("D1", {"%PDF"}, {"000.00.00.G22", "000.00.00.G18"});
  national_.fail["BringIn"] =
      absl::InvalidArgumentError("unknown recipient 000.00.00.G18");
  auto n = up_.CarryDocuments(absl::ZeroDuration(), 16);
  ASSERT_TRUE(n.ok()) << n.status();
  ASSERT_EQ(province_.recorded_.size(), 2u);
  for (const auto& s : province_.recorded_) {
    EXPECT_EQ(s.status(), truc::v1::EDXML_STATUS_REFUSED);
    EXPECT_EQ(s.origin_document_id(), "D1");
    EXPECT_EQ(s.description(),
              "not carried beyond hub quốc gia: unknown recipient "
              "000.00.00.G18");
    EXPECT_EQ(s.header_sha256().size(), 32u);
  }
  EXPECT_THAT(province_.waiting_, IsEmpty());
  EXPECT_THAT(province_.crossed_, IsEmpty());
  EXPECT_THAT(national_.stored_, IsEmpty());
  EXPECT_THAT(lines_.back(), HasSubstr("event=refused document=D1"));
}

TEST_F(CrossingTest, AStatusIsClearedOnlyOnceItIsRecordedBeyond) {
  national_.to_carry_ = {Arrived("N1", "D1", "000.00.00.G22")};
  province_.fail["RecordStatus"] = absl::DeadlineExceededError("slow");
  EXPECT_FALSE(down_.CarryStatuses(100).ok());
  EXPECT_EQ(national_.to_carry_.size(), 1u);
  // Recorded, but the clear is lost: carried again, recorded once.
  national_.fail["StatusCarried"] = absl::UnavailableError("down");
  EXPECT_FALSE(down_.CarryStatuses(100).ok());
  ASSERT_TRUE(down_.CarryStatuses(100).ok());
  EXPECT_THAT(national_.to_carry_, IsEmpty());
  ASSERT_EQ(province_.recorded_.size(), 1u);
  EXPECT_EQ(province_.recorded_[0].origin_document_id(), "D1");
}

TEST_F(CrossingTest, WhereItWaitsCrossesLikeAStatusButIsNotOne) {
  truc::v1::BridgeStatus where = Arrived("N1", "D1", "000.21.30.H26");
  where.set_status(truc::v1::EDXML_STATUS_UNSPECIFIED);
  where.mutable_location()->set_hub("Trục tỉnh Hải Dương");
  where.mutable_location()->set_waits_for(
      truc::v1::RemoteLocation::WAITS_FOR_AGENT);
  national_.to_carry_ = {where};
  ASSERT_TRUE(down_.CarryStatuses(100).ok());
  EXPECT_THAT(province_.recorded_, IsEmpty());
  EXPECT_EQ(province_.locations_["D1/000.21.30.H26"].hub(),
            "Trục tỉnh Hải Dương");
  EXPECT_THAT(national_.to_carry_, IsEmpty());
  EXPECT_THAT(lines_.back(), HasSubstr("status=location"));
}

TEST_F(CrossingTest, AStatusRefusedForGoodDoesNotHoldBackTheOthers) {
  national_.to_carry_ = {Arrived("N1", "D1", "000.00.00.G22"),
                         Arrived("N2", "D2", "000.00.00.G22")};
  province_.fail["RecordStatus"] =
      absl::NotFoundError("no document D1 at this hub");
  auto n = down_.CarryStatuses(100);
  ASSERT_TRUE(n.ok()) << n.status();
  EXPECT_EQ(*n, 2u);
  EXPECT_THAT(national_.to_carry_, IsEmpty());
  ASSERT_EQ(province_.recorded_.size(), 1u);
  EXPECT_EQ(province_.recorded_[0].origin_document_id(), "D2");
  EXPECT_THAT(lines_[0], HasSubstr("event=status_refused document=N1"));
}

// Many statuses cross in one pass; one that may pass later stops the pass
// there, so that nothing after it is cleared (a read is never dropped for
// want of its arrival, which failed for a while).
TEST_F(CrossingTest, AStatusThatMayPassHoldsBackThoseAfterItNotThoseBefore) {
  auto read = [](truc::v1::BridgeStatus s) {
    s.set_status(truc::v1::EDXML_STATUS_ACCEPTED);
    return s;
  };
  national_.to_carry_ = {Arrived("N1", "D1", "000.00.00.G22"),
                         Arrived("N2", "D2", "000.00.00.G22"),
                         read(Arrived("N2", "D2", "000.00.00.G22")),
                         Arrived("N3", "D3", "000.00.00.G22")};
  province_.unreachable_ = {"D2"};
  EXPECT_THAT(down_.CarryStatuses(100),
              truc::testing::StatusIs(absl::StatusCode::kUnavailable, "down"));
  ASSERT_EQ(province_.recorded_.size(), 1u);
  EXPECT_EQ(province_.recorded_[0].origin_document_id(), "D1");
  EXPECT_EQ(national_.to_carry_.size(), 3u);  // D2's two and D3's
  province_.unreachable_.clear();
  auto n = down_.CarryStatuses(100);
  ASSERT_TRUE(n.ok()) << n.status();
  EXPECT_EQ(*n, 3u);
  EXPECT_THAT(national_.to_carry_, IsEmpty());
  ASSERT_EQ(province_.recorded_.size(), 4u);
  EXPECT_EQ(province_.recorded_[2].status(), truc::v1::EDXML_STATUS_ACCEPTED);
  EXPECT_THAT(lines_, Not(Contains(HasSubstr("status_refused"))));
}

TEST_F(CrossingTest, TheDirectoryIsMirroredPageByPageButNotOurOwnAgencies) {
  uint64_t v = 0;
  auto add = [&](const std::string& code, const std::string& name,
                 const std::string& bridge) {
    truc::v1::Agency a;
    a.set_code(code);
    a.set_name(name);
    a.set_bridge(bridge);
    national_.directory_[++v] = a;
  };
  add("000.00.00.G22", "Văn phòng Chính phủ", "");
  add("000.07.00.H99", "Sở Y tế tỉnh Lạng Sơn", "lang-son");  // our own
  for (int i = 0; i < 1500; ++i)
    add(absl::StrFormat("000.%02d.%02d.H26", i / 100, i % 100),
        absl::StrCat("UBND xã ", i, " tỉnh Hải Dương"), "hai-duong");
  // The first page (1000) is recorded; then the upstream fails: the next
  // pass goes on from there.
  national_.pages_until_failure = 2;
  EXPECT_FALSE(down_.CarryDirectory("lang-son").ok());
  EXPECT_EQ(province_.mirrored_.size(), 999u);  // ours skipped
  EXPECT_EQ(province_.mirror_version_, 1000u);
  auto n = down_.CarryDirectory("lang-son");
  ASSERT_TRUE(n.ok()) << n.status();
  EXPECT_EQ(*n, 502u);
  EXPECT_EQ(province_.mirror_version_, v);
  EXPECT_FALSE(province_.mirrored_.count("000.07.00.H99"));
  EXPECT_EQ(province_.mirrored_["000.00.00.G22"], "Văn phòng Chính phủ");
  // A rename upstream: only it crosses next time.
  add("000.00.00.G22", "Văn phòng Chính phủ (mới)", "");
  n = down_.CarryDirectory("lang-son");
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(province_.mirrored_["000.00.00.G22"], "Văn phòng Chính phủ (mới)");
  EXPECT_EQ(province_.mirror_version_, v);
  // The province's hub unreachable: the failure is returned, nothing
  // recorded.
  province_.fail["MirrorDirectory"] = absl::UnavailableError("down");
  EXPECT_FALSE(down_.CarryDirectory("lang-son").ok());
}

TEST(IsFinalRefusal, OnlyAnAnswerThatCannotChange) {
  EXPECT_TRUE(IsFinalRefusal(absl::InvalidArgumentError("")));
  EXPECT_TRUE(IsFinalRefusal(absl::NotFoundError("")));
  EXPECT_TRUE(IsFinalRefusal(absl::FailedPreconditionError("")));
  EXPECT_FALSE(IsFinalRefusal(absl::OkStatus()));
  EXPECT_FALSE(IsFinalRefusal(absl::UnavailableError("")));
  EXPECT_FALSE(IsFinalRefusal(absl::DeadlineExceededError("")));
  EXPECT_FALSE(IsFinalRefusal(absl::ResourceExhaustedError("")));
  EXPECT_FALSE(IsFinalRefusal(absl::PermissionDeniedError("")));
  EXPECT_FALSE(IsFinalRefusal(absl::UnauthenticatedError("")));
  EXPECT_FALSE(IsFinalRefusal(absl::DataLossError("")));
}

}  // namespace
}  // namespace truc::bridge
