// The hub's Prometheus endpoint after a scripted run against a real hub and
// agent: the text is parsed with the reference parser (Debian's
// python3-prometheus-client, tests/parse_metrics.py), and its figures are
// checked against what the hub says through its own commands.
#include <httplib.h>

#include <map>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/evidence.h"
#include "common/file_util.h"
#include "common/sha256.h"
#include "common/signature.h"
#include "common/text_proto.h"
#include "common/time_util.h"
#include "gtest/gtest.h"
#include "tests/process.h"
#include "tests/province.h"
#include "truc/v1/operator.pb.h"
#include "truc/v1/status.pb.h"

namespace truc::testing {
namespace {

class MetricsEndToEnd : public ::testing::Test {
 protected:
  void SetUp() override {
    p_.WriteHubConfig(
        "metrics_listen_address: \"127.0.0.1:0\" metrics_port_file: "
        "\"metrics.port\"\n");
    p_.StartHub();
    p_.SmallProvince();
    port_ = p_.PortIn("metrics.port");
    ASSERT_NE(port_, 0);
  }

  // Every sample, as the reference parser reads it.
  std::map<std::string, double> Scrape() {
    httplib::Client c("127.0.0.1", port_);
    auto r = c.Get("/metrics");
    EXPECT_TRUE(r);
    if (!r) return {};
    EXPECT_EQ(r->status, 200);
    EXPECT_TRUE(absl::StartsWith(r->get_header_value("Content-Type"),
                                 "text/plain; version=0.0.4"));
    EXPECT_TRUE(WriteFileDurably(p_.Path("metrics.txt"), r->body).ok());
    auto parsed = RunCommand({"/usr/bin/python3",
                              TRUC_SOURCE_DIR "/tests/parse_metrics.py",
                              p_.Path("metrics.txt")});
    EXPECT_EQ(parsed.exit_code, 0) << parsed.err << "\n" << r->body;
    std::map<std::string, double> samples;
    for (absl::string_view line : absl::StrSplit(parsed.out, '\n')) {
      if (line.empty()) continue;
      const size_t space = line.rfind(' ');
      double v = 0;
      EXPECT_TRUE(absl::SimpleAtod(line.substr(space + 1), &v)) << line;
      samples[std::string(line.substr(0, space))] = v;
    }
    return samples;
  }

