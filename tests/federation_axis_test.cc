// A province whose bridge reaches the national tier through the national
// axis's HTTP API, across real processes: the national truc hub serves the
// API (its door, hub/axis/), Lạng Sơn's truc-bridge speaks it with a
// system of the bridge's own, and Hải Dương stays on the Bridge service.
// Documents go up and come down as edXML, statuses come back both ways,
// the directory is mirrored from the API's feed, a document the national
// tier cannot take comes back refused with its reason, and neither wrong
// credentials nor an upstream that is down for a while lose anything.
#include <signal.h>

#include <regex>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "common/file_util.h"
#include "common/sha256.h"
#include "gtest/gtest.h"
#include "tests/federation.h"

namespace truc::testing {
namespace {

using ::testing::HasSubstr;

constexpr char kGovOffice[] = "000.00.00.G22";  // Văn phòng Chính phủ
constexpr char kHdHealth[] = "000.07.00.H26";  // Sở Y tế tỉnh Hải Dương

class FederationAxis : public ::testing::Test {
 protected:
  void SetUp() override {
    country_.AddNational({{kGovOffice, "Văn phòng Chính phủ"}});
    country_.AddProvince(
        "lang-son", "CA tỉnh Lạng Sơn",
        {{kOffice, "Văn phòng UBND tỉnh Lạng Sơn"}, {kHealth, "Sở Y tế"}},
        Country::Upstream::kAxisApi);
    country_.AddProvince("hai-duong", "CA tỉnh Hải Dương",
                         {{kHdHealth, "Sở Y tế tỉnh Hải Dương"}});
    country_.Start();
    country_.national().IssueAgency(kGovOffice);
  }

  Province& ls() { return country_.province("lang-son"); }
  Province& hd() { return country_.province("hai-duong"); }
  Province& national() { return country_.national(); }
  // The bridge's log from byte `from` on (what a run since then wrote).
  std::string BridgeLog(size_t from = 0) {
    auto log = ReadFile(country_.BridgeDir("lang-son") + "/bridge.log");
    return log.ok() && log->size() > from ? log->substr(from) : "";
  }

