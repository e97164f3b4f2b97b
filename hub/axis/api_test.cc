#include "hub/axis/api.h"

#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/axis/client.h"
#include "common/axis/signing.h"
#include "common/edxml/mapping.h"
#include "common/edxml/reader.h"
#include "common/edxml/writer.h"
#include "common/evidence.h"
#include "common/file_util.h"
#include "common/sha256.h"
#include "common/time_util.h"
#include "hub/exchange/carried_send.h"
#include "hub/ops/axis_systems.h"
#include "hub/testing/hub_fixture.h"
#include "truc/v1/axis.pb.h"

namespace truc::hub {
namespace {

using namespace ::truc::hub::testing;  // NOLINT
using ::testing::HasSubstr;
using ::truc::testing::StatusIs;

constexpr char kAxis[] = "000.00.00.H99";

class AxisApiTest : public HubFixture {
 protected:
  void SetUp() override {
    HubFixture::SetUp();
    auto systems = AxisSystems::Open(
        faulty_.get(), audit_.get(), directory_.get(),
        [this] { return now_.load(); }, tmp_.Sub("axis-api.key"));
    ASSERT_TRUE(systems.ok()) << systems.status();
    systems_ = std::move(*systems);
    AxisSystems* s = systems_.get();
    ledger_->SetStatusNoticeFilter(
        [s](const std::string& agency) { return s->HasActiveSystem(agency); });
    carried_ = std::make_unique<CarriedSend>(ledger_.get(), directory_.get(),
                                             blobs_.get(), trust_.get(),
                                             HeaderLimits{});
    operations_ = std::make_unique<Operations>(OperationsDeps{
        ledger_.get(), directory_.get(), registry_.get(), nullptr, audit_.get(),
        trust_.get(), nullptr, [this] { return now_.load(); }, kAxis, s,
        carried_.get()});
    api_ = std::make_unique<AxisApi>(
        AxisApiDeps{operations_.get(), s, directory_.get(), blobs_.get(),
                    [this] { return now_.load(); }, tmp_.Sub("scratch"), kAxis,
                    300'000'000, /*directory_page_size=*/3});
    office_ = Add(kOffice);
    health_ = Add(kHealth);
  }

  struct System {
    std::string id, secret, agency;
  };
  System Add(const std::string& agency) {
    auto added = systems_->Add(agency, "", "QLVB " + agency, Operator());
    EXPECT_TRUE(added.ok()) << added.status();
    return {added->system().id(), added->secret(), agency};
  }

  // A request of `sys` for `operation`, its parameters signed now.
  HttpRequest Request(const System& sys, const std::string& operation,
                      axis::Headers params, const std::string& file = "",
                      int64_t at = 0) {
    params.emplace_back(axis::kSystemId, sys.id);
    params.emplace_back(axis::kTimestamp,
                        axis::AxisTimestamp(at != 0 ? at : now_.load()));
    if (!file.empty()) {
      params.emplace_back(axis::kHashFile,
                          HexEncode(Sha256::Of(*ReadFile(file, 1 << 30))));
    }
    HttpRequest r;
    r.method = "POST";
    r.path = "/" + operation;
    for (const auto& [name, value] : axis::SignedHeaders(params, sys.secret)) {
      r.headers[absl::AsciiStrToLower(name)] = value;
    }
    r.body_file = file;
    now_ += 1000;  // a millisecond apart: the timestamp's resolution
    return r;
  }

  // The answer's JSON as `Answer`.
  template <typename Answer>
  Answer Parse(const HttpResponse& r) {
    Answer a;
    EXPECT_TRUE(axis::FromJson(r.body, "test", &a).ok()) << r.body;
    return a;
  }

  std::string Body(const HttpResponse& r) {
    if (!r.stream) return r.body;
    std::string out;
    absl::Status s = r.stream([&](const char* d, size_t n) {
      out.append(d, n);
      return true;
    });
    EXPECT_TRUE(s.ok()) << s;
    return out;
  }

