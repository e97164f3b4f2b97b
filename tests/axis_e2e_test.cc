// The national axis's API at a real truc-hub, over HTTPS on loopback:
// systems added with `truc system add`, the client library (common/axis)
// calling every operation with the national axis's own samples, statuses
// both ways between software on the door and agents, the directory feed,
// `truc axis` by hand, a client certificate required, and the wire itself
// checked with a raw HTTP client against NATIONAL-AXIS.md's description
// (header names, the MACed string, the multipart field, JSON names and
// types), so that the client and the server cannot agree on a mistake.
#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>
#include <httplib.h>

#include <set>
#include <tuple>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/axis/client.h"
#include "common/edxml/mapping.h"
#include "common/edxml/reader.h"
#include "common/edxml/writer.h"
#include "common/file_util.h"
#include "common/sha256.h"
#include "common/test_util.h"
#include "common/text_proto.h"
#include "gtest/gtest.h"
#include "tests/province.h"
#include "truc/v1/axis.pb.h"
#include "truc/v1/config.pb.h"

namespace truc::testing {
namespace {

using ::testing::HasSubstr;

// The codes the national axis's samples use.
constexpr char kGovOffice[] = "000.00.00.G22";  // Văn phòng Chính phủ
constexpr char kMonre[] = "000.00.00.H41";  // Bộ Tài nguyên và Môi trường

std::string Sample(const std::string& name) {
  return absl::StrCat(TRUC_EDXML_SAMPLES, "/", name);
}

// The sample's bytes with `replacements` made, written to `out`.
void Edit(const std::string& sample,
          const std::vector<std::pair<std::string, std::string>>& replacements,
          const std::string& out) {
  auto text = ReadFile(Sample(sample), 1 << 30);
  ASSERT_TRUE(text.ok()) << text.status();
  std::string s = *text;
  for (const auto& [from, to] : replacements) {
    ASSERT_TRUE(absl::StrContains(s, from)) << sample << ": " << from;
    s = absl::StrReplaceAll(s, {{from, to}});
  }
  TRUC_ASSERT_OK(WriteFileDurably(out, s));
}

class AxisEndToEnd : public ::testing::Test {
 protected:
  void SetUp() override { StartHub(""); }

  void StartHub(const std::string& axis_extra) {
    p_.WriteHubConfig(absl::StrCat(
        "axis_organ_id: \"000.00.00.H99\"\n"
        "axis_api { listen_address: \"127.0.0.1:0\" port_file: \"axis.port\" "
        "directory_page_size: 2 max_body_mb: 1 ",
        axis_extra, "}\n"));
    p_.StartHub();
    axis_port_ = p_.PortIn("axis.port");
    ASSERT_NE(axis_port_, 0);
  }

  std::string Url() const {
    return absl::StrCat("https://127.0.0.1:", axis_port_);
  }

  // `truc system add` for `agency`, writing <dir>/<file>; the system id.
  std::string AddSystem(const std::string& agency, const std::string& name,
                        const std::string& file) {
    RunResult r = p_.Truc(
        p_.Profile("operator"),
        {"system", "add", "--agency", agency, "--name", name, "--profile-out",
         p_.Path(file), "--url", Url(), "--ca", p_.Path("ca.crt")});
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    EXPECT_THAT(r.out, HasSubstr("Secret, shown this once: "));
    truc::v1::AxisProfile profile;
    EXPECT_TRUE(LoadTextProtoFile(p_.Path(file), &profile).ok());
    EXPECT_THAT(r.out, HasSubstr(profile.secret()));
    return profile.system_id();
  }

  axis::Client ClientOf(const std::string& file) {
    truc::v1::AxisProfile profile;
    absl::Status loaded = LoadTextProtoFile(p_.Path(file), &profile);
    EXPECT_TRUE(loaded.ok()) << loaded;
    axis::Endpoint e = axis::EndpointOf(profile);
    e.timeout_seconds = 30;
    return axis::Client(std::move(e));
  }

  // The national axis's two sample ministries, each with its software on
  // the door.
  void TwoMinistries() {
    p_.SmallProvince();
    p_.Register(kGovOffice, "Văn phòng Chính phủ");
    p_.Register(kMonre, "Bộ Tài nguyên và Môi trường");
    AddSystem(kGovOffice, "Phần mềm QLVB Văn phòng Chính phủ", "g22.axis");
    AddSystem(kMonre, "Phần mềm QLVB Bộ TN&MT", "h41.axis");
  }