  Country country_;
};

TEST_F(FederationAxis, AProvinceOnTheApiSendsUpReceivesDownAndSeesStatuses) {
  country_.StartBridges();
  national().StartAgent(kGovOffice);
  ls().StartAgent(kOffice);
  hd().StartAgent(kHdHealth);
  // The directory came from the API's feed: the national tier's agencies
  // and Hải Dương's, as beyond the bridge.
  RunResult list = ls().Truc(ls().Profile("operator"), {"agency", "list"});
  EXPECT_THAT(list.out, HasSubstr("Văn phòng Chính phủ"));
  EXPECT_THAT(list.out, HasSubstr("Sở Y tế tỉnh Hải Dương"));
  EXPECT_THAT(list.out, HasSubstr("beyond, via bridge quoc-gia"));

  // Up: Lạng Sơn's Sở Y tế writes to the Government Office, to Hải
  // Dương's Sở Y tế (through the national hub and Hải Dương's bridge) and
  // to its own office.
  const std::string pdf = "%PDF báo cáo tình hình dịch sốt xuất huyết";
  auto up = ls().Send(kHealth, {kGovOffice, kHdHealth, kOffice},
                      "Báo cáo tình hình dịch sốt xuất huyết tháng 11",
                      {{"Báo cáo.pdf", pdf}}, truc::v1::URGENCY_URGENT);
  ASSERT_TRUE(up.ok()) << up.status();
  const std::string id = up->document_id();
  ASSERT_TRUE(WaitFor(
      [&] {
        auto s = ls().Status(id);
        return s.ok() && s->received_count() == 3;
      },
      std::chrono::seconds(90)))
      << ls().Truc(ls().Profile(kHealth), {"status", id}).out << BridgeLog();
  ASSERT_EQ(national().Inbox(kGovOffice).size(), 1u);
  ASSERT_EQ(hd().Inbox(kHdHealth).size(), 1u);
  const std::string at_national = national().Inbox(kGovOffice)[0];
  EXPECT_EQ(Stored(national(), kGovOffice, at_national, "Báo cáo.pdf"), pdf);
  EXPECT_EQ(Stored(hd(), kHdHealth, hd().Inbox(kHdHealth)[0], "Báo cáo.pdf"),
            pdf);
  // Its edXML at the Government Office names each axis it crossed, in
  // order: Lạng Sơn's, then the national one.
  auto edxml = ReadFile(national().AgentDir(kGovOffice) + "/inbox/" +
                        at_national + "/document.edxml");
  ASSERT_TRUE(edxml.ok()) << edxml.status();
  EXPECT_THAT(*edxml, ::testing::ContainsRegex(absl::StrCat(
                          "TraceHeaderList.*", ProvinceAxisOrgan(kOffice), ".*",
                          kNationalAxisOrgan, ".*</edXML:TraceHeaderList")));
  // The urgency crossed the API with it.
  auto there = national().Status(at_national);
  ASSERT_TRUE(there.ok()) << there.status();
  EXPECT_EQ(there->urgency(), truc::v1::URGENCY_URGENT);
  EXPECT_EQ(there->sender(), kHealth);
  // The Government Office's clerk accepts it (03): it comes back through
  // the API to the sender's table, once.
  RunResult accepted =
      RunCommand({TRUC_AGENT_BIN, "report", "--config",
                  national().AgentDir(kGovOffice) + "/agent.conf", at_national,
                  "03", "--staff", "Nguyễn Thị Hoa"});
  ASSERT_EQ(accepted.exit_code, 0) << accepted.err;
  ASSERT_TRUE(WaitFor(
      [&] {
        return Times(ls(), id, kGovOffice, truc::v1::EDXML_STATUS_ACCEPTED) ==
               1;
      },
      std::chrono::seconds(60)))
      << ls().Truc(ls().Profile(kHealth), {"status", id}).out << BridgeLog();
  EXPECT_EQ(Times(ls(), id, kGovOffice, truc::v1::EDXML_STATUS_ARRIVED), 1);
  EXPECT_EQ(Times(ls(), id, kHdHealth, truc::v1::EDXML_STATUS_ARRIVED), 1);
  RunResult status = ls().Truc(ls().Profile(kHealth), {"status", id});
  EXPECT_THAT(status.out, HasSubstr("3 of 3 received"));
  EXPECT_THAT(status.out, HasSubstr("accepted 03"));

  // Down: an express telegram from the Government Office to both of
  // Lạng Sơn's agencies; Sở Y tế's agent is not running yet.
  const std::string telegram = "%PDF công điện ứng phó bão số 3";
  auto down = national().Send(
      kGovOffice, {kOffice, kHealth}, "Công điện về việc ứng phó với bão số 3",
      {{"Công điện.pdf", telegram}}, truc::v1::URGENCY_EXPRESS);
  ASSERT_TRUE(down.ok()) << down.status();
  const std::string down_id = down->document_id();
  ASSERT_TRUE(WaitFor(
      [&] {
        auto s = national().Status(down_id);
        return s.ok() && s->received_count() == 1;
      },
      std::chrono::seconds(60)))
      << national()
             .Truc(national().Profile(kGovOffice), {"status", down_id})
             .out
      << BridgeLog();
  ls().StartAgent(kHealth);
  ASSERT_TRUE(WaitFor(
      [&] {
        auto s = national().Status(down_id);
        return s.ok() && s->received_count() == 2;
      },
      std::chrono::seconds(60)))
      << BridgeLog();
  ASSERT_EQ(ls().Inbox(kHealth).size(), 1u);
  const std::string at_ls = ls().Inbox(kHealth)[0];
  EXPECT_EQ(Stored(ls(), kHealth, at_ls, "Công điện.pdf"), telegram);
  auto down_edxml =
      ReadFile(ls().AgentDir(kHealth) + "/inbox/" + at_ls + "/document.edxml");
  ASSERT_TRUE(down_edxml.ok()) << down_edxml.status();
  EXPECT_THAT(*down_edxml,
              ::testing::ContainsRegex(absl::StrCat(
                  "TraceHeaderList.*", kNationalAxisOrgan, ".*",
                  ProvinceAxisOrgan(kOffice), ".*</edXML:TraceHeaderList")));
  auto here = ls().Status(at_ls);
  ASSERT_TRUE(here.ok()) << here.status();
  EXPECT_EQ(here->urgency(), truc::v1::URGENCY_EXPRESS);
  EXPECT_EQ(here->sender(), kGovOffice);
  EXPECT_EQ(Times(national(), down_id, kHealth, truc::v1::EDXML_STATUS_ARRIVED),
            1);
}

TEST_F(FederationAxis, ADocumentTheApiRefusesComesBackRefusedWithItsReason) {
  country_.StartBridge("lang-son");
  ls().StartAgent(kOffice);
  // A code that exists nowhere is refused at once, before anything is
  // stored.
  auto unknown = ls().Send(kHealth, {"000.99.00.H26"}, "V/v thử mã lạ", {});
  EXPECT_EQ(unknown.status().code(), absl::StatusCode::kInvalidArgument);
  // An agency the national tier closes (suspends: truc keeps every code
  // and its history, never deletes one) comes as `deleted` in the API's
  // feed, and is closed here too: a send to it is refused at once.
  RunResult closed = national().Truc(national().Profile("operator"),
                                     {"agency", "suspend", kGovOffice});
  ASSERT_EQ(closed.exit_code, 0) << closed.out << closed.err;
  auto closed_here = [&] {
    auto op = ls().Operator();
    grpc::ClientContext ctx;
    truc::v1::ListAgenciesResponse list;
    if (!op->ListAgencies(&ctx, truc::v1::ListAgenciesRequest(), &list).ok())
      return false;
    for (const auto& a : list.agencies()) {
      if (a.code() == kGovOffice)
        return a.state() == truc::v1::AGENCY_STATE_SUSPENDED;
    }
    return false;
  };
  ASSERT_TRUE(WaitFor(closed_here, std::chrono::seconds(30))) << BridgeLog();
  auto to_closed =
      ls().Send(kHealth, {kGovOffice}, "V/v gửi đơn vị đã đóng", {});
  EXPECT_EQ(to_closed.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(to_closed.status().message(),
              HasSubstr("suspended recipient: 000.00.00.G22"));

  // Registered by hand as beyond the national tier, but unknown there.
  ls().RegisterRemote("000.99.00.H26", "Đơn vị đã giải thể", kToNational);
  auto sent = ls().Send(kHealth, {kOffice, "000.99.00.H26"},
                        "V/v gửi nhầm đơn vị", {{"Thư.pdf", "%PDF"}});
  ASSERT_TRUE(sent.ok()) << sent.status();
  const std::string id = sent->document_id();
  ASSERT_TRUE(WaitFor(
      [&] {
        auto s = ls().Status(id);
        return s.ok() && s->refused_on_arrival_count() == 1;
      },
      std::chrono::seconds(30)))
      << ls().Truc(ls().Profile(kHealth), {"status", id}).out << BridgeLog();
  RunResult status = ls().Truc(ls().Profile(kHealth), {"status", id});
  EXPECT_THAT(status.out, HasSubstr("refused on arrival: not carried beyond"));
  EXPECT_THAT(status.out, HasSubstr("000.99.00.H26"));
}

TEST_F(FederationAxis, WrongCredentialsAnUpstreamDownOrHungLoseNothing) {
  // The bridge's system made and the directory mirrored; then its secret
  // spoiled.
  country_.StartBridge("lang-son");
  ASSERT_EQ(country_.StopBridge("lang-son"), 0);
  const std::string profile = country_.BridgeDir("lang-son") + "/national.axis";
  auto good = ReadFile(profile);
  ASSERT_TRUE(good.ok());
  const std::string bad = std::regex_replace(
      *good, std::regex("secret: \"[0-9a-f]+\""),
      "secret: \"0000000000000000000000000000000000000000\"");
  ASSERT_NE(bad, *good);
  ASSERT_TRUE(WriteFileDurably(profile, bad, 0600).ok());
  national().StartAgent(kGovOffice);
  auto sent = ls().Send(kHealth, {kGovOffice}, "Báo cáo nhanh số 1",
                        {{"Báo cáo.pdf", "%PDF báo cáo nhanh"}});
  ASSERT_TRUE(sent.ok()) << sent.status();
  const std::string id = sent->document_id();
  // Only what this run of the bridge logs counts: an earlier run's lines
  // may hold "401" in a time or a port.
  size_t mark = BridgeLog().size();
  country_.StartBridge("lang-son", {}, /*wait=*/false);
  // The bridge says why, again and again; the document is not refused.
  ASSERT_TRUE(
      WaitFor([&] { return BridgeLog(mark).find("401") != std::string::npos; },
              std::chrono::seconds(20)))
      << BridgeLog();
  auto waiting = ls().Status(id);
  ASSERT_TRUE(waiting.ok());
  EXPECT_EQ(waiting->refused_on_arrival_count(), 0u);
  EXPECT_EQ(waiting->received_count(), 0u);
  ASSERT_EQ(country_.StopBridge("lang-son"), 0);

  // The right secret, but the national hub is down for a while.
  ASSERT_TRUE(WriteFileDurably(profile, *good, 0600).ok());
  ASSERT_EQ(national().StopHub(), 0);
  mark = BridgeLog().size();
  country_.StartBridge("lang-son", {}, /*wait=*/false);
  ASSERT_TRUE(WaitFor(
      [&] {
        return BridgeLog(mark).find(absl::StrCat(
                   "127.0.0.1:", country_.axis_port())) != std::string::npos;
      },
      std::chrono::seconds(20)))
      << BridgeLog();
  std::this_thread::sleep_for(std::chrono::seconds(2));
  national().StartHub();
  ASSERT_TRUE(WaitFor(
      [&] {
        auto s = ls().Status(id);
        return s.ok() && s->received_count() == 1;
      },
      std::chrono::seconds(90)))
      << ls().Truc(ls().Profile(kHealth), {"status", id}).out << BridgeLog();
  EXPECT_EQ(national().Inbox(kGovOffice).size(), 1u);
  EXPECT_EQ(Times(ls(), id, kGovOffice, truc::v1::EDXML_STATUS_ARRIVED), 1);

  // The national hub stops answering without closing anything (SIGSTOP):
  // each call is given up after call_timeout_seconds and retried.
  auto second = ls().Send(kHealth, {kGovOffice}, "Báo cáo nhanh số 2",
                          {{"Báo cáo.pdf", "%PDF báo cáo nhanh 2"}});
  ASSERT_TRUE(second.ok()) << second.status();
  national().hub()->Signal(SIGSTOP);
  const bool timed_out = WaitFor(
      [&] {
        return BridgeLog().find("no answer within 3 s") != std::string::npos;
      },
      std::chrono::seconds(30));
  national().hub()->Signal(SIGCONT);
  ASSERT_TRUE(timed_out) << BridgeLog();
  ASSERT_TRUE(WaitFor(
      [&] {
        auto s = ls().Status(second->document_id());
        return s.ok() && s->received_count() == 1;
      },
      std::chrono::seconds(90)))
      << BridgeLog();
  EXPECT_EQ(national().Inbox(kGovOffice).size(), 2u);
}

// A document that came to the national hub as edXML, through its API door,
// crosses to a province on the Bridge service with that original file,
// which each hub keeps as evidence.
TEST_F(FederationAxis, AnEdxmlOriginalCrossesWithItsDocument) {
  country_.StartBridge("hai-duong");
  hd().StartAgent(kHdHealth);
  // The Government Office's own software, on the national hub's API door.
  const std::string profile = national().Path("g22.axis");
  RunResult added = national().Truc(
      national().Profile("operator"),
      {"system", "add", "--agency", kGovOffice, "--name",
       "Phần mềm QLVB Văn phòng Chính phủ", "--profile-out", profile, "--url",
       absl::StrCat("https://127.0.0.1:", country_.axis_port()), "--ca",
       national().Path("ca.crt")});
  ASSERT_EQ(added.exit_code, 0) << added.out << added.err;
  // A real sample of the national axis, from it to Hải Dương's Sở Y tế.
  auto sample =
      ReadFile(absl::StrCat(TRUC_EDXML_SAMPLES, "/edoc_new.edxml"), 1 << 30);
  ASSERT_TRUE(sample.ok()) << sample.status();
  const std::string file = national().Path("cong-van.edxml");
  ASSERT_TRUE(
      WriteFileDurably(
          file, absl::StrReplaceAll(*sample, {{"<edXML:OrganId>002.00.20.H13<",
                                               "<edXML:OrganId>000.00.00.G22<"},
                                              {"<edXML:OrganId>28.22.H17<",
                                               absl::StrCat("<edXML:OrganId>",
                                                            kHdHealth, "<")}}))
          .ok());
  RunResult sent =
      national().Truc(national().Profile("operator"),
                      {"axis", "--axis-profile", profile, "send", file});
  ASSERT_EQ(sent.exit_code, 0) << sent.out << sent.err;
  ASSERT_TRUE(WaitFor([&] { return hd().Inbox(kHdHealth).size() == 1; },
                      std::chrono::seconds(60)));
  auto digest = Sha256OfFile(file);
  ASSERT_TRUE(digest.ok());
  RunResult evidence =
      hd().Truc(hd().Profile("operator"),
                {"status", hd().Inbox(kHdHealth)[0], "--evidence"});
  EXPECT_EQ(evidence.exit_code, 0) << evidence.out << evidence.err;
  EXPECT_THAT(evidence.out,
              HasSubstr(absl::StrCat("the original edXML it came as is kept "
                                     "by the hub: SHA-256 ",
                                     HexEncode(*digest))));
  // Carried by the national hub for the system, then by the bridge.
  EXPECT_THAT(evidence.out, HasSubstr("bridge quoc-gia"));
}

}  // namespace
}  // namespace truc::testing
