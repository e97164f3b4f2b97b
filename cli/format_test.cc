#include "cli/format.h"

#include <google/protobuf/util/json_util.h>

#include "absl/strings/match.h"
#include "cli/vocabulary.h"
#include "common/reception.h"
#include "common/test_util.h"
#include "common/time_util.h"

namespace truc::cli {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using truc::v1::DocumentStatus;
using truc::v1::RecipientStatus;

constexpr int64_t kMinute = 60 * 1000000LL;

// 22/11/2026 09:00:00 in Vietnam.
int64_t Base() { return *ParseVietnamDateTime("22/11/2026 09:00"); }

RecipientStatus* AddRecipient(DocumentStatus* s, const std::string& code,
                              const std::string& name,
                              truc::v1::DeliveryState state) {
  RecipientStatus* r = s->add_recipients();
  r->set_organ_id(code);
  r->set_name(name);
  r->set_state(state);
  r->mutable_queued_at()->set_unix_micros(Base());
  if (IsReceived(state)) {
    r->mutable_arrived_at()->set_unix_micros(Base() + kMinute);
    auto* e = r->add_history();
    e->set_status(truc::v1::EDXML_STATUS_ARRIVED);
    e->mutable_at()->set_unix_micros(Base() + kMinute);
  }
  r->mutable_last_poll_at()->set_unix_micros(Base() + 170 * kMinute);
  return r;
}

DocumentStatus ThreeRecipients() {
  DocumentStatus s;
  s.set_document_id("d-7f3a");
  s.set_sender("000.01.00.H99");
  s.set_subject("Về việc phòng chống bão số 3");
  s.set_urgency(truc::v1::URGENCY_EXPRESS);
  s.mutable_accepted_at()->set_unix_micros(Base());
  AddRecipient(&s, "000.07.00.H99", "Sở Y tế",
               truc::v1::DELIVERY_STATE_ARRIVED);
  AddRecipient(&s, "000.09.00.H99", "Sở Văn hóa, Thể thao và Du lịch",
               truc::v1::DELIVERY_STATE_ARRIVED);
  AddRecipient(&s, "000.00.12.H42", "Sở Y tế", truc::v1::DELIVERY_STATE_QUEUED);
  return s;
}

TEST(StatusSummaryLine, AllReceived) {
  DocumentStatus s = ThreeRecipients();
  s.mutable_recipients(2)->set_state(truc::v1::DELIVERY_STATE_COMPLETED);
  EXPECT_EQ(StatusSummaryLine(s), "3 of 3 received");
}

TEST(StatusSummaryLine, NamesThoseNotReceived) {
  DocumentStatus s = ThreeRecipients();
  EXPECT_EQ(StatusSummaryLine(s),
            "2 of 3 received; not yet: 000.00.12.H42 (Sở Y tế)");
  s.mutable_recipients(0)->set_state(truc::v1::DELIVERY_STATE_LEASED);
  s.mutable_recipients(1)->set_name("");  // not in the directory any more
  s.mutable_recipients(1)->set_state(truc::v1::DELIVERY_STATE_QUEUED);
  EXPECT_EQ(StatusSummaryLine(s),
            "0 of 3 received; not yet: 000.07.00.H99 (Sở Y tế), "
            "000.09.00.H99, 000.00.12.H42 (Sở Y tế)");
}

TEST(StatusSummaryLine, ARefusalByTheUnitCountsAsReceived) {
  DocumentStatus s = ThreeRecipients();
  s.mutable_recipients(1)->set_state(truc::v1::DELIVERY_STATE_REFUSED);
  EXPECT_EQ(StatusSummaryLine(s),
            "2 of 3 received (1 refused by the unit); not yet: 000.00.12.H42 "
            "(Sở Y tế)");
}

TEST(StatusSummaryLine, ARefusalOnArrivalIsNotReceived) {
  DocumentStatus s = ThreeRecipients();
  RecipientStatus* r = s.mutable_recipients(1);
  r->set_state(truc::v1::DELIVERY_STATE_REFUSED_ON_ARRIVAL);
  r->clear_arrived_at();
  r->clear_history();
  r->set_refusal_reason("the sender's signature does not check out");
  EXPECT_EQ(StatusSummaryLine(s),
            "1 of 3 received; not yet: 000.09.00.H99 (Sở Văn hóa, Thể thao và "
            "Du lịch) [refused on arrival: resend], 000.00.12.H42 (Sở Y tế)");
  EXPECT_THAT(FormatDocumentStatus(s, Base()),
              HasSubstr("refused on arrival 02  22/11/2026 09:00:00  -"));
  EXPECT_THAT(FormatDocumentStatus(s, Base()),
              HasSubstr("refused on arrival: the sender's signature does not "
                        "check out"));
}

TEST(StatusSummaryLine, APaperCopyIsNamedApart) {
  DocumentStatus s = ThreeRecipients();
  RecipientStatus* r = s.mutable_recipients(2);
  r->set_state(truc::v1::DELIVERY_STATE_PAPER);
  r->mutable_paper()->set_carried_by("Nguyễn Văn An");
  r->mutable_paper()->set_signed_by("Lò Thị Pếnh");
  r->mutable_paper()->mutable_carried_at()->set_unix_micros(Base() +
                                                            60 * kMinute);
  EXPECT_EQ(StatusSummaryLine(s),
            "2 of 3 received; by paper: 000.00.12.H42 (Sở Y tế)");
  EXPECT_THAT(FormatDocumentStatus(s, Base() + 90 * kMinute),
              HasSubstr("paper copy carried by Nguyễn Văn An at 22/11/2026 "
                        "10:00:00, signed for by Lò Thị Pếnh"));
}

TEST(SilentMark, WithAndWithoutPoll) {
  int64_t now = Base() + 185 * kMinute;
  EXPECT_EQ(SilentMark(true, Base(), now), "SILENT (last poll 3h05m ago)");
  EXPECT_EQ(SilentMark(true, 0, now), "SILENT (never polled)");
  EXPECT_EQ(SilentMark(false, Base(), now), "");
}

TEST(FormatDocumentStatus, FullReport) {
  DocumentStatus s = ThreeRecipients();
  s.set_edxml_document_id("000.01.00.H99,2026/11/22,123/UBND-VP");
  // The first recipient registered and assigned it to an officer.
  RecipientStatus* r0 = s.mutable_recipients(0);
  r0->set_state(truc::v1::DELIVERY_STATE_ASSIGNED);
  r0->mutable_accepted_at()->set_unix_micros(Base() + 10 * kMinute);
  auto* e = r0->add_history();
  e->set_status(truc::v1::EDXML_STATUS_ACCEPTED);
  e->mutable_at()->set_unix_micros(Base() + 10 * kMinute);
  e->set_description("Đã vào sổ văn bản đến");
  e = r0->add_history();
  e->set_status(truc::v1::EDXML_STATUS_ASSIGNED);
  e->mutable_at()->set_unix_micros(Base() + 20 * kMinute);
  e->mutable_staff()->set_staff("Nguyễn Thị Bình");
  e->mutable_staff()->set_department("Phòng Nghiệp vụ Y");
  // The second refused it.
  RecipientStatus* r1 = s.mutable_recipients(1);
  r1->set_state(truc::v1::DELIVERY_STATE_REFUSED);
  r1->set_refusal_reason("Gửi nhầm đơn vị");
  e = r1->add_history();
  e->set_status(truc::v1::EDXML_STATUS_REFUSED);
  e->mutable_at()->set_unix_micros(Base() + 30 * kMinute);
  e->set_description("Gửi nhầm đơn vị");
  // The third's agent is silent.
  RecipientStatus* r2 = s.mutable_recipients(2);
  r2->set_silent(true);
  r2->mutable_last_poll_at()->set_unix_micros(Base() - 60 * kMinute);
  r2->set_delivery_attempts(3);

  int64_t now = Base() + 125 * kMinute;
  EXPECT_EQ(
      FormatDocumentStatus(s, now),
      "Document  d-7f3a\n"
      "Subject   Về việc phòng chống bão số 3\n"
      "Urgency   Hỏa tốc (express)\n"
      "From      000.01.00.H99\n"
      "Accepted  22/11/2026 09:00:00 (2h05m ago)\n"
      "edXML id  000.01.00.H99,2026/11/22,123/UBND-VP\n"
      "\n"
      "CODE           NAME                             STATE                   "
      "QUEUED               ARRIVED              ACCEPTED             NOTE\n"
      "000.07.00.H99  Sở Y tế                          assigned 04             "
      "22/11/2026 09:00:00  22/11/2026 09:01:00  22/11/2026 09:10:00\n"
      "    03 accepted at 22/11/2026 09:10:00: Đã vào sổ văn bản đến\n"
      "    04 assigned at 22/11/2026 09:20:00 by Nguyễn Thị Bình "
      "(Phòng Nghiệp vụ Y)\n"
      "000.09.00.H99  Sở Văn hóa, Thể thao và Du lịch  refused 02 by the unit  "
      "22/11/2026 09:00:00  22/11/2026 09:01:00  -                    "
      "refused by the unit: Gửi nhầm đơn vị\n"
      "    02 refused at 22/11/2026 09:30:00: Gửi nhầm đơn vị\n"
      "000.00.12.H42  Sở Y tế                          queued                  "
      "22/11/2026 09:00:00  -                    -                    SILENT "
      "(last poll 3h05m ago); offered 3 times\n"
      "\n"
      "Refused by the unit: 000.09.00.H99 (Sở Văn hóa, Thể thao và Du lịch)\n"
      "2 of 3 received (1 refused by the unit); not yet: 000.00.12.H42 (Sở Y "
      "tế)\n");
}

TEST(FormatDocumentStatus, NeverPolledAndLeased) {
  DocumentStatus s = ThreeRecipients();
  s.mutable_recipients(2)->set_silent(true);
  s.mutable_recipients(2)->clear_last_poll_at();
  s.mutable_recipients(1)->set_state(truc::v1::DELIVERY_STATE_LEASED);
  s.mutable_recipients(1)->clear_arrived_at();
  s.mutable_recipients(1)->clear_history();
  std::string out = FormatDocumentStatus(s, Base() + kMinute);
  EXPECT_THAT(out, HasSubstr("SILENT (never polled)"));
  EXPECT_THAT(out, HasSubstr("leased (fetching)"));
  EXPECT_THAT(out, Not(HasSubstr("Refused:")));
  EXPECT_TRUE(absl::EndsWith(
      out,
      "\n1 of 3 received; not yet: 000.09.00.H99 (Sở Văn hóa, Thể thao và Du "
      "lịch), 000.00.12.H42 (Sở Y tế)\n"));
}

TEST(FormatAgencyList, AlignedWithSilentSuspendedAndCertificates) {
  truc::v1::ListAgenciesResponse r;
  const auto add = [&](const char* code, const char* name, const char* parent,
                       bool suspended, int64_t last_poll, bool silent) {
    truc::v1::Agency* a = r.add_agencies();
    a->set_code(code);
    a->set_name(name);
    a->set_parent_code(parent);
    a->set_state(suspended ? truc::v1::AGENCY_STATE_SUSPENDED
                           : truc::v1::AGENCY_STATE_ACTIVE);
    if (last_poll != 0) a->mutable_last_poll_at()->set_unix_micros(last_poll);
    a->set_silent(silent);
    return a;
  };
  add("000.00.00.H99", "UBND tỉnh Lạng Sơn", "", false, Base(), false)
      ->mutable_certificate_expires_at()
      ->set_unix_micros(Base() + 400LL * 86400 * 1000000);
  auto* culture = add("000.09.00.H99", "Sở Văn hóa, Thể thao và Du lịch",
                      "000.00.00.H99", false, Base() - 185 * kMinute, true);
  culture->mutable_certificate_expires_at()->set_unix_micros(
      Base() + 12LL * 86400 * 1000000);
  culture->set_certificate_expiring(true);
  add("000.03.30.H99", "UBND xã Bắc Thủy", "000.00.30.H99", true, 0, true);
  EXPECT_EQ(FormatAgencyList(r, Base() + 3 * kMinute),
            "CODE           NAME                             PARENT         "
            "STATE      LAST POLL                        SILENT  CERTIFICATE\n"
            "000.00.00.H99  UBND tỉnh Lạng Sơn                              "
            "active     22/11/2026 09:00:00 (3m ago)             until "
            "27/12/2027 09:00:00\n"
            "000.09.00.H99  Sở Văn hóa, Thể thao và Du lịch  000.00.00.H99  "
            "active     22/11/2026 05:55:00 (3h08m ago)  SILENT  until "
            "04/12/2026 09:00:00 EXPIRES IN 11d23h\n"
            "000.03.30.H99  UBND xã Bắc Thủy                 000.00.30.H99  "
            "SUSPENDED  never                            SILENT  -\n"
            "3 agencies; 1 suspended; 2 silent\n"
            "warning: the certificate of 000.09.00.H99 expires soon or has "
            "expired: issue a new one (truc ca issue) and install it before "
            "then\n");
}

TEST(FormatCertificateList, StatesEachCertificate) {
  truc::v1::ListCertificatesResponse r;
  auto* a = r.add_certificates();
  a->set_serial("3f24");
  a->set_principal("agency:000.07.00.H99");
  a->set_common_name("Sở Y tế");
  a->mutable_not_after()->set_unix_micros(Base() + 12LL * 86400 * 1000000);
  a->mutable_last_seen()->set_unix_micros(Base());
  a->set_expiring(true);
  auto* b = r.add_certificates();
  b->set_serial("77aa");
  b->set_revoked(true);
  b->mutable_revoked_at()->set_unix_micros(Base());
  b->set_revocation_reason("mất máy tính");
  const std::string out = FormatCertificateList(r, Base() + kMinute);
  EXPECT_THAT(out, HasSubstr("agency:000.07.00.H99  Sở Y tế"));
  EXPECT_THAT(out, HasSubstr("EXPIRES SOON"));
  EXPECT_THAT(out, HasSubstr("REVOKED 22/11/2026 09:00:00 (mất máy tính)"));
  EXPECT_THAT(out, HasSubstr("2 certificates; 1 revoked"));
}

TEST(FormatAgencyList, Empty) {
  EXPECT_THAT(FormatAgencyList({}, Base()),
              HasSubstr("No agency is registered"));
}

TEST(FormatSent, ReceivedByAllOrNotYet) {
  truc::v1::ListSentResponse r;
  auto* all = r.add_documents();
  all->set_document_id("d-1");
  all->set_subject("Giấy mời họp");
  all->set_urgency(truc::v1::URGENCY_NORMAL);
  all->mutable_accepted_at()->set_unix_micros(Base());
  all->set_recipient_count(2);
  auto* some = r.add_documents();
  some->set_document_id("d-2");
  some->set_subject("V/v ứng phó bão số 9");
  some->set_urgency(truc::v1::URGENCY_EXPRESS);
  some->mutable_accepted_at()->set_unix_micros(Base() + 60 * kMinute);
  some->set_recipient_count(3);
  auto* p = some->add_recipients();
  p->set_organ_id("000.21.30.H99");
  p->set_name("UBND xã\x1b[2J Y Tịch");
  p->set_state(truc::v1::DELIVERY_STATE_QUEUED);
  p->set_silent(true);
  EXPECT_EQ(
      FormatSent(r, Base() + 125 * kMinute),
      "d-1  Thường (normal)  sent 2h05m ago (22/11/2026 09:00:00)\n"
      "  Giấy mời họp\n"
      "  received by all 2\n"
      "\n"
      "d-2  Hỏa tốc (express)  sent 1h05m ago (22/11/2026 10:00:00)\n"
      "  V/v ứng phó bão số 9\n"
      "  received by 2 of 3; not yet:\n"
      "    000.21.30.H99  UBND xã?[2J Y Tịch  queued  SILENT (never polled)\n"
      "\n"
      "2 documents, 1 not yet received by every recipient\n");
  EXPECT_EQ(FormatSent({}, Base()), "No document sent in that time.\n");
}

TEST(FormatPending, Empty) {
  EXPECT_EQ(FormatPending({}, Base()),
            "No document is waiting for any recipient.\n");
}

TEST(FormatPending, DocumentsWithTheirMissingRecipients) {
  truc::v1::ListPendingResponse r;
  auto* d = r.add_documents();
  d->set_document_id("d-7f3a");
  d->set_sender("000.01.00.H99");
  d->set_subject("Về việc phòng chống bão số 3");
  d->set_urgency(truc::v1::URGENCY_EXPRESS_TIMED);
  d->mutable_accepted_at()->set_unix_micros(Base());
  d->set_recipient_count(5);
  auto* p = d->add_recipients();
  p->set_organ_id("000.07.00.H99");
  p->set_name("Sở Y tế");
  p->set_state(truc::v1::DELIVERY_STATE_QUEUED);
  p->set_silent(true);
  p->mutable_last_poll_at()->set_unix_micros(Base() - 60 * kMinute);
  p = d->add_recipients();
  p->set_organ_id("000.12.30.H99");
  p->set_name("UBND xã Liên Sơn");
  p->set_state(truc::v1::DELIVERY_STATE_LEASED);
  r.set_truncated(true);
  EXPECT_EQ(FormatPending(r, Base() + 125 * kMinute),
            "d-7f3a  Hỏa tốc hẹn giờ (express-timed)  waiting 2h05m (since "
            "22/11/2026 09:00:00)  from 000.01.00.H99\n"
            "  Về việc phòng chống bão số 3\n"
            "  not received by 2 of 5:\n"
            "    000.07.00.H99  Sở Y tế           queued             SILENT "
            "(last poll 3h05m ago)\n"
            "    000.12.30.H99  UBND xã Liên Sơn  leased (fetching)\n"
            "\n"
            "1 document waiting (list cut: raise --limit)\n");
}

TEST(JsonOutput, KeepsUtf8AndEndsWithOneNewline) {
  DocumentStatus s = ThreeRecipients();
  std::string json = JsonOutput(s);
  EXPECT_THAT(json, HasSubstr("Về việc phòng chống bão số 3"));
  EXPECT_THAT(json, HasSubstr("\"document_id\": \"d-7f3a\""));
  EXPECT_TRUE(absl::EndsWith(json, "}\n"));
  DocumentStatus back;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(json, &back).ok());
  EXPECT_EQ(back.SerializeAsString(), s.SerializeAsString());
}