  // edoc_new.edxml, from Văn phòng Chính phủ to Bộ TN&MT (the sample's
  // own From and To are a commune and a code of another format).
  std::string NewDocument() {
    const std::string out = p_.Path("edoc_new_g22.edxml");
    Edit("edoc_new.edxml",
         {{"<edXML:OrganId>002.00.20.H13<", "<edXML:OrganId>000.00.00.G22<"},
          {"<edXML:OrganId>28.22.H17<", "<edXML:OrganId>000.00.00.H41<"}},
         out);
    return out;
  }

  truc::v1::DeliveryState StateOf(const std::string& id) {
    auto s = p_.Status(id);
    EXPECT_TRUE(s.ok()) << s.status();
    if (!s.ok() || s->recipients_size() == 0) {
      return truc::v1::DELIVERY_STATE_UNSPECIFIED;
    }
    return s->recipients(0).state();
  }

  Province p_;
  int axis_port_ = 0;
};

TEST_F(AxisEndToEnd, EverySampleAndEveryOperationThroughTheDoor) {
  TwoMinistries();
  axis::Client g22 = ClientOf("g22.axis");
  axis::Client h41 = ClientOf("h41.axis");

  // sendEdoc: the new document sample.
  const std::string file = NewDocument();
  auto sent = g22.SendEdoc(file, kGovOffice, "edoc");
  ASSERT_TRUE(sent.ok()) << sent.status();
  EXPECT_EQ(sent->status(), "OK");
  const std::string id = sent->docid();
  ASSERT_FALSE(id.empty());
  EXPECT_EQ(StateOf(id), truc::v1::DELIVERY_STATE_QUEUED);
  // Sent again (a retry after a lost answer): the same document.
  auto again = g22.SendEdoc(file, kGovOffice, "edoc");
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->docid(), id);

  // The recipient's software: the count, the list, the edXML.
  auto count = h41.CountReceiveEdoc(kMonre);
  ASSERT_TRUE(count.ok()) << count.status();
  EXPECT_EQ(count->total(), 1);
  auto list = h41.GetReceivedEdocList(kMonre);
  ASSERT_TRUE(list.ok()) << list.status();
  ASSERT_EQ(list->data_size(), 1);
  EXPECT_EQ(list->data(0).docid(), id);
  EXPECT_EQ(list->data(0).from(), kGovOffice);
  EXPECT_EQ(list->data(0).messagetype(), "edoc");
  EXPECT_EQ(list->data(0).status(), "initial");
  const std::string fetched = p_.Path("fetched.edxml");
  TRUC_ASSERT_OK(h41.GetEdoc(kMonre, id, fetched));
  // Every field and every attachment's bytes as the sender wrote them.
  auto original = edxml::ReadEdxmlFile(file, {});
  auto back = edxml::ReadEdxmlFile(fetched, {});
  ASSERT_TRUE(original.ok() && back.ok()) << back.status();
  ASSERT_EQ(back->attachments.size(), original->attachments.size());
  for (size_t i = 0; i < back->attachments.size(); ++i) {
    EXPECT_EQ(back->attachments[i].sha256, original->attachments[i].sha256);
    EXPECT_EQ(back->attachments[i].name, original->attachments[i].name);
  }
  auto doc_back = edxml::DocumentFromEdxml(*std::move(back));
  auto doc_sent = edxml::DocumentFromEdxml(*std::move(original));
  ASSERT_TRUE(doc_back.ok() && doc_sent.ok()) << doc_back.status();
  EXPECT_EQ(doc_back->header.subject(), doc_sent->header.subject());
  EXPECT_EQ(doc_back->header.edxml_document_id(),
            "000.00.00.G22,2015/09/30,7816/VPCP-TTĐT");
  EXPECT_EQ(doc_back->header.signer().full_name(),
            doc_sent->header.signer().full_name());
  // The hub adds its trace as the axis the document crossed.
  ASSERT_GE(doc_back->header.edxml().trace_headers_size(), 1);
  EXPECT_EQ(
      doc_back->header.edxml()
          .trace_headers(doc_back->header.edxml().trace_headers_size() - 1)
          .organ_id(),
      "000.00.00.H99");

  // updateStatus processing records nothing; done is the arrival (01).
  ASSERT_TRUE(h41.UpdateStatus(kMonre, id, "processing").ok());
  EXPECT_EQ(StateOf(id), truc::v1::DELIVERY_STATE_QUEUED);
  ASSERT_TRUE(h41.UpdateStatus(kMonre, id, "done").ok());
  EXPECT_EQ(StateOf(id), truc::v1::DELIVERY_STATE_ARRIVED);
  EXPECT_EQ(h41.CountReceiveEdoc(kMonre)->total(), 0);