  Province p_;
  int port_ = 0;
};

TEST_F(MetricsEndToEnd, TheFiguresParseAndMatchTheHubAfterARun) {
  p_.StartAgent(kHealth);
  std::vector<std::string> ids;
  for (int i = 0; i < 2; ++i) {
    auto sent = p_.Send(kOffice, {kHealth, kYTich}, "Công văn hỏa tốc", {},
                        truc::v1::URGENCY_EXPRESS);
    ASSERT_TRUE(sent.ok()) << sent.status();
    ids.push_back(sent->document_id());
  }
  auto normal = p_.Send(kOffice, {kHealth}, "Công văn thường", {},
                        truc::v1::URGENCY_NORMAL);
  ASSERT_TRUE(normal.ok()) << normal.status();
  ids.push_back(normal->document_id());
  // Sở Y tế's agent receives all three.
  const std::string profile = p_.Profile("operator");
  ASSERT_TRUE(WaitFor(
      [&] {
        for (const auto& id : ids) {
          auto r = RunCommand({TRUC_CLI_BIN, "status", id, "--json"},
                              {{"TRUC_PROFILE", profile}});
          truc::v1::DocumentStatus status;
          if (!ParseJson(r.out, &status).ok() || status.received_count() != 1)
            return false;
        }
        return true;
      },
      std::chrono::seconds(20)));
  // One call that fails, to be counted with its code.
  auto missing = RunCommand({TRUC_CLI_BIN, "status", "20261122-000000000000"},
                            {{"TRUC_PROFILE", profile}});
  ASSERT_NE(missing.exit_code, 0);

  auto m = Scrape();
  EXPECT_EQ(m["truc_documents_accepted_total{urgency=\"express\"}"], 2);
  EXPECT_EQ(m["truc_documents_accepted_total{urgency=\"normal\"}"], 1);
  EXPECT_EQ(m["truc_deliveries_arrived_total{urgency=\"express\"}"], 2);
  EXPECT_EQ(m["truc_deliveries_arrived_total{urgency=\"normal\"}"], 1);
  EXPECT_EQ(m["truc_time_to_arrive_seconds_count{urgency=\"express\"}"], 2);
  EXPECT_EQ(
      m["truc_time_to_arrive_seconds_bucket{le=\"+Inf\",urgency=\"express\"}"],
      2);
  EXPECT_EQ(m["truc_rpc_duration_seconds_count{code=\"OK\",method=\"/truc.v1."
              "Exchange/Send\"}"],
            3);
  EXPECT_EQ(m["truc_rpc_duration_seconds_count{code=\"NOT_FOUND\",method=\"/"
              "truc.v1.Operator/GetDocumentStatus\"}"],
            1);

  // What is outstanding, as the hub's own pending list says.
  auto pending = RunCommand({TRUC_CLI_BIN, "pending", "--json"},
                            {{"TRUC_PROFILE", profile}});
  ASSERT_EQ(pending.exit_code, 0) << pending.err;
  truc::v1::ListPendingResponse list;
  ASSERT_TRUE(ParseJson(pending.out, &list).ok()) << pending.out;
  double express_outstanding = 0;
  for (const auto& d : list.documents())
    if (d.urgency() == truc::v1::URGENCY_EXPRESS)
      express_outstanding += d.recipients_size();
  EXPECT_EQ(express_outstanding, 2);
  EXPECT_EQ(m["truc_deliveries_outstanding{urgency=\"express\"}"],
            express_outstanding);
  EXPECT_EQ(m["truc_deliveries_outstanding{urgency=\"normal\"}"], 0);
  EXPECT_GT(m["truc_oldest_outstanding_express_age_seconds{}"], 0);
  EXPECT_EQ(m["truc_deliveries_refused_on_arrival{}"], 0);

  // Y Tịch's agent refuses the first express document on arrival (as it
  // would one that fails its checks): still outstanding, and counted apart.
  {
    auto signer = Signer::FromFiles(p_.Path(absl::StrCat(kYTich, ".key")),
                                    p_.Path(absl::StrCat(kYTich, ".crt")));
    ASSERT_TRUE(signer.ok()) << signer.status();
    auto doc = p_.Status(ids[0]);
    ASSERT_TRUE(doc.ok());
    truc::v1::ReportStatusRequest req;
    req.set_document_id(ids[0]);
    req.set_status(truc::v1::EDXML_STATUS_REFUSED);
    req.set_description("the sender's signature does not check out");
    grpc::ClientContext sctx;
    truc::v1::DocumentStatus evidence;
    truc::v1::GetDocumentStatusRequest ereq;
    ereq.set_document_id(ids[0]);
    ereq.set_evidence(true);
    auto op = p_.Operator();
    ASSERT_TRUE(op->GetDocumentStatus(&sctx, ereq, &evidence).ok());
    auto statement = SignStatusStatement(
        **signer, ids[0], Sha256::Of(evidence.envelope().header()),
        truc::v1::EDXML_STATUS_REFUSED, req.description(), NowMicros());
    ASSERT_TRUE(statement.ok()) << statement.status();
    *req.mutable_receipt() = *statement;
    grpc::ClientContext ctx;
    truc::v1::ReportStatusResponse resp;
    auto st = p_.Exchange(kYTich)->ReportStatus(&ctx, req, &resp);
    ASSERT_TRUE(st.ok()) << st.error_message();
  }
  m = Scrape();
  EXPECT_EQ(m["truc_deliveries_outstanding{urgency=\"express\"}"],
            express_outstanding);
  EXPECT_EQ(m["truc_deliveries_refused_on_arrival{}"], 1);

  // Agencies, as the directory says.
  auto agencies = RunCommand({TRUC_CLI_BIN, "agency", "list", "--json"},
                             {{"TRUC_PROFILE", profile}});
  truc::v1::ListAgenciesResponse dir;
  ASSERT_TRUE(ParseJson(agencies.out, &dir).ok()) << agencies.out;
  double never = 0;
  for (const auto& a : dir.agencies())
    if (!a.has_last_poll_at()) never += 1;
  EXPECT_EQ(m["truc_agencies_never_polled{}"], never);
  EXPECT_EQ(never, 3);  // the province, the office (it only sends), Y Tịch
  EXPECT_EQ(m["truc_agencies_silent{}"], 0);
  EXPECT_GT(m["truc_audit_log_events{}"], 0);
  EXPECT_GT(m["truc_store_size_bytes{}"], 0);

  httplib::Client c("127.0.0.1", port_);
  auto health = c.Get("/healthz");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->body, "ok\n");
}

}  // namespace
}  // namespace truc::testing