  truc::v1::DocumentHeader OfficeHeader() {
    truc::v1::DocumentHeader h;
    h.mutable_from()->set_organ_id(kOffice);
    h.add_to()->set_organ_id(kHealth);
    h.mutable_code()->set_code_number("77");
    h.mutable_code()->set_code_notation("UBND-VX");
    auto* d = h.mutable_promulgation()->mutable_promulgation_date();
    d->set_year(2026);
    d->set_month(11);
    d->set_day(20);
    h.mutable_document_type()->set_type_name("Công văn");
    h.set_subject("Về việc phòng chống sốt xuất huyết");
    h.mutable_signer()->set_full_name("Nguyễn Văn An");
    h.set_urgency(truc::v1::URGENCY_EXPRESS);
    return h;
  }

  // The office's software writes an edXML with one attachment.
  std::string OfficeEdxml(const std::string& name = "cv77.edxml") {
    const std::string pdf = tmp_.Sub(name + ".pdf");
    EXPECT_TRUE(WriteFileDurably(pdf, "%PDF công văn 77").ok());
    truc::v1::DocumentHeader h = OfficeHeader();
    auto* a = h.add_attachments();
    a->set_name("Công văn 77.pdf");
    a->set_content_type("application/pdf");
    a->set_size(std::string("%PDF công văn 77").size());
    a->set_sha256(Sha256::Of("%PDF công văn 77"));
    const std::string path = tmp_.Sub(name);
    EXPECT_TRUE(edxml::WriteDocumentFile(h, {pdf}, path).ok());
    return path;
  }

  std::string SendFromOffice() {
    const std::string file = OfficeEdxml();
    HttpResponse r = api_->Handle(Request(
        office_, "sendEdoc",
        {{"from", kOffice}, {"servicetype", "eDoc"}, {"messagetype", "edoc"}},
        file));
    EXPECT_EQ(r.status, 200) << r.body;
    return Parse<truc::v1::AxisResult>(r).docid();
  }

  size_t Documents() {
    size_t n = 0;
    for (const auto& k : AllKeys()) n += absl::StartsWith(k, "d/");
    return n;
  }

  std::unique_ptr<AxisSystems> systems_;
  std::unique_ptr<CarriedSend> carried_;
  std::unique_ptr<Operations> operations_;
  std::unique_ptr<AxisApi> api_;
  System office_, health_;
};

TEST_F(AxisApiTest, ADocumentThroughTheDoorIsStoredCarriedAndAudited) {
  const std::string id = SendFromOffice();
  ASSERT_FALSE(id.empty());
  auto doc = ledger_->GetDocument(id);
  ASSERT_TRUE(doc.ok()) << doc.status();
  EXPECT_EQ(doc->sender(), kOffice);
  EXPECT_EQ(doc->urgency(), truc::v1::URGENCY_EXPRESS);
  EXPECT_EQ(doc->envelope().carried_for_system(), office_.id);
  // Anyone with the CA checks it: the hub vouches as the carrier.
  auto signer = VerifyEnvelope(keys_.anchor(), doc->envelope(), kOffice,
                               now_.load() / 1'000'000);
  ASSERT_TRUE(signer.ok()) << signer.status();
  EXPECT_EQ(signer->role, Role::kHub);
  // The system's own file is kept, and the attachment stored by its digest.
  EXPECT_TRUE(blobs_->Exists(doc->original_edxml_sha256()));
  EXPECT_TRUE(blobs_->Exists(Sha256::Of("%PDF công văn 77")));
  bool audited = false;
  for (uint64_t i = 0; i < audit_->size(); ++i) {
    auto e = audit_->Event(i);
    if (e->kind() == "accepted" && e->document_id() == id) {
      audited = absl::StrContains(e->detail(), "carried_for=" + office_.id);
    }
  }
  EXPECT_TRUE(audited);
  // The same file again (a retry): the same document, nothing new.
  EXPECT_EQ(SendFromOffice(), id);
  EXPECT_EQ(Documents(), 1u);
}

TEST_F(AxisApiTest, TheRecipientsSoftwareFetchesAcknowledgesAndAnswers) {
  const std::string id = SendFromOffice();
  // Sở Y tế's software: what waits, the edXML, then done (01).
  auto list = Parse<truc::v1::AxisReceivedEdocList>(api_->Handle(
      Request(health_, "getReceivedEdocList", {{"from", kHealth}})));
  ASSERT_EQ(list.data_size(), 1);
  EXPECT_EQ(list.data(0).docid(), id);
  EXPECT_EQ(list.data(0).messagetype(), "edoc");
  // Asking is the agency's poll: software on the door is not silent.
  EXPECT_EQ(directory_->LastPoll(kHealth), now_.load());
  EXPECT_EQ(list.data(0).from(), kOffice);
  EXPECT_EQ(list.data(0).notation(), "77/UBND-VX");
  HttpResponse got = api_->Handle(
      Request(health_, "getEdoc", {{"from", kHealth}, {"docId", id}}));
  ASSERT_EQ(got.status, 200) << got.body;
  auto parsed = edxml::ReadEdxml(Body(got), {});
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  auto back = edxml::DocumentFromEdxml(*parsed);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->header.subject(), "Về việc phòng chống sốt xuất huyết");
  EXPECT_EQ(back->header.urgency(), truc::v1::URGENCY_EXPRESS);
  ASSERT_EQ(back->header.edxml().trace_headers_size(), 1);
  EXPECT_EQ(back->header.edxml().trace_headers(0).organ_id(), kAxis);
  HttpResponse done = api_->Handle(
      Request(health_, "updateStatus",
              {{"from", kHealth}, {"docId", id}, {"status", "done"}}));
  ASSERT_EQ(done.status, 200) << done.body;
  auto status = ledger_->StatusOf(id, /*evidence=*/true);
  ASSERT_TRUE(status.ok());
  EXPECT_EQ(status->recipients(0).state(), truc::v1::DELIVERY_STATE_ARRIVED);
  auto statement =
      VerifyReceipt(keys_.anchor(), status->recipients(0).history(0).receipt());
  ASSERT_TRUE(statement.ok()) << statement.status();
  EXPECT_EQ(statement->body.carried_for_system(), health_.id);
  EXPECT_EQ(statement->signer.role, Role::kHub);
  // Nothing waits for Sở Y tế any more.
  EXPECT_EQ(Parse<truc::v1::AxisCount>(
                api_->Handle(Request(health_, "countReceiveEdoc", {})))
                .total(),
            0);