  // The status samples, in the order a ministry sends them.
  struct Step {
    std::string sample;
    truc::v1::DeliveryState state;
  };
  for (const Step& step : std::vector<Step>{
           {"status_inbox_01.edxml", truc::v1::DELIVERY_STATE_ARRIVED},
           {"status.edxml", truc::v1::DELIVERY_STATE_ARRIVED},
           {"status_acceptance_03.edxml", truc::v1::DELIVERY_STATE_ACCEPTED},
           {"status_assignment_04.edxml", truc::v1::DELIVERY_STATE_ASSIGNED},
           {"status_processing_05.edxml", truc::v1::DELIVERY_STATE_PROCESSING},
           {"status_finish_06.edxml", truc::v1::DELIVERY_STATE_COMPLETED}}) {
    auto r = h41.SendEdoc(Sample(step.sample), kMonre, "status");
    ASSERT_TRUE(r.ok()) << step.sample << ": " << r.status();
    EXPECT_EQ(r->docid(), id) << step.sample;
    EXPECT_EQ(StateOf(id), step.state) << step.sample;
  }
  // A refusal after it was accepted and finished is refused.
  auto late =
      h41.SendEdoc(Sample("status_rejection_02.edxml"), kMonre, "status");
  EXPECT_FALSE(late.ok());
  EXPECT_EQ(StateOf(id), truc::v1::DELIVERY_STATE_COMPLETED);
  // A recall and its answers, and revocations, updates and replacements,
  // are not carried yet: each a clear refusal that names what.
  for (const auto& [client, from, sample] :
       std::vector<std::tuple<axis::Client*, std::string, std::string>>{
           {&g22, kGovOffice, "status_cancellation_13.edxml"},
           {&h41, kMonre, "status_change-acceptance_15.edxml"},
           {&h41, kMonre, "status_change-rejection_16.edxml"}}) {
    auto r = client->SendEdoc(Sample(sample), from, "status");
    ASSERT_FALSE(r.ok()) << sample;
    EXPECT_THAT(std::string(r.status().message()),
                HasSubstr("is not carried by truc yet"))
        << sample;
  }
  for (const char* sample : {"edoc_revocation.edxml", "edoc_update.edxml",
                             "edoc_replacement.edxml"}) {
    auto r = g22.SendEdoc(Sample(sample), kGovOffice, "edoc");
    ASSERT_FALSE(r.ok()) << sample;
    EXPECT_THAT(std::string(r.status().message()),
                HasSubstr("BussinessDocType"))
        << sample;
  }

  // The sender's software: each status as an edXML status message.
  auto statuses = g22.CountReceiveStatus(kGovOffice);
  ASSERT_TRUE(statuses.ok()) << statuses.status();
  EXPECT_GE(statuses->total(), 5);  // 01 (done and the samples), 03..06
  auto inbox = g22.GetReceivedEdocList(kGovOffice);
  ASSERT_TRUE(inbox.ok()) << inbox.status();
  std::vector<int> codes;
  for (const auto& item : inbox->data()) {
    ASSERT_EQ(item.messagetype(), "status");
    EXPECT_EQ(item.from(), kMonre);
    const std::string out = p_.Path("st-" + item.docid() + ".edxml");
    TRUC_ASSERT_OK(g22.GetEdoc(kGovOffice, item.docid(), out));
    auto parsed = edxml::ReadEdxmlFile(out, {});
    ASSERT_TRUE(parsed.ok()) << parsed.status();
    auto status = edxml::StatusFromEdxml(*parsed);
    ASSERT_TRUE(status.ok()) << status.status();
    EXPECT_EQ(status->from().organ_id(), kMonre);
    EXPECT_EQ(status->response_for().document_id(),
              "000.00.00.G22,2015/09/30,7816/VPCP-TTĐT");
    codes.push_back(static_cast<int>(status->status()));
    ASSERT_TRUE(g22.UpdateStatus(kGovOffice, item.docid(), "done").ok());
  }
  EXPECT_THAT(codes, ::testing::IsSupersetOf({1, 3, 4, 5, 6}));
  EXPECT_EQ(g22.CountReceiveStatus(kGovOffice)->total(), 0);

