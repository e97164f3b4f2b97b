// edXML at every border, across real processes: a document dropped as
// .edxml into an agent's outbox reaches the recipient's inbox as
// document.edxml with its urgency, due time and a 200 MB attachment intact;
// the recipient's software answers with an edXML status file; and `truc
// edxml check | import | export` at the clerk's desk.
#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <random>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/edxml/mapping.h"
#include "common/edxml/reader.h"
#include "common/edxml/writer.h"
#include "common/file_util.h"
#include "common/sha256.h"
#include "common/time_util.h"
#include "gtest/gtest.h"
#include "tests/province.h"

namespace truc::testing {
namespace {

using ::testing::HasSubstr;

constexpr char kAxis[] = "000.00.00.H99";

std::string Digest(const std::string& file) {
  Sha256 sha;
  int fd = ::open(file.c_str(), O_RDONLY);
  std::string buf(1 << 20, '\0');
  ssize_t n;
  while (fd >= 0 && (n = ::read(fd, buf.data(), buf.size())) > 0) {
    sha.Update(absl::string_view(buf.data(), n));
  }
  if (fd >= 0) ::close(fd);
  return sha.Finish();
}

// `bytes` of pseudo-random data in `path`, written in pieces.
void WriteRandomFile(const std::string& path, uint64_t bytes) {
  auto w = DurableFileWriter::Create(path);
  ASSERT_TRUE(w.ok());
  std::mt19937_64 rng(9);
  std::string block(1 << 20, '\0');
  for (uint64_t done = 0; done < bytes; done += block.size()) {
    block.resize(std::min<uint64_t>(block.size(), bytes - done));
    for (size_t i = 0; i + 8 <= block.size(); i += 8) {
      uint64_t v = rng();
      memcpy(&block[i], &v, 8);
    }
    ASSERT_TRUE(w->Append(block).ok());
  }
  ASSERT_TRUE(w->Commit().ok());
}

truc::v1::DocumentHeader OfficeHeader(const std::string& to) {
  truc::v1::DocumentHeader h;
  h.mutable_from()->set_organ_id(kOffice);
  h.mutable_from()->set_organ_name("Văn phòng UBND tỉnh Lạng Sơn");
  h.add_to()->set_organ_id(to);
  h.mutable_code()->set_code_number("1205");
  h.mutable_code()->set_code_notation("UBND-KT");
  h.mutable_promulgation()->set_place("Lạng Sơn");
  auto* d = h.mutable_promulgation()->mutable_promulgation_date();
  d->set_year(2026);
  d->set_month(12);
  d->set_day(6);
  h.mutable_document_type()->set_type_name("Công văn");
  h.set_subject("Về việc ứng phó khẩn cấp với mưa lũ");
  h.mutable_signer()->set_full_name("Nguyễn Văn An");
  h.mutable_signer()->set_position("Chủ tịch");
  h.set_urgency(truc::v1::URGENCY_EXPRESS_TIMED);
  h.mutable_express_deadline()->set_unix_micros(
      *ParseVietnamDateTime("07/12/2026 17:00"));
  return h;
}

// An .edxml of `header` with one attachment, the file at `src`.
void WriteEdxml(truc::v1::DocumentHeader header, const std::string& name,
                const std::string& src, const std::string& out) {
  struct stat st;
  ASSERT_EQ(::stat(src.c_str(), &st), 0);
  auto* a = header.add_attachments();
  a->set_name(name);
  a->set_content_type("application/pdf");
  a->set_size(static_cast<uint64_t>(st.st_size));
  a->set_sha256(Digest(src));
  TRUC_ASSERT_OK(edxml::WriteDocumentFile(header, {src}, out));
}

class EdxmlEndToEnd : public ::testing::Test {
 protected:
  void SetUp() override {
    p_.WriteHubConfig(absl::StrCat("axis_organ_id: \"", kAxis, "\"\n"));
    p_.StartHub();
    p_.SmallProvince();
  }
  Province p_;
};

TEST_F(EdxmlEndToEnd, AnEdxmlInTheOutboxArrivesAsEdxmlWithEverythingIntact) {
  uint64_t mb = 200;
  if (const char* v = std::getenv("TRUC_EDXML_E2E_MB")) {
    ASSERT_TRUE(absl::SimpleAtoi(v, &mb));
  }
  const std::string pdf = p_.Path("Phương án ứng phó lũ.pdf");
  WriteRandomFile(pdf, mb * 1'000'000);
  p_.StartAgent(kOffice);
  p_.StartAgent(kHealth);
  // The office's software writes the .edxml beside the outbox, then moves
  // it in (a rename: the agent never sees half a file).
  const std::string staged = p_.Path("phuong-an.edxml");
  WriteEdxml(OfficeHeader(kHealth), "Phương án ứng phó lũ.pdf", pdf, staged);
  ASSERT_TRUE(
      RenameDurably(staged, p_.AgentDir(kOffice) + "/outbox/phuong-an.edxml")
          .ok());
  const auto start = std::chrono::steady_clock::now();
  ASSERT_TRUE(WaitFor([&] { return p_.Inbox(kHealth).size() == 1; },
                      std::chrono::seconds(600)))
      << "office agent log:\n"
      << ReadFile(p_.AgentDir(kOffice) + "/agent.log").value_or("");
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  const std::string id = p_.Inbox(kHealth)[0];
  const std::string doc = p_.AgentDir(kHealth) + "/inbox/" + id;

  // The files, and the same document as edXML beside them.
  EXPECT_EQ(Digest(doc + "/attachments/Phương án ứng phó lũ.pdf"), Digest(pdf));
  edxml::ReadOptions o;
  o.attachment_dir = p_.Path("back");
  ASSERT_TRUE(MakeDirectories(o.attachment_dir).ok());
  auto parsed = edxml::ReadEdxmlFile(doc + "/document.edxml", o);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  auto back = edxml::DocumentFromEdxml(*std::move(parsed));
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->header.urgency(), truc::v1::URGENCY_EXPRESS_TIMED);
  EXPECT_EQ(back->header.express_deadline().unix_micros(),
            *ParseVietnamDateTime("07/12/2026 17:00"));
  EXPECT_EQ(back->header.subject(), "Về việc ứng phó khẩn cấp với mưa lũ");
  ASSERT_EQ(back->header.attachments_size(), 1);
  EXPECT_EQ(back->header.attachments(0).sha256(), Digest(pdf));
  EXPECT_EQ(back->header.attachments(0).size(), mb * 1'000'000);
  // What the hub recorded: express by a time, the deadline kept.
  auto status = p_.Status(id);
  ASSERT_TRUE(status.ok()) << status.status();
  EXPECT_EQ(status->urgency(), truc::v1::URGENCY_EXPRESS_TIMED);
  EXPECT_TRUE(
      PathExists(p_.AgentDir(kOffice) + "/sent/" + id + "/document.edxml"));