  // Then its clerk registers it (03), as an edXML status message.
  truc::v1::EdxmlStatusMessage s;
  s.mutable_from()->set_organ_id(kHealth);
  s.mutable_response_for()->set_organ_id(kOffice);
  s.mutable_response_for()->set_document_id(back->header.edxml_document_id());
  s.set_status(truc::v1::EDXML_STATUS_ACCEPTED);
  s.set_description("Văn thư Sở Y tế đã vào sổ");
  s.mutable_staff()->set_staff("Trần Thị Bình");
  const std::string status_file = tmp_.Sub("tt03.edxml");
  ASSERT_TRUE(edxml::WriteStatusFile(s, status_file).ok());
  HttpResponse sent_status = api_->Handle(Request(
      health_, "sendEdoc",
      {{"from", kHealth}, {"servicetype", "eDoc"}, {"messagetype", "status"}},
      status_file));
  ASSERT_EQ(sent_status.status, 200) << sent_status.body;
  status = ledger_->StatusOf(id);
  EXPECT_EQ(status->recipients(0).state(), truc::v1::DELIVERY_STATE_ACCEPTED);

  // The office's software sees both statuses, as edXML status messages.
  list = Parse<truc::v1::AxisReceivedEdocList>(api_->Handle(
      Request(office_, "getReceivedEdocList", {{"from", kOffice}})));
  ASSERT_EQ(list.data_size(), 2);
  EXPECT_EQ(list.data(0).messagetype(), "status");
  EXPECT_EQ(list.data(1).messagetype(), "status");
  const std::string notice = list.data(1).docid();
  HttpResponse fetched = api_->Handle(
      Request(office_, "getEdoc", {{"from", kOffice}, {"docId", notice}}));
  ASSERT_EQ(fetched.status, 200) << fetched.body;
  auto status_back = edxml::ReadEdxml(Body(fetched), {});
  ASSERT_TRUE(status_back.ok());
  auto msg = edxml::StatusFromEdxml(*status_back);
  ASSERT_TRUE(msg.ok()) << msg.status();
  EXPECT_EQ(msg->status(), truc::v1::EDXML_STATUS_ACCEPTED);
  EXPECT_EQ(msg->from().organ_id(), kHealth);
  EXPECT_EQ(msg->response_for().document_id(),
            back->header.edxml_document_id());
  EXPECT_EQ(msg->staff().staff(), "Trần Thị Bình");
  EXPECT_EQ(Parse<truc::v1::AxisCount>(
                api_->Handle(Request(office_, "countReceiveStatus", {})))
                .total(),
            2);
  ASSERT_EQ(api_->Handle(Request(office_, "updateStatus",
                                 {{"docId", notice}, {"status", "done"}}))
                .status,
            200);
  EXPECT_EQ(Parse<truc::v1::AxisCount>(
                api_->Handle(Request(office_, "countReceiveStatus", {})))
                .total(),
            1);
  // Where each recipient stands, as the sender's software reads it.
  auto sent = Parse<truc::v1::AxisSentEdocList>(
      api_->Handle(Request(office_, "getSentEdocList", {{"from", kOffice}})));
  ASSERT_EQ(sent.data_size(), 1);
  EXPECT_EQ(sent.data(0).tocode(), kHealth);
  EXPECT_EQ(sent.data(0).receivestatus(), "done");
  EXPECT_EQ(sent.data(0).businessstatus(), "03");
}

// A province's truc-bridge whose upstream is this door: one system for the
// bridge, acting for every agency the directory says it reaches, and for
// nothing else.
TEST_F(AxisApiTest, ABridgesSystemCarriesBothWaysForTheAgenciesItReaches) {
  constexpr char kProvinceHealth[] = "000.07.00.H36";  // Sở Y tế Lạng Sơn
  constexpr char kProvinceOffice[] = "000.00.00.H36";  // UBND tỉnh Lạng Sơn
  const Identity& op = Operator();
  ASSERT_TRUE(directory_
                  ->Register(kProvinceHealth, "Sở Y tế tỉnh Lạng Sơn", "", op,
                             "lang-son")
                  .ok());
  ASSERT_TRUE(
      directory_
          ->Register(kProvinceOffice, "UBND tỉnh Lạng Sơn", "", op, "lang-son")
          .ok());
  // Exactly one of agency and bridge, and a bridge that reaches someone.
  EXPECT_THAT(systems_->Add(kOffice, "lang-son", "x", op),
              StatusIs(absl::StatusCode::kInvalidArgument, "exactly one"));
  EXPECT_THAT(systems_->Add("", "khong-co", "x", op),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "no agency is reached through bridge khong-co"));
  auto added = systems_->Add("", "lang-son", "truc-bridge Lạng Sơn", op);
  ASSERT_TRUE(added.ok()) << added.status();
  EXPECT_EQ(added->system().bridge(), "lang-son");
  const System bridge{added->system().id(), added->secret(), ""};