  // getSentEdocList: where the recipient stands.
  auto where = g22.GetSentEdocList(kGovOffice);
  ASSERT_TRUE(where.ok()) << where.status();
  ASSERT_EQ(where->data_size(), 1);
  EXPECT_EQ(where->data(0).senderdocid(), id);
  EXPECT_EQ(where->data(0).tocode(), kMonre);
  EXPECT_EQ(where->data(0).receivestatus(), "done");
  EXPECT_EQ(where->data(0).businessstatus(), "06");
  EXPECT_EQ(where->data(0).messagetype(), "edoc");
}

TEST_F(AxisEndToEnd, SoftwareOnTheDoorAndAgentsSeeTheSameStatesBothWays) {
  p_.SmallProvince();
  AddSystem(kHealth, "Phần mềm QLVB Sở Y tế", "syt.axis");
  axis::Client health = ClientOf("syt.axis");
  p_.StartAgent(kOffice);
  p_.StartAgent(kYTich);
  // The office's agent-side client sends to Sở Y tế (on the door) and to
  // UBND xã Y Tịch (an agent).
  auto sent = p_.Send(kOffice, {kHealth, kYTich}, "Về việc tiêm chủng mở rộng",
                      {{"Kế hoạch.pdf", "%PDF kế hoạch"}});
  ASSERT_TRUE(sent.ok()) << sent.status();
  const std::string id = sent->document_id();
  ASSERT_TRUE(WaitFor(
      [&] {
        auto s = p_.Status(id);
        return s.ok() && s->received_count() == 1;
      },
      std::chrono::seconds(30)));
  auto status = p_.Status(id);
  EXPECT_EQ(status->received_count(), 1u);  // Y Tịch's agent; not Sở Y tế
  // Sở Y tế's software takes it: now both have it.
  auto list = health.GetReceivedEdocList(kHealth);
  ASSERT_TRUE(list.ok()) << list.status();
  ASSERT_EQ(list->data_size(), 1);
  EXPECT_EQ(list->data(0).title(), "Về việc tiêm chủng mở rộng");
  TRUC_ASSERT_OK(health.GetEdoc(kHealth, id, p_.Path("kh.edxml")));
  ASSERT_TRUE(health.UpdateStatus(kHealth, id, "done").ok());
  status = p_.Status(id);
  EXPECT_EQ(status->received_count(), 2u);
  for (const auto& r : status->recipients()) {
    EXPECT_EQ(r.state(), truc::v1::DELIVERY_STATE_ARRIVED) << r.organ_id();
  }
  // `truc status` prints the same table whichever way each arrived.
  RunResult table = p_.Truc(p_.Profile(kOffice), {"status", id});
  EXPECT_EQ(table.exit_code, 0) << table.err;
  EXPECT_THAT(table.out, HasSubstr("2 of 2 received"));
  EXPECT_THAT(table.out, ::testing::Not(HasSubstr("SILENT")));

  // The other way: Sở Y tế's software sends to the office, which runs an
  // agent; the agent's acknowledgement comes back as a status (01).
  truc::v1::DocumentHeader h =
      ClerkHeader(kHealth, {kOffice}, "Báo cáo tình hình dịch sốt xuất huyết",
                  truc::v1::URGENCY_URGENT);
  auto* date = h.mutable_promulgation()->mutable_promulgation_date();
  date->set_year(2026);
  date->set_month(12);
  date->set_day(7);
  h.mutable_code()->set_code_number("88");
  h.mutable_code()->set_code_notation("BC-SYT");
  const std::string pdf = p_.Path("bc.pdf");
  TRUC_ASSERT_OK(WriteFileDurably(pdf, "%PDF báo cáo"));
  auto* a = h.add_attachments();
  a->set_name("Báo cáo.pdf");
  a->set_content_type("application/pdf");
  a->set_size(std::string("%PDF báo cáo").size());
  a->set_sha256(Sha256::Of("%PDF báo cáo"));
  const std::string report = p_.Path("bc.edxml");
  TRUC_ASSERT_OK(edxml::WriteDocumentFile(h, {pdf}, report));
  auto up = health.SendEdoc(report, kHealth, "edoc");
  ASSERT_TRUE(up.ok()) << up.status();
  ASSERT_TRUE(WaitFor(
      [&] {
        auto l = health.GetReceivedEdocList(kHealth);
        return l.ok() && l->data_size() == 1 &&
               l->data(0).messagetype() == "status";
      },
      std::chrono::seconds(30)));
  auto in_office = p_.Inbox(kOffice);
  EXPECT_EQ(in_office.size(), 1u);
  auto sent_list = health.GetSentEdocList(kHealth);
  ASSERT_TRUE(sent_list.ok());
  ASSERT_EQ(sent_list->data_size(), 1);
  EXPECT_EQ(sent_list->data(0).tocode(), kOffice);
  EXPECT_EQ(sent_list->data(0).receivestatus(), "done");
  EXPECT_EQ(sent_list->data(0).businessstatus(), "01");
}

TEST_F(AxisEndToEnd, TheDirectoryFeedIsPagedAndIncremental) {
  TwoMinistries();
  axis::Client g22 = ClientOf("g22.axis");
  auto all = g22.GetAgenciesList(kGovOffice);
  ASSERT_TRUE(all.ok()) << all.status();
  std::set<std::string> listed;
  for (const auto& a : all->data()) listed.insert(a.code());
  EXPECT_EQ(listed.size(), 6u);
  EXPECT_TRUE(listed.count(kYTich));
  // Two a page (directory_page_size: 2), from version 0 to the end.
  std::set<std::string> fed;
  int32_t version = 0;
  int pages = 0;
  for (bool more = true; more; ++pages) {
    auto page = g22.GetSynchronizeUnit(kGovOffice, version);
    ASSERT_TRUE(page.ok()) << page.status();
    ASSERT_LE(page->data_size(), 2);
    for (const auto& u : page->data()) {
      EXPECT_GT(u.version(), version);
      fed.insert(u.code());
    }
    version = page->version();
    more = page->hasmore();
    ASSERT_LT(pages, 10);
  }
  EXPECT_EQ(pages, 3);
  EXPECT_EQ(fed, listed);
  // Nothing new: nothing comes. A commune added: only it.
  auto none = g22.GetSynchronizeUnit(kGovOffice, version);
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(none->data_size(), 0);
  p_.Register("000.22.30.H99", "UBND xã Vân Thủy");
  auto changes = g22.GetSynchronizeUnit(kGovOffice, version);
  ASSERT_TRUE(changes.ok());
  ASSERT_EQ(changes->data_size(), 1);
  EXPECT_EQ(changes->data(0).code(), "000.22.30.H99");
  EXPECT_EQ(changes->data(0).name(), "UBND xã Vân Thủy");
  EXPECT_FALSE(changes->data(0).deleted());
  // The same through `truc axis agencies`.
  RunResult r = p_.Truc(p_.Profile("operator"),
                        {"axis", "--axis-profile", p_.Path("g22.axis"),
                         "agencies", "--since", absl::StrCat(version)});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("UBND xã Vân Thủy"));
}

