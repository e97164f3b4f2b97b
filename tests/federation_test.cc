// Federation across real processes: a national hub and province hubs, each
// province linked to the national one by a real truc-bridge. A department
// of Lạng Sơn writes to agencies of two other provinces and to its own
// office; the national tier broadcasts to every agency of three provinces
// while one bridge is stopped; a bridge is killed (kill -9) again and again
// while documents flow both ways. Each sender's table shows every final
// recipient, wherever it is, with what came back across the hops.
#include "tests/federation.h"

#include <signal.h>

#include <optional>
#include <random>
#include <thread>

#include "absl/strings/str_cat.h"
#include "common/file_util.h"
#include "gtest/gtest.h"

namespace truc::testing {
namespace {

using ::testing::HasSubstr;

constexpr char kGovOffice[] = "000.00.00.G22";  // Văn phòng Chính phủ
constexpr char kHdHealth[] = "000.07.00.H26";  // Sở Y tế tỉnh Hải Dương
constexpr char kCbHealth[] = "000.07.00.H11";   // Sở Y tế tỉnh Cao Bằng
constexpr char kHdCommune[] = "000.21.30.H26";  // UBND xã Thanh Hải

class Federation : public ::testing::Test {
 protected:
  // Lạng Sơn, Hải Dương and Cao Bằng, and the Government Office at the
  // national tier.
  void SetUp() override {
    country_.AddNational({{kGovOffice, "Văn phòng Chính phủ"}});
    country_.AddProvince(
        "lang-son", "CA tỉnh Lạng Sơn",
        {{kOffice, "Văn phòng UBND tỉnh Lạng Sơn"}, {kHealth, "Sở Y tế"}});
    country_.AddProvince("hai-duong", "CA tỉnh Hải Dương",
                         {{kHdHealth, "Sở Y tế tỉnh Hải Dương"},
                          {kHdCommune, "UBND xã Thanh Hải"}});
    country_.AddProvince("cao-bang", "CA tỉnh Cao Bằng",
                         {{kCbHealth, "Sở Y tế tỉnh Cao Bằng"}});
    country_.Start();
  }

  Province& ls() { return country_.province("lang-son"); }
  Province& hd() { return country_.province("hai-duong"); }
  Province& cb() { return country_.province("cao-bang"); }