  // Down: the office sends to Sở Y tế (here) and to Lạng Sơn's (beyond).
  truc::v1::DocumentHeader h = OfficeHeader();
  h.add_to()->set_organ_id(kProvinceHealth);
  const std::string file = tmp_.Sub("down.edxml");
  ASSERT_TRUE(edxml::WriteDocumentFile(h, {}, file).ok());
  HttpResponse sent = api_->Handle(Request(
      office_, "sendEdoc", {{"from", kOffice}, {"messagetype", "edoc"}}, file));
  ASSERT_EQ(sent.status, 200) << sent.body;
  const std::string id = Parse<truc::v1::AxisResult>(sent).docid();
  // The bridge's list: the document, with the recipients it takes it to.
  auto list = Parse<truc::v1::AxisReceivedEdocList>(
      api_->Handle(Request(bridge, "getReceivedEdocList", {})));
  ASSERT_EQ(list.data_size(), 1);
  EXPECT_EQ(list.data(0).docid(), id);
  EXPECT_EQ(list.data(0).to(), kProvinceHealth);
  HttpResponse got = api_->Handle(Request(bridge, "getEdoc", {{"docId", id}}));
  ASSERT_EQ(got.status, 200) << got.body;
  auto parsed = edxml::ReadEdxml(Body(got), {});
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  // Taken beyond: forwarded, not yet received, no longer listed.
  ASSERT_EQ(api_->Handle(Request(bridge, "updateStatus",
                                 {{"docId", id}, {"status", "done"}}))
                .status,
            200);
  auto row = [&](const std::string& doc, const std::string& code) {
    auto status = ledger_->StatusOf(doc, /*evidence=*/true);
    EXPECT_TRUE(status.ok()) << status.status();
    for (const auto& r : status->recipients()) {
      if (r.organ_id() == code) return r;
    }
    return truc::v1::RecipientStatus();
  };
  EXPECT_EQ(row(id, kProvinceHealth).state(),
            truc::v1::DELIVERY_STATE_FORWARDED);
  EXPECT_EQ(Parse<truc::v1::AxisCount>(
                api_->Handle(Request(bridge, "countReceiveEdoc", {})))
                .total(),
            0);
  // Its arrival comes back as an edXML status from Lạng Sơn's Sở Y tế,
  // signed by the hub as carrier for the bridge's system.
  auto back = edxml::DocumentFromEdxml(*parsed);
  ASSERT_TRUE(back.ok()) << back.status();
  truc::v1::EdxmlStatusMessage arrived;
  arrived.mutable_from()->set_organ_id(kProvinceHealth);
  arrived.mutable_response_for()->set_organ_id(kOffice);
  arrived.mutable_response_for()->set_document_id(
      back->header.edxml_document_id());
  arrived.set_status(truc::v1::EDXML_STATUS_ARRIVED);
  const std::string arrived_file = tmp_.Sub("arrived.edxml");
  ASSERT_TRUE(edxml::WriteStatusFile(arrived, arrived_file).ok());
  HttpResponse reported = api_->Handle(Request(
      bridge, "sendEdoc",
      {{"from", kProvinceHealth}, {"messagetype", "status"}}, arrived_file));
  ASSERT_EQ(reported.status, 200) << reported.body;
  truc::v1::RecipientStatus r = row(id, kProvinceHealth);
  EXPECT_EQ(r.reception(), truc::v1::RECEPTION_RECEIVED);
  auto statement = VerifyReceipt(keys_.anchor(), r.history(0).receipt());
  ASSERT_TRUE(statement.ok()) << statement.status();
  EXPECT_EQ(statement->body.carried_for_system(), bridge.id);
  EXPECT_EQ(statement->body.carried_by_bridge(), "lang-son");
  // The same status again (a retry) is recorded once.
  ASSERT_EQ(api_->Handle(Request(bridge, "sendEdoc",
                                 {{"from", kProvinceHealth},
                                  {"messagetype", "status"}},
                                 arrived_file))
                .status,
            200);
  EXPECT_EQ(row(id, kProvinceHealth).history_size(), 1);
  // A status of an agency here is not the bridge's to report.
  arrived.mutable_from()->set_organ_id(kHealth);
  ASSERT_TRUE(edxml::WriteStatusFile(arrived, arrived_file).ok());
  HttpResponse not_its = api_->Handle(
      Request(bridge, "sendEdoc", {{"messagetype", "status"}}, arrived_file));
  EXPECT_EQ(not_its.status, 403) << not_its.body;
  EXPECT_THAT(not_its.body,
              HasSubstr("does not reach agency " + std::string(kHealth)));