TEST_F(AxisEndToEnd, TrucAxisByHandAndASystemRevoked) {
  TwoMinistries();
  const std::string g22 = p_.Path("g22.axis");
  const std::string h41 = p_.Path("h41.axis");
  const std::string op = p_.Profile("operator");
  RunResult sent =
      p_.Truc(op, {"axis", "--axis-profile", g22, "send", NewDocument()});
  ASSERT_EQ(sent.exit_code, 0) << sent.out << sent.err;
  RunResult received = p_.Truc(op, {"axis", "--axis-profile", h41, "received"});
  ASSERT_EQ(received.exit_code, 0) << received.err;
  EXPECT_THAT(received.out, HasSubstr(kGovOffice));
  auto list = ClientOf("h41.axis").GetReceivedEdocList(kMonre);
  ASSERT_TRUE(list.ok() && list->data_size() == 1);
  const std::string id = list->data(0).docid();
  EXPECT_THAT(sent.out, HasSubstr(id));
  RunResult got = p_.Truc(op, {"axis", "--axis-profile", h41, "get", id,
                               "--out", p_.Path("got.edxml"), "--done"});
  ASSERT_EQ(got.exit_code, 0) << got.err;
  EXPECT_TRUE(PathExists(p_.Path("got.edxml")));
  EXPECT_EQ(StateOf(id), truc::v1::DELIVERY_STATE_ARRIVED);
  RunResult where = p_.Truc(op, {"axis", "--axis-profile", g22, "sent"});
  ASSERT_EQ(where.exit_code, 0) << where.err;
  EXPECT_THAT(where.out, HasSubstr(kMonre));
  // A profile that does not parse, a file that is not there.
  RunResult missing = p_.Truc(
      op, {"axis", "--axis-profile", g22, "send", p_.Path("no-such.edxml")});
  EXPECT_NE(missing.exit_code, 0);
  EXPECT_THAT(missing.err, HasSubstr("no-such.edxml"));

  // The operator lists and revokes Bộ TN&MT's system: refused at once.
  RunResult systems = p_.Truc(op, {"system", "list"});
  ASSERT_EQ(systems.exit_code, 0) << systems.err;
  EXPECT_THAT(systems.out, HasSubstr("Phần mềm QLVB Bộ TN&MT"));
  truc::v1::AxisProfile profile;
  TRUC_ASSERT_OK(LoadTextProtoFile(h41, &profile));
  EXPECT_THAT(systems.out, ::testing::Not(HasSubstr(profile.secret())));
  RunResult revoked = p_.Truc(op, {"system", "revoke", profile.system_id(),
                                   "--reason", "thay phần mềm"});
  ASSERT_EQ(revoked.exit_code, 0) << revoked.err;
  RunResult refused = p_.Truc(op, {"axis", "--axis-profile", h41, "received"});
  EXPECT_NE(refused.exit_code, 0);
  EXPECT_THAT(refused.err, HasSubstr("unknown or revoked"));
  // Only an operator adds systems.
  RunResult not_operator =
      p_.Truc(p_.Profile(kOffice),
              {"system", "add", "--agency", kOffice, "--name", "QLVB"});
  EXPECT_NE(not_operator.exit_code, 0);
}

