#include "edge-agent/names.h"

#include <initializer_list>
#include <string>

#include "common/event_log.h"
#include "common/test_util.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace truc::agent {
namespace {

using truc::testing::StatusIs;

// One header with attachments of these names.
truc::v1::DocumentHeader WithAttachments(
    std::initializer_list<std::string> names) {
  truc::v1::DocumentHeader h;
  for (const std::string& name : names) h.add_attachments()->set_name(name);
  return h;
}

TEST(NamesTest, AcceptsVietnameseFileNames) {
  TRUC_EXPECT_OK(ValidateInboxAttachmentNames(WithAttachments(
      {"Công văn 123.pdf", "Phụ lục (kèm theo).docx", ".hidden", "a..b",
       "Quyết định số 45-QĐ.pdf", std::string(255, 'a')})));
}

// The names of the agent's own files in the inbox folder are not reserved:
// attachments are stored in attachments/.
TEST(NamesTest, AcceptsTheNamesOfTheAgentsFiles) {
  TRUC_EXPECT_OK(ValidateInboxAttachmentNames(WithAttachments(
      {"envelope.txtpb", "header.bin", "delivery.txtpb", "attachments"})));
}

// The rule is the hub's own (truc::ValidateAttachmentName).
TEST(NamesTest, RefusesHostileNamesWithTheSharedRule) {
  for (const std::string& bad :
       {std::string("../x"), std::string("a\\b"), std::string(".."),
        std::string("."), std::string(""), std::string(256, 'a'),
        std::string("a\x1b[2Jb")}) {
    EXPECT_THAT(ValidateInboxAttachmentNames(WithAttachments({"ok.pdf", bad})),
                StatusIs(absl::StatusCode::kInvalidArgument,
                         "attachment 1: attachment name"))
        << bad;
  }
  EXPECT_THAT(ValidateInboxAttachmentNames(WithAttachments({"../x"})),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "attachment name \"../x\" is not allowed"));
}

TEST(NamesTest, InboxNamesUnique) {
  EXPECT_THAT(ValidateInboxAttachmentNames(
                  WithAttachments({"Công văn.pdf", "Công văn.pdf"})),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "attachment 1: name \"Công văn.pdf\" is used twice"));
  TRUC_EXPECT_OK(ValidateInboxAttachmentNames(
      WithAttachments({"Công văn.pdf", "Phụ lục.pdf"})));
}

TEST(NamesTest, DocumentIds) {
  TRUC_EXPECT_OK(ValidateDocumentId("01J9Z3K8Q4"));
  TRUC_EXPECT_OK(ValidateDocumentId("D-2026-000123"));
  for (const char* bad : {"", ".", "..", ".hidden", "a/b", "../x", "a\nb"}) {
    EXPECT_THAT(ValidateDocumentId(bad),
                StatusIs(absl::StatusCode::kInvalidArgument, "document id"))
        << bad;
  }
  EXPECT_FALSE(ValidateDocumentId(std::string(129, 'a')).ok());
}

}  // namespace
}  // namespace truc::agent