  // Up: Lạng Sơn's office sends to Sở Y tế here through the bridge.
  truc::v1::DocumentHeader up = OfficeHeader();
  up.mutable_from()->set_organ_id(kProvinceOffice);
  up.mutable_code()->set_code_notation("UBND-LS");
  const std::string up_file = tmp_.Sub("up.edxml");
  ASSERT_TRUE(edxml::WriteDocumentFile(up, {}, up_file).ok());
  HttpResponse in = api_->Handle(
      Request(bridge, "sendEdoc",
              {{"from", kProvinceOffice}, {"messagetype", "edoc"}}, up_file));
  ASSERT_EQ(in.status, 200) << in.body;
  const std::string up_id = Parse<truc::v1::AxisResult>(in).docid();
  auto up_doc = ledger_->GetDocument(up_id);
  ASSERT_TRUE(up_doc.ok());
  EXPECT_EQ(up_doc->sender(), kProvinceOffice);
  EXPECT_EQ(up_doc->envelope().carried_for_system(), bridge.id);
  // `from` names an agency the bridge does not reach: refused.
  HttpResponse as_other = api_->Handle(
      Request(bridge, "sendEdoc", {{"from", kHealth}, {"messagetype", "edoc"}},
              up_file));
  EXPECT_EQ(as_other.status, 403) << as_other.body;
  EXPECT_THAT(as_other.body, HasSubstr("acts for bridge lang-son"));
  // Back the way it came: refused, nothing stored.
  const size_t before = Documents();
  up.clear_to();
  up.add_to()->set_organ_id(kProvinceHealth);
  ASSERT_TRUE(edxml::WriteDocumentFile(up, {}, up_file).ok());
  HttpResponse loop = api_->Handle(
      Request(bridge, "sendEdoc",
              {{"from", kProvinceOffice},
               {"messagetype", "edoc"},
               {"to", absl::StrCat("[\"", kProvinceHealth, "\"]")}},
              up_file));
  EXPECT_EQ(loop.status, 400) << loop.body;
  EXPECT_THAT(loop.body, HasSubstr("not sent back the way it came"));
  HttpResponse nobody_here = api_->Handle(
      Request(bridge, "sendEdoc",
              {{"from", kProvinceOffice}, {"messagetype", "edoc"}}, up_file));
  EXPECT_EQ(nobody_here.status, 400) << nobody_here.body;
  EXPECT_THAT(nobody_here.body,
              HasSubstr("none of the document's recipients is reached"));
  EXPECT_EQ(Documents(), before);
  // Sở Y tế's software takes it (01): the status waits for the bridge, as
  // an edXML status message naming the document.
  ASSERT_EQ(api_->Handle(Request(health_, "updateStatus",
                                 {{"docId", up_id}, {"status", "done"}}))
                .status,
            200);
  list = Parse<truc::v1::AxisReceivedEdocList>(
      api_->Handle(Request(bridge, "getReceivedEdocList", {})));
  ASSERT_EQ(list.data_size(), 1);
  EXPECT_EQ(list.data(0).messagetype(), "status");
  HttpResponse status_got = api_->Handle(
      Request(bridge, "getEdoc", {{"docId", list.data(0).docid()}}));
  ASSERT_EQ(status_got.status, 200) << status_got.body;
  auto status_parsed = edxml::ReadEdxml(Body(status_got), {});
  ASSERT_TRUE(status_parsed.ok());
  auto msg = edxml::StatusFromEdxml(*status_parsed);
  ASSERT_TRUE(msg.ok()) << msg.status();
  EXPECT_EQ(msg->status(), truc::v1::EDXML_STATUS_ARRIVED);
  EXPECT_EQ(msg->from().organ_id(), kHealth);
  EXPECT_EQ(msg->response_for().organ_id(), kProvinceOffice);
  ASSERT_EQ(api_->Handle(Request(bridge, "updateStatus",
                                 {{"docId", list.data(0).docid()},
                                  {"status", "done"}}))
                .status,
            200);
  EXPECT_EQ(Parse<truc::v1::AxisCount>(
                api_->Handle(Request(bridge, "countReceiveStatus", {})))
                .total(),
            0);