TEST(FormatAlertList, NoneAndOne) {
  EXPECT_EQ(FormatAlertList({}, 0), "No alert raised.\n");
  truc::v1::ListAlertsResponse r;
  auto* a = r.add_alerts();
  a->set_id("silent/000.21.30.H99");
  a->set_kind(truc::v1::Alert::KIND_SILENT_AGENCY);
  a->set_agency("000.21.30.H99");
  a->set_agency_name("UBND xã Y Tịch");
  a->set_summary("Máy trạm của UBND xã Y Tịch mất liên lạc 2h00");
  const int64_t at = *ParseVietnamDateTime("22/11/2026 09:00");
  a->mutable_raised_at()->set_unix_micros(at);
  EXPECT_EQ(FormatAlertList(r, at + 180'000'000),
            "22/11/2026 09:00:00 (3m ago)  SILENT  000.21.30.H99 (UBND xã Y "
            "Tịch)\n"
            "  Máy trạm của UBND xã Y Tịch mất liên lạc 2h00\n"
            "  id silent/000.21.30.H99\n"
            "1 alert raised\n");
}

TEST(FormatServiceTable, RowsPerUnitAndUrgencyThenWhatWasNeverReceived) {
  truc::v1::ServiceTable t;
  t.mutable_from()->set_unix_micros(*ParseVietnamDateTime("01/11/2026 00:00"));
  t.mutable_to()->set_unix_micros(*ParseVietnamDateTime("01/12/2026 00:00"));
  t.set_documents(3);
  auto* u = t.add_units();
  u->set_agency("000.21.30.H99");
  u->set_name("UBND xã Y Tịch");
  u->add_never_received("20261122-aa");
  u->set_paper_only(1);
  auto* s = u->add_by_urgency();
  s->set_urgency(truc::v1::URGENCY_EXPRESS);
  s->set_documents(2);
  u = t.add_units();
  u->set_agency("000.07.00.H99");
  u->set_name("Sở Y tế");
  s = u->add_by_urgency();
  s->set_urgency(truc::v1::URGENCY_EXPRESS);
  s->set_documents(2);
  s->set_arrived(2);
  s->set_p50_arrive_seconds(30);
  s->set_p95_arrive_seconds(125);
  const std::string out = FormatServiceTable(t);
  EXPECT_THAT(out, HasSubstr("Documents sent from 01/11/2026 00:00:00 to "
                             "01/12/2026 00:00:00: 3 documents"));
  EXPECT_THAT(out, HasSubstr("000.21.30.H99 (UBND xã Y Tịch)"));
  EXPECT_THAT(out, HasSubstr("1 (+1 by paper)"));
  EXPECT_THAT(out, HasSubstr("30s"));
  EXPECT_THAT(out, HasSubstr("2m"));
  EXPECT_THAT(out, HasSubstr("Never received by 000.21.30.H99 (UBND xã Y "
                             "Tịch): 20261122-aa"));
}

}  // namespace
}  // namespace truc::cli