TEST_F(AxisEndToEnd, TheDoorCanRequireAClientCertificate) {
  p_.SmallProvince();
  AddSystem(kHealth, "Phần mềm QLVB Sở Y tế", "syt.axis");
  p_.StopHub();
  StartHub("require_client_certificate: true ");
  // The port may have changed: the profile gets the new one, and then
  // first no certificate, then Sở Y tế's.
  truc::v1::AxisProfile profile;
  TRUC_ASSERT_OK(LoadTextProtoFile(p_.Path("syt.axis"), &profile));
  profile.set_url(Url());
  TRUC_ASSERT_OK(WriteFileDurably(p_.Path("syt.axis"), ToTextProto(profile)));
  auto without = ClientOf("syt.axis").CountReceiveEdoc(kHealth);
  EXPECT_FALSE(without.ok());
  EXPECT_EQ(without.status().code(), absl::StatusCode::kUnavailable)
      << without.status();
  profile.set_client_cert(p_.Path(absl::StrCat(kHealth, ".crt")));
  profile.set_client_key(p_.Path(absl::StrCat(kHealth, ".key")));
  TRUC_ASSERT_OK(WriteFileDurably(p_.Path("syt.axis"), ToTextProto(profile)));
  auto with = ClientOf("syt.axis").CountReceiveEdoc(kHealth);
  EXPECT_TRUE(with.ok()) << with.status();
}

// The wire, from NATIONAL-AXIS.md's description alone: a raw HTTPS client
// builds the XroadVnpt-* headers and the HMAC itself.
class AxisWire : public AxisEndToEnd {
 protected:
  void SetUp() override {
    AxisEndToEnd::SetUp();
    TwoMinistries();
    truc::v1::AxisProfile profile;
    TRUC_ASSERT_OK(LoadTextProtoFile(p_.Path("g22.axis"), &profile));
    system_id_ = profile.system_id();
    secret_ = profile.secret();
  }

  // The headers for `params` (name, value) as the SDK sends them: each
  // with an XroadVnpt- copy, the JSON of the pairs, their names joined by
  // ';', and the hex HMAC-SHA256 of that JSON under the secret.
  httplib::Headers Signed(std::vector<std::pair<std::string, std::string>> p,
                          const std::string& file = "") {
    p.emplace_back("systemid", system_id_);
    // ddMMyyyy'T'HHmmss+SSSS in Vietnam's time.
    const absl::Time now = absl::Now() + absl::Milliseconds(++calls_);
    p.emplace_back(
        "timestamp",
        absl::StrCat(absl::FormatTime("%d%m%YT%H%M%S", now,
                                      absl::FixedTimeZone(7 * 3600)),
                     "+",
                     absl::StrFormat("%04d", absl::ToUnixMillis(now) % 1000)));
    if (!file.empty()) {
      p.emplace_back("hash-file",
                     HexEncode(Sha256::Of(*ReadFile(file, 1 << 30))));
    }
    httplib::Headers h;
    std::vector<std::string> json, names;
    for (const auto& [name, value] : p) {
      h.emplace(name, value);
      h.emplace("XroadVnpt-" + name, value);
      json.push_back(absl::StrCat("\"", name, "\":\"", value, "\""));
      names.push_back(name);
    }
    const std::string sign = absl::StrCat("{", absl::StrJoin(json, ","), "}");
    h.emplace("XroadVnpt-sign-header", sign);
    h.emplace("XroadVnpt-sign-header-key", absl::StrJoin(names, ";"));
    h.emplace("XroadVnpt-hash-header", HexEncode(HmacSha256(secret_, sign)));
    return h;
  }

  std::unique_ptr<httplib::SSLClient> Http() {
    auto c = std::make_unique<httplib::SSLClient>("127.0.0.1", axis_port_);
    c->set_ca_cert_path(p_.Path("ca.crt").c_str());
    c->enable_server_certificate_verification(true);
    c->set_read_timeout(30, 0);
    return c;
  }