  Country country_;
};

TEST_F(Federation, ADocumentCrossesTwoProvincesAndItsStatusesComeBack) {
  country_.StartBridges();
  ls().StartAgent(kOffice);
  hd().StartAgent(kHdHealth);
  cb().StartAgent(kCbHealth);
  const std::string pdf = "%PDF kế hoạch phòng chống dịch sốt xuất huyết";
  auto sent =
      ls().Send(kHealth, {kOffice, kHdHealth, kCbHealth, kHdCommune},
                "V/v phối hợp phòng chống dịch sốt xuất huyết liên tỉnh",
                {{"Kế hoạch.pdf", pdf}});
  ASSERT_TRUE(sent.ok()) << sent.status();
  const std::string id = sent->document_id();
  ASSERT_TRUE(WaitFor(
      [&] {
        auto s = ls().Status(id);
        return s.ok() && s->received_count() == 3;
      },
      std::chrono::seconds(90)))
      << ls().Truc(ls().Profile(kHealth), {"status", id}).out;
  // The commune of Hải Dương, whose system is down: the office sees where
  // the document waits for it, two hops away, and that it is silent.
  ASSERT_TRUE(WaitFor(
      [&] {
        auto s = ls().Status(id);
        if (!s.ok()) return false;
        for (const auto& r : s->recipients())
          if (r.organ_id() == kHdCommune)
            return r.location().waits_for() ==
                   truc::v1::RemoteLocation::WAITS_FOR_AGENT;
        return false;
      },
      std::chrono::seconds(30)));
  RunResult waiting = ls().Truc(ls().Profile(kHealth), {"status", id});
  EXPECT_THAT(waiting.out,
              HasSubstr("waits at Trục tỉnh Hải Dương for the unit's agent"));
  EXPECT_THAT(waiting.out, HasSubstr("SILENT (never polled)"));
  EXPECT_THAT(waiting.out, HasSubstr("3 of 4 received; not yet: "
                                     "000.21.30.H26 (UBND xã Thanh Hải)"));
  hd().StartAgent(kHdCommune);
  ASSERT_TRUE(WaitFor(
      [&] {
        auto s = ls().Status(id);
        return s.ok() && s->received_count() == 4;
      },
      std::chrono::seconds(60)));
  // Every recipient has the same bytes.
  ASSERT_EQ(hd().Inbox(kHdHealth).size(), 1u);
  ASSERT_EQ(cb().Inbox(kCbHealth).size(), 1u);
  const std::string at_hd = hd().Inbox(kHdHealth)[0];
  EXPECT_EQ(Stored(ls(), kOffice, id, "Kế hoạch.pdf"), pdf);
  EXPECT_EQ(Stored(hd(), kHdHealth, at_hd, "Kế hoạch.pdf"), pdf);
  EXPECT_EQ(Stored(cb(), kCbHealth, cb().Inbox(kCbHealth)[0], "Kế hoạch.pdf"),
            pdf);

  // Its edXML at Hải Dương names the three axes it crossed, in order.
  auto edxml = ReadFile(hd().AgentDir(kHdHealth) + "/inbox/" + at_hd +
                        "/document.edxml");
  ASSERT_TRUE(edxml.ok()) << edxml.status();
  EXPECT_THAT(*edxml,
              ::testing::ContainsRegex(absl::StrCat(
                  "TraceHeaderList.*", ProvinceAxisOrgan(kOffice), ".*",
                  kNationalAxisOrgan, ".*", ProvinceAxisOrgan(kHdHealth),
                  ".*</edXML:TraceHeaderList")));

  // Hải Dương's clerk accepts it (03); it comes back across both hops.
  RunResult accepted = RunCommand({TRUC_AGENT_BIN, "report", "--config",
                                   hd().AgentDir(kHdHealth) + "/agent.conf",
                                   at_hd, "03", "--staff", "Trần Thị Bình"});
  ASSERT_EQ(accepted.exit_code, 0) << accepted.err;
  ASSERT_TRUE(WaitFor(
      [&] {
        return Times(ls(), id, kHdHealth, truc::v1::EDXML_STATUS_ACCEPTED) == 1;
      },
      std::chrono::seconds(60)));
  RunResult status = ls().Truc(ls().Profile(kHealth), {"status", id});
  EXPECT_EQ(status.exit_code, 0) << status.err;
  EXPECT_THAT(status.out, HasSubstr("4 of 4 received"));
  EXPECT_THAT(status.out, HasSubstr("Sở Y tế tỉnh Hải Dương"));
  EXPECT_THAT(status.out, HasSubstr("accepted 03"));
  EXPECT_THAT(status.out, HasSubstr("via bridge quoc-gia"));
  EXPECT_EQ(Times(ls(), id, kCbHealth, truc::v1::EDXML_STATUS_ARRIVED), 1);
  // At Hải Dương, the Lạng Sơn department's own signature was checked end
  // to end, under Lạng Sơn's CA, besides the bridge's as carrier.
  RunResult evidence =
      hd().Truc(hd().Profile("operator"), {"status", at_hd, "--evidence"});
  EXPECT_EQ(evidence.exit_code, 0) << evidence.out << evidence.err;
  EXPECT_THAT(evidence.out,
              HasSubstr("the sender's own signature checked end to end by the "
                        "hub under CA tỉnh Lạng Sơn"));
  EXPECT_THAT(evidence.out, HasSubstr("bridge quoc-gia"));
  // The national hub kept one document, forwarded to both provinces and
  // received by both, with the sender's signature checked end to end by
  // each agent that stored it.
  RunResult national = country_.national().Truc(
      country_.national().Profile("operator"), {"pending"});
  EXPECT_THAT(national.out, ::testing::Not(HasSubstr(kHdHealth)));
}

TEST_F(Federation, EveryProvinceKnowsTheCountrysAgenciesFromTheNationalTier) {
  country_.StartBridges();
  // Lạng Sơn's operator registered only its own; the rest came from the
  // national directory, as beyond the bridge to the national tier.
  RunResult list = ls().Truc(ls().Profile("operator"), {"agency", "list"});
  EXPECT_THAT(list.out, HasSubstr("Sở Y tế tỉnh Hải Dương"));
  EXPECT_THAT(list.out, HasSubstr("beyond, via bridge quoc-gia"));
  // A code that exists nowhere is refused at once, before anything is
  // stored.
  auto unknown = ls().Send(kHealth, {"000.99.00.H26"}, "V/v thử mã lạ", {});
  EXPECT_EQ(unknown.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(unknown.status().message(), HasSubstr("000.99.00.H26"));
  // An agency the national tier adds later reaches every province.
  country_.national().Register("000.00.00.G18", "Bộ Tài chính");
  ASSERT_TRUE(WaitFor(
      [&] {
        return Country::AgenciesKnown(cb()) == country_.AgenciesInCountry() + 1;
      },
      std::chrono::seconds(30)));
  RunResult cb_list = cb().Truc(cb().Profile("operator"), {"agency", "list"});
  EXPECT_THAT(cb_list.out, HasSubstr("Bộ Tài chính"));
}

TEST_F(Federation, ADocumentTheNationalTierCannotTakeIsRefusedWithItsReason) {
  country_.StartBridges();
  // Registered by hand at Lạng Sơn as beyond the national tier, but
  // unknown there.
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
      << ls().Truc(ls().Profile(kHealth), {"status", id}).out;
  RunResult status = ls().Truc(ls().Profile(kHealth), {"status", id});
  EXPECT_THAT(status.out, HasSubstr("refused on arrival: not carried beyond"));
  EXPECT_THAT(status.out, HasSubstr("000.99.00.H26"));
  // Still among what has not been received, for the office to act on.
  RunResult outstanding =
      ls().Truc(ls().Profile(kHealth), {"sent", "--outstanding"});
  EXPECT_THAT(outstanding.out, HasSubstr(id));
}

TEST_F(Federation, ABroadcastWaitsAtAStoppedBridgeThenArrives) {
  country_.StartBridge("lang-son");
  country_.StartBridge("hai-duong");
  for (const char* code : {kOffice, kHealth}) ls().StartAgent(code);
  hd().StartAgent(kHdHealth);
  cb().StartAgent(kCbHealth);
  Province& national = country_.national();
  national.IssueAgency(kGovOffice);
  auto sent =
      national.Send(kGovOffice, {kOffice, kHealth, kHdHealth, kCbHealth},
                    "Công điện về việc ứng phó với bão số 3",
                    {{"Công điện.pdf", "%PDF"}}, truc::v1::URGENCY_EXPRESS);
  ASSERT_TRUE(sent.ok()) << sent.status();
  const std::string id = sent->document_id();
  ASSERT_TRUE(WaitFor(
      [&] {
        auto s = national.Status(id);
        return s.ok() && s->received_count() == 3;
      },
      std::chrono::seconds(60)));
  const std::string profile = national.Profile(kGovOffice);
  RunResult status = national.Truc(profile, {"status", id});
  EXPECT_THAT(status.out,
              HasSubstr("3 of 4 received; not yet: 000.07.00.H11 (Sở Y tế "
                        "tỉnh Cao Bằng)"));
  EXPECT_THAT(status.out, HasSubstr("via bridge cao-bang; waits for the "
                                    "bridge"));
  // Cao Bằng's bridge comes back: everything waiting crosses.
  country_.StartBridge("cao-bang");
  ASSERT_TRUE(WaitFor(
      [&] {
        auto s = national.Status(id);
        return s.ok() && s->received_count() == 4;
      },
      std::chrono::seconds(60)))
      << national.Truc(profile, {"status", id}).out;
  EXPECT_EQ(cb().Inbox(kCbHealth).size(), 1u);
  status = national.Truc(profile, {"status", id});
  EXPECT_THAT(status.out, HasSubstr("4 of 4 received"));
}

TEST_F(Federation, ABridgeKilledAgainAndAgainLosesAndDoublesNothing) {
  int kills = 20;
  if (const char* v = getenv("TRUC_BRIDGE_KILLS")) kills = atoi(v);
  Province& national = country_.national();
  national.IssueAgency(kGovOffice);
  national.StartAgent(kGovOffice);
  ls().StartAgent(kOffice);
  // Its directory mirrored first (a province's hub knows the national
  // tier's agencies once its bridge has run).
  country_.StartBridge("lang-son");
  country_.KillBridge("lang-son");
  std::mt19937 rng(20261207);
  std::vector<std::string> up, down;  // ids at their origin
  int crashed_at_a_step = 0;
  for (int i = 0; i < kills; ++i) {
    auto a = ls().Send(kHealth, {kGovOffice}, absl::StrCat("Báo cáo số ", i),
                       {{"Báo cáo.pdf", absl::StrCat("%PDF báo cáo ", i)}},
                       truc::v1::URGENCY_URGENT);
    auto b =
        national.Send(kGovOffice, {kOffice}, absl::StrCat("Chỉ đạo số ", i),
                      {{"Chỉ đạo.pdf", absl::StrCat("%PDF chỉ đạo ", i)}},
                      truc::v1::URGENCY_EXPRESS);
    ASSERT_TRUE(a.ok() && b.ok());
    up.push_back(a->document_id());
    down.push_back(b->document_id());
    // Two lives in three end exactly between storing a document (or a
    // status, or where one waits) at the next hop and clearing it here:
    // the bridge kills itself there. The others are killed at random.
    std::map<std::string, std::string> env;
    if (i % 3 == 0) env["TRUC_CRASH_POINT"] = "after_bring_in";
    if (i % 3 == 1) env["TRUC_CRASH_POINT"] = "after_record_status";
    country_.StartBridge("lang-son", env, /*wait=*/false);
    if (!env.empty()) {
      auto died =
          country_.bridge_process("lang-son")->Wait(std::chrono::seconds(20));
      EXPECT_EQ(died, std::optional<int>(128 + SIGKILL))
          << "the bridge did not reach " << env["TRUC_CRASH_POINT"];
      crashed_at_a_step += died == std::optional<int>(128 + SIGKILL);
    } else {
      std::this_thread::sleep_for(std::chrono::milliseconds(
          std::uniform_int_distribution<int>(100, 1500)(rng)));
    }
    country_.KillBridge("lang-son");
  }
  country_.StartBridge("lang-son");
  auto all_received = [&](Province& p, const std::vector<std::string>& ids) {
    for (const auto& id : ids) {
      auto s = p.Status(id);
      if (!s.ok() || s->received_count() != 1) return false;
    }
    return true;
  };
  ASSERT_TRUE(WaitFor(
      [&] { return all_received(ls(), up) && all_received(national, down); },
      std::chrono::seconds(120)));
  // Each document is in each inbox once, and each arrival came back once.
  EXPECT_EQ(national.Inbox(kGovOffice).size(), up.size());
  EXPECT_EQ(ls().Inbox(kOffice).size(), down.size());
  for (const auto& id : up)
    EXPECT_EQ(Times(ls(), id, kGovOffice, truc::v1::EDXML_STATUS_ARRIVED), 1);
  for (const auto& id : down)
    EXPECT_EQ(Times(national, id, kOffice, truc::v1::EDXML_STATUS_ARRIVED), 1);
  EXPECT_EQ(crashed_at_a_step, kills - kills / 3);
}

}  // namespace
}  // namespace truc::testing
