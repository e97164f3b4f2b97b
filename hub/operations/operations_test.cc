#include "hub/operations/operations.h"

#include <functional>

#include "hub/testing/hub_fixture.h"

namespace truc::hub {
namespace {

using namespace ::truc::hub::testing;  // NOLINT
using ::truc::testing::StatusIs;
using Code = absl::StatusCode;

class OperationsTest : public HubFixture {
 protected:
  void SetUp() override {
    HubFixture::SetUp();
    auto accounts = AccountStore::Load(faulty_.get(), audit_.get(),
                                       directory_.get(),
                                       [this] { return now_.load(); });
    ASSERT_TRUE(accounts.ok()) << accounts.status();
    accounts_ = std::move(*accounts);
    ops_ = std::make_unique<Operations>(OperationsDeps{
        ledger_.get(), directory_.get(), registry_.get(), accounts_.get(),
        audit_.get(), trust_.get(), nullptr, [this] { return now_.load(); }});
    auto sent = Accept(MakeHeader(kOffice, {kHealth}), "k");
    ASSERT_TRUE(sent.ok()) << sent.status();
    doc_ = sent->document_id();
  }

  // The actors every rule is tried with.
  Actor Office() { return Actor::ForCertificate(Who(kOffice)); }
  Actor Health() { return Actor::ForCertificate(Who(kHealth)); }
  Actor Finance() { return Actor::ForCertificate(Who(kFinance)); }
  Actor Op() { return Actor::ForCertificate(Operator()); }
  Actor FinanceClerk() {
    ConsoleUser u;
    u.account = "hoa.stc";
    u.role = truc::v1::ACCOUNT_ROLE_CLERK;
    u.agency = kFinance;
    return Actor::ForAccount(u);
  }
  Actor OperatorAccount() {
    ConsoleUser u;
    u.account = "an.op";
    u.role = truc::v1::ACCOUNT_ROLE_OPERATOR;
    return Actor::ForAccount(u);
  }