  // The answer's JSON as a Struct, to look at names and types.
  google::protobuf::Struct Json(const httplib::Result& r) {
    google::protobuf::Struct s;
    EXPECT_TRUE(r) << "no answer";
    if (!r) return s;
    EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(r->body, &s).ok())
        << r->body;
    return s;
  }

  static const google::protobuf::Value& Field(const google::protobuf::Struct& s,
                                              const std::string& name) {
    static const google::protobuf::Value kMissing;
    auto it = s.fields().find(name);
    EXPECT_NE(it, s.fields().end()) << "no field " << name;
    return it == s.fields().end() ? kMissing : it->second;
  }

  void ExpectError(const httplib::Result& r, int http,
                   const std::string& words) {
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, http) << r->body;
    google::protobuf::Struct s = Json(r);
    EXPECT_EQ(Field(s, "status").string_value(), "FAIL");
    EXPECT_EQ(Field(s, "ErrorCode").string_value(), absl::StrCat(http));
    EXPECT_THAT(Field(s, "ErrorDesc").string_value(), HasSubstr(words));
  }

  size_t Sent() {
    auto sent = ClientOf("g22.axis").GetSentEdocList(kGovOffice);
    EXPECT_TRUE(sent.ok()) << sent.status();
    return sent.ok() ? sent->data_size() : 0;
  }

  std::string system_id_, secret_;
  int calls_ = 0;
};

TEST_F(AxisWire, TheNamesAndTypesOnTheWireAreTheSdks) {
  const std::string file = NewDocument();
  auto http = Http();
  httplib::MultipartFormDataItems form = {{"file_doc", *ReadFile(file, 1 << 30),
                                           "edoc_new.edxml",
                                           "application/xml"}};
  auto r = http->Post("/sendEdoc",
                      Signed({{"from", kGovOffice},
                              {"servicetype", "eDoc"},
                              {"messagetype", "edoc"}},
                             file),
                      form);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  auto s = Json(r);
  EXPECT_EQ(Field(s, "status").string_value(), "OK");
  EXPECT_EQ(Field(s, "ErrorCode").string_value(), "0");
  EXPECT_TRUE(Field(s, "ErrorDesc").has_string_value());
  const std::string id = Field(s, "DocId").string_value();
  ASSERT_FALSE(id.empty());

  // The recipient's list: data[] of objects with the SDK's names.
  truc::v1::AxisProfile h41;
  TRUC_ASSERT_OK(LoadTextProtoFile(p_.Path("h41.axis"), &h41));
  system_id_ = h41.system_id();
  secret_ = h41.secret();
  r = http->Post("/getReceivedEdocList",
                 Signed({{"from", kMonre}, {"servicetype", "eDoc"}}), "",
                 "text/plain");
  s = Json(r);
  const auto& data = Field(s, "data").list_value();
  ASSERT_EQ(data.values_size(), 1);
  const auto& item = data.values(0).struct_value();
  for (const char* name :
       {"docId", "serviceType", "messageType", "created_time", "updated_time",
        "from", "to", "status"}) {
    EXPECT_TRUE(Field(item, name).has_string_value()) << name;
  }
  EXPECT_EQ(Field(item, "docId").string_value(), id);
  // getEdoc: the edXML itself.
  r = http->Post("/getEdoc", Signed({{"from", kMonre}, {"docId", id}}), "",
                 "text/plain");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200);
  EXPECT_TRUE(absl::StrContains(r->body, "<edXML:edXMLEnvelope"));
  r = http->Post("/updateStatus",
                 Signed({{"from", kMonre}, {"docId", id}, {"status", "done"}}),
                 "", "text/plain");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200) << r->body;
  r = http->Post("/countReceiveEdoc", Signed({{"from", kMonre}}), "",
                 "text/plain");
  EXPECT_TRUE(Field(Json(r), "total").has_number_value());

  // The sender's view per recipient.
  truc::v1::AxisProfile g22;
  TRUC_ASSERT_OK(LoadTextProtoFile(p_.Path("g22.axis"), &g22));
  system_id_ = g22.system_id();
  secret_ = g22.secret();
  r = http->Post("/getSentEdocList", Signed({{"from", kGovOffice}}), "",
                 "text/plain");
  s = Json(r);
  ASSERT_EQ(Field(s, "data").list_value().values_size(), 1);
  const auto& row = Field(s, "data").list_value().values(0).struct_value();
  for (const char* name :
       {"senderDocId", "receiverDocId", "fromCode", "toCode", "sendStatus",
        "sendStatusDesc", "receiveStatus", "receiveStatusDesc", "sentTime",
        "receivedTime", "title", "notation", "messageType", "serviceType"}) {
    EXPECT_TRUE(Field(row, name).has_string_value()) << name;
  }
  EXPECT_EQ(Field(row, "receiveStatus").string_value(), "done");
  // The directory: Agency and UnitSynchronize records.
  r = http->Post("/getAgenciesList", Signed({{"from", kGovOffice}}), "",
                 "text/plain");
  s = Json(r);
  ASSERT_GT(Field(s, "data").list_value().values_size(), 0);
  const auto& agency = Field(s, "data").list_value().values(0).struct_value();
  for (const char* name :
       {"id", "pid", "code", "name", "mail", "oldCode", "code102"}) {
    EXPECT_TRUE(Field(agency, name).has_string_value()) << name;
  }
  r = http->Post("/getSynchronizeUnit",
                 Signed({{"from", kGovOffice}, {"version", "0"}}), "",
                 "text/plain");
  s = Json(r);
  EXPECT_TRUE(Field(s, "version").has_number_value());
  EXPECT_TRUE(Field(s, "hasMore").has_bool_value());
  const auto& unit = Field(s, "data").list_value().values(0).struct_value();
  for (const char* name :
       {"id", "pid", "code", "name", "mail", "centerCode", "modifyDate"}) {
    EXPECT_TRUE(Field(unit, name).has_string_value()) << name;
  }
  EXPECT_TRUE(Field(unit, "version").has_number_value());
  EXPECT_TRUE(Field(unit, "deleted").has_bool_value());
  EXPECT_TRUE(Field(unit, "isAgency").has_bool_value());
}

