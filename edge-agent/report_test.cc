#include "edge-agent/report.h"

#include "common/file_util.h"
#include "common/test_util.h"
#include "edge-agent/fake_exchange.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace truc::agent {
namespace {

using ::testing::IsEmpty;
using truc::testing::StatusIs;
using truc::testing::TempDir;

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
    EXPECT_TRUE(MakeDirectories(folders_.received()).ok());
  }
  TempDir tmp_;
  AgentFolders folders_;
  testing::FakeHub hub_;
};

TEST_F(ReportTest, DocumentNotReceivedIsRefused) {
  truc::v1::ReportStatusRequest request;
  request.set_document_id("D404");
  request.set_status(truc::v1::EDXML_STATUS_ACCEPTED);
  EXPECT_THAT(ReportStatus(hub_.stub().get(), folders_, request),
              StatusIs(absl::StatusCode::kNotFound,
                       "document D404 was not received by this agent"));
  EXPECT_THAT(hub_.service().reports(), IsEmpty());
}

TEST_F(ReportTest, ReceivedDocumentIsReported) {
  TRUC_ASSERT_OK(WriteFileDurably(JoinPath(folders_.received(), "D1"), ""));
  truc::v1::ReportStatusRequest request;
  request.set_document_id("D1");
  request.set_status(truc::v1::EDXML_STATUS_ASSIGNED);
  request.set_description("Giao phòng Nghiệp vụ Y xử lý");
  request.mutable_staff()->set_staff("Nguyễn Thị Lan");
  TRUC_ASSERT_OK(ReportStatus(hub_.stub().get(), folders_, request).status());
  auto reports = hub_.service().reports();
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_EQ(reports[0].status(), truc::v1::EDXML_STATUS_ASSIGNED);
  EXPECT_EQ(reports[0].staff().staff(), "Nguyễn Thị Lan");
  EXPECT_EQ(reports[0].description(), "Giao phòng Nghiệp vụ Y xử lý");
}

TEST_F(ReportTest, StatusOutOfRangeIsRefused) {
  TRUC_ASSERT_OK(WriteFileDurably(JoinPath(folders_.received(), "D1"), ""));
  truc::v1::ReportStatusRequest request;
  request.set_document_id("D1");
  request.set_status(truc::v1::EDXML_STATUS_ARRIVED);
  EXPECT_THAT(ReportStatus(hub_.stub().get(), folders_, request),
              StatusIs(absl::StatusCode::kInvalidArgument, "is not one of"));
}

}  // namespace
}  // namespace truc::agent