  // The directory it mirrors leaves out the agencies it reaches itself.
  std::set<std::string> codes;
  int version = 0;
  while (true) {
    auto units = Parse<truc::v1::AxisUnitList>(api_->Handle(Request(
        bridge, "getSynchronizeUnit", {{"version", absl::StrCat(version)}})));
    for (const auto& u : units.data()) codes.insert(u.code());
    if (!units.hasmore()) break;
    version = units.version();
  }
  EXPECT_TRUE(codes.count(kHealth));
  EXPECT_FALSE(codes.count(kProvinceHealth));
  EXPECT_FALSE(codes.count(kProvinceOffice));
}

TEST_F(AxisApiTest, UpdateStatusFailIsARefusalOnArrival) {
  const std::string id = SendFromOffice();
  ASSERT_EQ(api_->Handle(Request(health_, "updateStatus",
                                 {{"docId", id}, {"status", "fail"}}))
                .status,
            200);
  auto status = ledger_->StatusOf(id);
  EXPECT_EQ(status->recipients(0).state(),
            truc::v1::DELIVERY_STATE_REFUSED_ON_ARRIVAL);
  EXPECT_EQ(status->received_count(), 0u);
  HttpResponse bad = api_->Handle(
      Request(health_, "updateStatus", {{"docId", id}, {"status", "maybe"}}));
  EXPECT_EQ(bad.status, 400);
  EXPECT_THAT(bad.body, HasSubstr("is not processing, done or fail"));
}