  const uint64_t sender_rss = p_.agent(kOffice)->PeakRssBytes();
  const uint64_t recipient_rss = p_.agent(kHealth)->PeakRssBytes();
  std::printf(
      "%llu MB as edXML, outbox to inbox in %.1f s; peak RSS: sending agent "
      "%.1f MB, receiving agent %.1f MB, hub %.1f MB\n",
      static_cast<unsigned long long>(mb), seconds, sender_rss / 1e6,
      recipient_rss / 1e6, p_.hub()->PeakRssBytes() / 1e6);
  EXPECT_LT(sender_rss, 100'000'000u);
  EXPECT_LT(recipient_rss, 100'000'000u);

  // The recipient's software answers with an edXML status: accepted (03).
  truc::v1::EdxmlStatusMessage s;
  s.mutable_from()->set_organ_id(kHealth);
  s.mutable_response_for()->set_organ_id(kOffice);
  s.mutable_response_for()->set_document_id(back->header.edxml_document_id());
  s.set_status(truc::v1::EDXML_STATUS_ACCEPTED);
  s.set_description("Văn thư Sở Y tế đã vào sổ");
  TRUC_ASSERT_OK(edxml::WriteStatusFile(s, p_.Path("tt.edxml")));
  ASSERT_TRUE(RenameDurably(p_.Path("tt.edxml"),
                            p_.AgentDir(kHealth) + "/outbox/tt.edxml")
                  .ok());
  ASSERT_TRUE(WaitFor(
      [&] {
        auto st = p_.Status(id);
        return st.ok() &&
               st->recipients(0).state() == truc::v1::DELIVERY_STATE_ACCEPTED;
      },
      std::chrono::seconds(60)))
      << ReadFile(p_.AgentDir(kHealth) + "/agent.log").value_or("");
}

TEST_F(EdxmlEndToEnd, TheClerkChecksImportsAndExports) {
  const std::string office = p_.Profile(kOffice);
  // check: a real sample, then a broken file.
  auto r = p_.Truc(
      office, {"edxml", "check",
               std::string(TRUC_EDXML_SAMPLES) + "/edoc_revocation.edxml"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("000.00.00.G22"));
  EXPECT_THAT(r.out, HasSubstr("Priority 0"));
  EXPECT_THAT(r.out, HasSubstr("signature     unsupported"));
  ASSERT_TRUE(
      WriteFileDurably(p_.Path("bad.edxml"), "<edXML xmlns=\"urn:other\"/>")
          .ok());
  r = p_.Truc(office, {"edxml", "check", p_.Path("bad.edxml")});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("truc: error: not an edXML message"));
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;

  // import, twice: one document.
  ASSERT_TRUE(WriteFileDurably(p_.Path("to-trinh.pdf"), "%PDF tờ trình").ok());
  WriteEdxml(OfficeHeader(kYTich), "to-trinh.pdf", p_.Path("to-trinh.pdf"),
             p_.Path("to-trinh.edxml"));
  r = p_.Truc(office, {"edxml", "import", p_.Path("to-trinh.edxml")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string id(absl::StripAsciiWhitespace(r.out));
  EXPECT_THAT(r.err, HasSubstr("the edXML's own signature"));
  r = p_.Truc(office, {"edxml", "import", p_.Path("to-trinh.edxml")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(std::string(absl::StripAsciiWhitespace(r.out)), id);
  EXPECT_THAT(r.err, HasSubstr("already used"));
  // Not this agency's document.
  r = p_.Truc(p_.Profile(kHealth),
              {"edxml", "import", p_.Path("to-trinh.edxml")});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_THAT(r.err, HasSubstr("its sender (MessageHeader/From/OrganId) is"));

  // export, with this hub's TraceHeader; then check what was written.
  r = p_.Truc(office,
              {"edxml", "export", id, "--out", p_.Path("export.edxml")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = p_.Truc(office, {"edxml", "check", p_.Path("export.edxml"), "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr(absl::StrCat("\"organ_id\": \"", kAxis, "\"")));
  EXPECT_THAT(r.out, HasSubstr("\"urgency\": \"URGENCY_EXPRESS_TIMED\""));
  EXPECT_THAT(r.out, HasSubstr("\"kind\": \"document\""));
  r = p_.Truc(office,
              {"edxml", "export", id, "--out", p_.Path("export.edxml")});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_THAT(r.err, HasSubstr("exists"));
}

}  // namespace
}  // namespace truc::testing
