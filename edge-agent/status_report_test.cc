#include "edge-agent/status_report.h"

#include "common/evidence.h"
#include "common/file_util.h"
#include "common/sha256.h"
#include "common/test_util.h"
#include "edge-agent/fake_exchange.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace truc::agent {
namespace {

using ::testing::IsEmpty;
using truc::testing::StatusIs;
using truc::testing::TempDir;

constexpr char kAgency[] = "000.21.30.H99";  // UBND xã Y Tịch

TEST(ParseStatusCodeTest, AcceptsNumbersAndNames) {
  EXPECT_EQ(*ParseStatusCode("2"), truc::v1::EDXML_STATUS_REFUSED);
  EXPECT_EQ(*ParseStatusCode("02"), truc::v1::EDXML_STATUS_REFUSED);
  EXPECT_EQ(*ParseStatusCode("03"), truc::v1::EDXML_STATUS_ACCEPTED);
  EXPECT_EQ(*ParseStatusCode("accepted"), truc::v1::EDXML_STATUS_ACCEPTED);
  EXPECT_EQ(*ParseStatusCode("Assigned"), truc::v1::EDXML_STATUS_ASSIGNED);
  EXPECT_EQ(*ParseStatusCode("5"), truc::v1::EDXML_STATUS_PROCESSING);
  EXPECT_EQ(*ParseStatusCode("COMPLETED"), truc::v1::EDXML_STATUS_COMPLETED);
  EXPECT_EQ(StatusCodeLabel(truc::v1::EDXML_STATUS_ACCEPTED), "03 (accepted)");
}

TEST(ParseStatusCodeTest, RefusesOthersClearly) {
  EXPECT_THAT(ParseStatusCode("07"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "status code \"07\" is not one of 02 (refused), 03 "
                       "(accepted), 04 (assigned), 05 (processing), 06 "
                       "(completed)"));
  EXPECT_THAT(ParseStatusCode("01"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "01 (arrived) is recorded by the hub"));
  for (const char* bad : {"", "0", "002", "-3", "x", "đã xem", "6a"}) {
    EXPECT_THAT(ParseStatusCode(bad),
                StatusIs(absl::StatusCode::kInvalidArgument, "is not one of"))
        << bad;
  }
}

class ReportTest : public ::testing::Test {
 protected:
  ReportTest() {
    folders_.state = tmp_.Sub("state");
    folders_.inbox = tmp_.Sub("inbox");
    EXPECT_TRUE(MakeDirectories(folders_.received()).ok());
  }
  absl::StatusOr<truc::v1::ReportStatusResponse> Report(
      const truc::v1::ReportStatusRequest& request) {
    return ReportStatus(hub_.stub().get(), folders_, *keys_, request);
  }
  TempDir tmp_;
  AgentFolders folders_;
  testing::FakeHub hub_;
  std::unique_ptr<AgentKeys> keys_ = testing::TestPki::Get().Keys(kAgency);
};

TEST_F(ReportTest, DocumentNotReceivedIsRefused) {
  truc::v1::ReportStatusRequest request;
  request.set_document_id("D404");
  request.set_status(truc::v1::EDXML_STATUS_ACCEPTED);
  EXPECT_THAT(Report(request),
              StatusIs(absl::StatusCode::kNotFound,
                       "document D404 was not received by this agent"));
  EXPECT_THAT(hub_.service().reports(), IsEmpty());
}

TEST_F(ReportTest, ReceivedDocumentIsReportedWithASignedStatement) {
  const std::string digest = Sha256::Of("the header Sở Y tế received");
  testing::WriteReceivedMarker(folders_.received(), "D1", kAgency, digest);
  truc::v1::ReportStatusRequest request;
  request.set_document_id("D1");
  request.set_status(truc::v1::EDXML_STATUS_ASSIGNED);
  request.set_description("Giao phòng Nghiệp vụ Y xử lý");
  request.mutable_staff()->set_staff("Nguyễn Thị Lan");
  TRUC_ASSERT_OK(Report(request).status());
  auto reports = hub_.service().reports();
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_EQ(reports[0].status(), truc::v1::EDXML_STATUS_ASSIGNED);
  EXPECT_EQ(reports[0].staff().staff(), "Nguyễn Thị Lan");
  EXPECT_EQ(reports[0].description(), "Giao phòng Nghiệp vụ Y xử lý");
  // The statement states the same, about the header the marker names.
  auto v = VerifyReceipt(keys_->anchor, reports[0].receipt());
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_EQ(v->body.recipient(), kAgency);
  EXPECT_EQ(v->body.document_id(), "D1");
  EXPECT_EQ(v->body.header_sha256(), digest);
  EXPECT_EQ(v->body.status(), truc::v1::EDXML_STATUS_ASSIGNED);
  EXPECT_EQ(v->body.description(), "Giao phòng Nghiệp vụ Y xử lý");
}

// A marker that holds no signed statement (altered) is named, and no
// status is stated about a header the agent cannot tell it received.
TEST_F(ReportTest, AMarkerWithoutAStatementIsNamed) {
  TRUC_ASSERT_OK(WriteFileDurably(JoinPath(folders_.received(), "D2"),
                                  "document_id: \"D2\"\n"));
  truc::v1::ReportStatusRequest request;
  request.set_document_id("D2");
  request.set_status(truc::v1::EDXML_STATUS_ACCEPTED);
  EXPECT_THAT(Report(request),
              StatusIs(absl::StatusCode::kDataLoss,
                       "does not hold this agent's signed statement"));
}

TEST_F(ReportTest, StatusOutOfRangeIsRefused) {
  testing::WriteReceivedMarker(folders_.received(), "D1", kAgency,
                               std::string(32, 'x'));
  truc::v1::ReportStatusRequest request;
  request.set_document_id("D1");
  request.set_status(truc::v1::EDXML_STATUS_ARRIVED);
  EXPECT_THAT(Report(request),
              StatusIs(absl::StatusCode::kInvalidArgument, "is not one of"));
}

}  // namespace
}  // namespace truc::agent