TEST_F(AxisApiTest, BadRequestsGetTheApisErrorAndStoreNothing) {
  const std::string file = OfficeEdxml();
  const axis::Headers send = {
      {"from", kOffice}, {"servicetype", "eDoc"}, {"messagetype", "edoc"}};
  auto expect = [&](const HttpRequest& r, int http, const std::string& words) {
    HttpResponse a = api_->Handle(r);
    EXPECT_EQ(a.status, http) << a.body;
    auto result = Parse<truc::v1::AxisResult>(a);
    EXPECT_EQ(result.status(), "FAIL");
    EXPECT_EQ(result.errorcode(), absl::StrCat(http));
    EXPECT_THAT(result.errordesc(), HasSubstr(words));
  };
  // A wrong HMAC: another secret.
  System forged = office_;
  forged.secret = std::string(40, 'a');
  expect(Request(forged, "sendEdoc", send, file), 401, "is not the HMAC");
  // A timestamp ten minutes old.
  expect(Request(office_, "sendEdoc", send, file, now_.load() - 600'000'000),
         401, "from the hub's clock");
  // A replay: the same signed request twice.
  HttpRequest once = Request(office_, "countReceiveEdoc", {});
  EXPECT_EQ(api_->Handle(once).status, 200);
  expect(once, 401, "a replay is refused");
  // Another agency's `from`: the credentials decide.
  expect(
      Request(
          office_, "sendEdoc",
          {{"from", kHealth}, {"servicetype", "eDoc"}, {"messagetype", "edoc"}},
          file),
      403, "acts for 000.01.00.H99 only");
  // A file that changed after hash-file was computed.
  HttpRequest altered = Request(office_, "sendEdoc", send, file);
  const std::string other = tmp_.Sub("other.edxml");
  ASSERT_TRUE(WriteFileDurably(other, *ReadFile(file) + " ").ok());
  altered.body_file = other;
  expect(altered, 400, "hash-file says");
  // A file the codec refuses, naming the element.
  const std::string broken = tmp_.Sub("broken.edxml");
  std::string text = *ReadFile(file);
  text.replace(text.find("<edXML:Priority>3"), 17, "<edXML:Priority>9");
  ASSERT_TRUE(WriteFileDurably(broken, text).ok());
  expect(Request(office_, "sendEdoc", send, broken), 400,
         "MessageHeader/OtherInfo/Priority");
  // Sở Y tế's system cannot send the office's document.
  expect(
      Request(
          health_, "sendEdoc",
          {{"from", kHealth}, {"servicetype", "eDoc"}, {"messagetype", "edoc"}},
          file),
      400, "its sender (MessageHeader/From/OrganId) is 000.01.00.H99");
  // No such operation; not POST; a revoked system.
  expect(Request(office_, "deleteEverything", {}), 404, "no operation");
  HttpRequest get = Request(office_, "countReceiveEdoc", {});
  get.method = "GET";
  expect(get, 400, "takes POST");
  ASSERT_TRUE(systems_->Revoke(office_.id, "thay máy", Operator()).ok());
  expect(Request(office_, "countReceiveEdoc", {}), 401, "unknown or revoked");
  EXPECT_EQ(Documents(), 0u);
}