TEST_F(AxisWire, BadBodiesGetTheApisErrorAndStoreNothing) {
  const std::string file = NewDocument();
  const std::vector<std::pair<std::string, std::string>> send = {
      {"from", kGovOffice}, {"servicetype", "eDoc"}, {"messagetype", "edoc"}};
  auto http = Http();
  // The file in another field than file_doc.
  httplib::MultipartFormDataItems wrong_field = {
      {"file", *ReadFile(file, 1 << 30), "edoc_new.edxml", "application/xml"}};
  ExpectError(http->Post("/sendEdoc", Signed(send, file), wrong_field), 400,
              "file_doc");
  // Malformed multipart: a boundary that never comes.
  httplib::Headers h = Signed(send, file);
  ExpectError(http->Post("/sendEdoc", h, "--nothing-like-the-boundary\r\n",
                         "multipart/form-data; boundary=XyZ"),
              400, "multipart");
  // Not multipart at all.
  ExpectError(http->Post("/sendEdoc", Signed(send, file),
                         *ReadFile(file, 1 << 30), "application/xml"),
              400, "multipart/form-data");
  // Over max_body_mb (1 MB here).
  const std::string big = p_.Path("big.edxml");
  TRUC_ASSERT_OK(WriteFileDurably(big, std::string(1'500'000, 'x')));
  httplib::MultipartFormDataItems oversize = {
      {"file_doc", *ReadFile(big, 1 << 30), "big.edxml", "application/xml"}};
  ExpectError(http->Post("/sendEdoc", Signed(send, big), oversize), 413,
              "over");
  // A wrong HMAC: the MAC of another string.
  httplib::Headers forged = Signed({{"from", kGovOffice}});
  forged.erase("XroadVnpt-hash-header");
  forged.emplace("XroadVnpt-hash-header", HexEncode(HmacSha256(secret_, "{}")));
  ExpectError(http->Post("/countReceiveEdoc", forged, "", "text/plain"), 401,
              "HMAC");
  // The same signed request twice: a replay.
  httplib::Headers once = Signed({{"from", kGovOffice}});
  auto first = http->Post("/countReceiveEdoc", once, "", "text/plain");
  ASSERT_TRUE(first);
  EXPECT_EQ(first->status, 200);
  ExpectError(http->Post("/countReceiveEdoc", once, "", "text/plain"), 401,
              "replay");
  // Another agency in `from`.
  ExpectError(http->Post("/countReceiveEdoc", Signed({{"from", kMonre}}), "",
                         "text/plain"),
              403, "acts for 000.00.00.G22 only");
  EXPECT_EQ(Sent(), 0u);
  // And after all that, the right request still works.
  httplib::MultipartFormDataItems form = {{"file_doc", *ReadFile(file, 1 << 30),
                                           "edoc_new.edxml",
                                           "application/xml"}};
  auto ok = http->Post("/sendEdoc", Signed(send, file), form);
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 200) << ok->body;
  EXPECT_EQ(Sent(), 1u);
}

}  // namespace
}  // namespace truc::testing