  std::unique_ptr<AccountStore> accounts_;
  std::unique_ptr<Operations> ops_;
  std::string doc_;
};

// One table: each operation that reads or acts on a sent document, tried
// by its sender, its recipient, another agency, an operator, another
// agency's clerk (concealed: NOT_FOUND) and an operator's account.
TEST_F(OperationsTest, WhoMayReadOrActOnADocument) {
  struct Row {
    const char* what;
    std::function<absl::Status(Operations*, const Actor&, const std::string&)>
        call;
    // sender, recipient, other agency, operator, other clerk, op account
    Code want[6];
  };
  const std::vector<Row> rows = {
      {"StatusOf",
       [](Operations* o, const Actor& a, const std::string& id) {
         truc::v1::GetDocumentStatusRequest r;
         r.set_document_id(id);
         return o->StatusOf(a, r).status();
       },
       {Code::kOk, Code::kPermissionDenied, Code::kPermissionDenied, Code::kOk,
        Code::kNotFound, Code::kOk}},
      {"ReadableDocument",
       [](Operations* o, const Actor& a, const std::string& id) {
         return o->ReadableDocument(a, id).status();
       },
       {Code::kOk, Code::kOk, Code::kPermissionDenied, Code::kOk,
        Code::kNotFound, Code::kOk}},
      {"ProveDocument",
       [](Operations* o, const Actor& a, const std::string& id) {
         truc::v1::ProveDocumentRequest r;
         r.set_document_id(id);
         return o->ProveDocument(a, r).status();
       },
       {Code::kOk, Code::kOk, Code::kPermissionDenied, Code::kOk,
        Code::kNotFound, Code::kOk}},
      {"RecordPaperCopy",
       [](Operations* o, const Actor& a, const std::string& id) {
         truc::v1::PaperCopyRequest r;
         r.set_recipient(kHealth);
         r.set_carried_by("Nguyễn Văn An");
         r.set_signed_by("Lò Thị Pếnh");
         r.set_note("—");
         auto s = o->RecordPaperCopy(a, id, r).status();
         // Recorded once: a second try by an allowed actor is ALREADY_EXISTS.
         return absl::IsAlreadyExists(s) ? absl::OkStatus() : s;
       },
       {Code::kOk, Code::kPermissionDenied, Code::kPermissionDenied, Code::kOk,
        Code::kNotFound, Code::kOk}},
      {"Resend",
       [](Operations* o, const Actor& a, const std::string& id) {
         truc::v1::ResendRequest r;
         r.set_document_id(id);
         return o->Resend(a, r).status();
       },
       {Code::kOk, Code::kPermissionDenied, Code::kPermissionDenied, Code::kOk,
        Code::kNotFound, Code::kOk}},
  };
  const std::vector<Actor> actors = {Office(),      Health(),
                                     Finance(),     Op(),
                                     FinanceClerk(), OperatorAccount()};
  for (const Row& row : rows) {
    for (size_t i = 0; i < actors.size(); ++i) {
      EXPECT_EQ(row.call(ops_.get(), actors[i], doc_).code(), row.want[i])
          << row.what << " by " << actors[i].Principal();
    }
  }
  // A document that does not exist is NOT_FOUND for everyone.
  for (const Actor& a : actors) {
    truc::v1::GetDocumentStatusRequest r;
    r.set_document_id("20261122-000000000000");
    EXPECT_THAT(ops_->StatusOf(a, r), StatusIs(Code::kNotFound, "no document"))
        << a.Principal();
  }
}

// Operator-only operations refuse every agency and clerk, naming why.
TEST_F(OperationsTest, OperatorOnlyOperationsRefuseAgencies) {
  const std::vector<std::pair<
      const char*, std::function<absl::Status(Operations*, const Actor&)>>>
      rows = {
          {"ListPending",
           [](Operations* o, const Actor& a) {
             return o->ListPending(a, {}).status();
           }},
          {"ListAgencies",
           [](Operations* o, const Actor& a) {
             return o->ListAgencies(a).status();
           }},
          {"ListCertificates",
           [](Operations* o, const Actor& a) {
             return o->ListCertificates(a, {}).status();
           }},
          {"ListAccounts",
           [](Operations* o, const Actor& a) {
             return o->ListAccounts(a).status();
           }},
          {"ListAlerts",
           [](Operations* o, const Actor& a) {
             return o->ListAlerts(a).status();
           }},
          {"VerifyLog",
           [](Operations* o, const Actor& a) {
             return o->VerifyLog(a).status();
           }},
          {"SetAgencyState",
           [](Operations* o, const Actor& a) {
             return o
                 ->SetAgencyState(a, kYTich, truc::v1::AGENCY_STATE_ACTIVE)
                 .status();
           }},
      };
  for (const auto& [what, call] : rows) {
    for (const Actor& a : {Office(), FinanceClerk()}) {
      EXPECT_THAT(call(ops_.get(), a),
                  StatusIs(Code::kPermissionDenied, "only an operator"))
          << what << " by " << a.Principal();
    }
    EXPECT_TRUE(call(ops_.get(), Op()).ok()) << what;
    EXPECT_TRUE(call(ops_.get(), OperatorAccount()).ok()) << what;
  }
}

// The same request normalised the same way, whichever door it came by: a
// code and name typed with spaces are registered trimmed, and the change
// names its actor.
TEST_F(OperationsTest, ADirectoryChangeIsTrimmedAndNamesItsActor) {
  truc::v1::RegisterAgencyRequest r;
  r.set_code("  000.22.30.H99 ");
  r.set_name(" UBND xã Vân Thủy\t");
  r.set_parent_code(" 000.00.00.H99");
  auto agency = ops_->RegisterAgency(OperatorAccount(), r);
  ASSERT_TRUE(agency.ok()) << agency.status();
  EXPECT_EQ(agency->code(), "000.22.30.H99");
  EXPECT_EQ(agency->name(), "UBND xã Vân Thủy");
  EXPECT_EQ(agency->parent_code(), "000.00.00.H99");
  EXPECT_EQ(audit_->Event(audit_->size() - 1)->actor(), "account:an.op");
  auto again = ops_->SetAgencyState(Op(), " 000.22.30.H99 ",
                                    truc::v1::AGENCY_STATE_SUSPENDED);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(audit_->Event(audit_->size() - 1)->actor(), Operator().Principal());
}

// Lists and reports: an agency sees its own, an operator everyone's.
TEST_F(OperationsTest, AnAgencySeesItsOwnDocumentsAndAnOperatorEveryones) {
  ASSERT_TRUE(Accept(MakeHeader(kFinance, {kYTich}), "theirs").ok());
  EXPECT_EQ(ops_->ListSent(Office(), {})->documents_size(), 1);
  EXPECT_EQ(ops_->ListSent(FinanceClerk(), {})->documents_size(), 1);
  EXPECT_EQ(ops_->ListSent(Op(), {})->documents_size(), 2);
  truc::v1::ServiceTableRequest month;
  month.set_month("2026-11");
  month.set_sender(kOffice);  // a clerk cannot ask for another's
  EXPECT_EQ(ops_->MonthlyReport(FinanceClerk(), month)->documents(), 1u);
  EXPECT_EQ(ops_->MonthlyReport(Op(), month)->documents(), 1u);
  month.clear_sender();
  EXPECT_EQ(ops_->MonthlyReport(Op(), month)->documents(), 2u);
  EXPECT_EQ(ops_->MonthlyReport(Op(), {})->month(), "2026-11")
      << "this month by default";
}

// Only a recipient agency's agent acknowledges; an operator cannot.
TEST_F(OperationsTest, OnlyTheRecipientAcknowledges) {
  truc::v1::AcknowledgeRequest r;
  r.set_document_id(doc_);
  EXPECT_THAT(ops_->Acknowledge(Op(), r),
              StatusIs(Code::kPermissionDenied, "recipient agency"));
  EXPECT_THAT(ops_->Acknowledge(Office(), r),
              StatusIs(Code::kPermissionDenied, "was not sent to agency"));
}

}  // namespace
}  // namespace truc::hub