// One row per operation: what each system may do with the office's
// document sent to Sở Y tế. The office's system sent it, Sở Y tế's
// receives it, Sở Tài chính's is neither; a revoked or unknown system is
// refused before any operation looks at the request.
TEST_F(AxisApiTest, AuthorizationTable) {
  const std::string id = SendFromOffice();
  const System finance = Add(kFinance);
  System revoked = Add(kYTich);
  ASSERT_TRUE(systems_->Revoke(revoked.id, "thay máy", Operator()).ok());
  System unknown = office_;
  unknown.id = "sys-0000000000000000";
  const std::string file = OfficeEdxml("again.edxml");
  const axis::Headers send = {{"servicetype", "eDoc"}, {"messagetype", "edoc"}};
  struct Row {
    std::string operation;
    axis::Headers params;
    bool with_file;
    int office, health, finance;  // the HTTP status each one gets
  };
  const std::vector<Row> rows = {
      // Only the sender's system sends the sender's document.
      {"sendEdoc", send, true, 200, 400, 400},
      {"getReceivedEdocList", {}, false, 200, 200, 200},
      // The sender and the recipients may read it; nobody else.
      {"getEdoc", {{"docId", id}}, false, 200, 200, 403},
      // Only a recipient reports its own reception.
      {"updateStatus",
       {{"docId", id}, {"status", "processing"}},
       false,
       403,
       200,
       403},
      {"getSentEdocList", {}, false, 200, 200, 200},
      {"countReceiveEdoc", {}, false, 200, 200, 200},
      {"countReceiveStatus", {}, false, 200, 200, 200},
      {"getAgenciesList", {}, false, 200, 200, 200},
      {"getSynchronizeUnit", {{"version", "0"}}, false, 200, 200, 200},
  };
  for (const Row& row : rows) {
    const std::string f = row.with_file ? file : "";
    for (const auto& [sys, expected] :
         std::vector<std::pair<System, int>>{{office_, row.office},
                                             {health_, row.health},
                                             {finance, row.finance},
                                             {revoked, 401},
                                             {unknown, 401}}) {
      HttpResponse r = api_->Handle(Request(sys, row.operation, row.params, f));
      EXPECT_EQ(r.status, expected)
          << row.operation << " by " << sys.agency << ": " << r.body;
    }
  }
  // What each may see is its own: the lists and counts are per agency.
  EXPECT_EQ(Parse<truc::v1::AxisReceivedEdocList>(
                api_->Handle(Request(finance, "getReceivedEdocList", {})))
                .data_size(),
            0);
  EXPECT_EQ(Parse<truc::v1::AxisSentEdocList>(
                api_->Handle(Request(health_, "getSentEdocList", {})))
                .data_size(),
            0);
  EXPECT_EQ(Parse<truc::v1::AxisSentEdocList>(
                api_->Handle(Request(office_, "getSentEdocList", {})))
                .data_size(),
            1);
}

TEST_F(AxisApiTest, TheDirectoryComesWholeAndThenByChanges) {
  auto all = Parse<truc::v1::AxisAgencyList>(
      api_->Handle(Request(health_, "getAgenciesList", {})));
  ASSERT_EQ(all.data_size(), 5);
  // Five agencies, three a page: two pages.
  auto first = Parse<truc::v1::AxisUnitList>(
      api_->Handle(Request(health_, "getSynchronizeUnit", {{"version", "0"}})));
  ASSERT_EQ(first.data_size(), 3);
  EXPECT_TRUE(first.hasmore());
  auto second = Parse<truc::v1::AxisUnitList>(
      api_->Handle(Request(health_, "getSynchronizeUnit",
                           {{"version", absl::StrCat(first.version())}})));
  ASSERT_EQ(second.data_size(), 2);
  EXPECT_FALSE(second.hasmore());
  EXPECT_LT(first.data(2).version(), second.data(0).version());
  for (int i = 1; i < first.data_size(); ++i) {
    EXPECT_LT(first.data(i - 1).version(), first.data(i).version());
  }
  first = second;
  const int64_t seen = first.version();
  // Nothing changed: nothing comes.
  auto none = Parse<truc::v1::AxisUnitList>(api_->Handle(Request(
      health_, "getSynchronizeUnit", {{"version", absl::StrCat(seen)}})));
  EXPECT_EQ(none.data_size(), 0);
  EXPECT_EQ(none.version(), seen);
  // A commune added, a department suspended: those two, in order.
  ASSERT_TRUE(directory_
                  ->Register("000.22.30.H99", "UBND xã Vân Thủy",
                             "000.00.00.H99", Operator())
                  .ok());
  ASSERT_TRUE(
      directory_
          ->SetState(kFinance, truc::v1::AGENCY_STATE_SUSPENDED, Operator())
          .ok());
  auto changes = Parse<truc::v1::AxisUnitList>(api_->Handle(Request(
      health_, "getSynchronizeUnit", {{"version", absl::StrCat(seen)}})));
  ASSERT_EQ(changes.data_size(), 2);
  EXPECT_EQ(changes.data(0).code(), "000.22.30.H99");
  EXPECT_EQ(changes.data(0).name(), "UBND xã Vân Thủy");
  EXPECT_FALSE(changes.data(0).deleted());
  EXPECT_EQ(changes.data(1).code(), kFinance);
  EXPECT_TRUE(changes.data(1).deleted());
  EXPECT_EQ(changes.version(), changes.data(1).version());
  // The versions survive a restart.
  Open();
  EXPECT_EQ(directory_->version(), static_cast<uint64_t>(changes.version()));
}

}  // namespace
}  // namespace truc::hub
