// truc-bridge's configuration and its certificates: what is accepted, and
// the message that names what is wrong.
#include "bridge/config.h"

#include "bridge/hub_end.h"
#include "common/file_util.h"
#include "common/pki.h"
#include "common/test_util.h"
#include "gtest/gtest.h"

namespace truc::bridge {
namespace {

using ::truc::testing::StatusIs;

class BridgeConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto province = CreateCertificateAuthority("CA tỉnh Lạng Sơn");
    auto national = CreateCertificateAuthority("CA trục quốc gia");
    ASSERT_TRUE(province.ok() && national.ok());
    dir_.Write("province-ca.crt", province->cert_pem);
    dir_.Write("national-ca.crt", national->cert_pem);
    dir_.Issue(*province, "quoc-gia", {Role::kBridge, "quoc-gia", "Cầu nối"});
    dir_.Issue(*national, "lang-son", {Role::kBridge, "lang-son", "Lạng Sơn"});
    dir_.Issue(*province, "agency",
               {Role::kAgency, "000.07.00.H99", "Sở Y tế"});
  }

  absl::StatusOr<BridgeSettings> Load(const std::string& text) {
    dir_.Write("bridge.conf", text);
    return LoadBridgeConfig(dir_.Sub("bridge.conf"));
  }

  static std::string Hub(const std::string& field, const std::string& address,
                         const std::string& ca, const std::string& cert) {
    return field + " { address: \"" + address + "\" tls { ca_cert: \"" + ca +
           "\" cert: \"" + cert + ".crt\" key: \"" + cert + ".key\" } }\n";
  }

  truc::testing::TempDir dir_;
};

TEST_F(BridgeConfigTest, AnUpstreamOnTheNationalAxisApi) {
  const std::string hub =
      Hub("hub", "127.0.0.1:7443", "province-ca.crt", "quoc-gia");
  const std::string axis =
      "upstream_axis { url: \"https://truc.gov.vn:8080\" system_id: "
      "\"sys-3f9a0c12d4e5b678\" secret: \"abc\" ca_cert: "
      "\"national-ca.crt\" }\n";
  auto s = Load(hub + axis + "spool_dir: \"spool\"\n");
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_TRUE(s->upstream_is_axis);
  EXPECT_EQ(s->spool_dir, dir_.Sub("spool"));
  EXPECT_EQ(s->upstream_axis.ca_cert(), dir_.Sub("national-ca.crt"));
  EXPECT_EQ(s->axis_call_timeout, absl::Seconds(60));
  EXPECT_THAT(
      Load(hub + axis + "spool_dir: \"spool\"\ncall_timeout_seconds: 5000\n"),
      StatusIs(absl::StatusCode::kInvalidArgument,
               "call_timeout_seconds must be 1..3600"));
  // A folder for the files in transit is required.
  EXPECT_THAT(Load(hub + axis),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "spool_dir is required with upstream_axis"));
  // Exactly one upstream.
  EXPECT_THAT(
      Load(hub + axis + "spool_dir: \"spool\"\n" +
           Hub("upstream_hub", "truc.gov.vn:7443", "national-ca.crt",
               "lang-son")),
      StatusIs(absl::StatusCode::kInvalidArgument, "exactly one upstream"));
  EXPECT_THAT(Load(hub), StatusIs(absl::StatusCode::kInvalidArgument,
                                  "exactly one upstream"));
  // What the API needs, named.
  EXPECT_THAT(
      Load(hub + "upstream_axis { url: \"https://truc.gov.vn:8080\" secret: "
                 "\"abc\" }\nspool_dir: \"spool\"\n"),
      StatusIs(absl::StatusCode::kInvalidArgument,
               "upstream_axis.system_id is required"));
  EXPECT_THAT(
      Load(hub + "upstream_axis { url: \"http://truc.gov.vn:8080\" system_id: "
                 "\"s\" secret: \"abc\" }\nspool_dir: \"spool\"\n"),
      StatusIs(absl::StatusCode::kInvalidArgument, "must start with https://"));
  EXPECT_THAT(
      Load(hub + "upstream_axis { url: \"https://truc.gov.vn:8080\" system_id: "
                 "\"s\" secret: \"abc\" ca_cert: \"no-such.crt\" }\n"
                 "spool_dir: \"spool\"\n"),
      StatusIs(absl::StatusCode::kInvalidArgument, "upstream_axis.ca_cert"));
}

TEST_F(BridgeConfigTest, BothHubsWithTheirOwnCertificates) {
  auto s = Load(
      Hub("hub", "127.0.0.1:7443", "province-ca.crt", "quoc-gia") +
      Hub("upstream_hub", "truc.gov.vn:7443", "national-ca.crt", "lang-son") +
      "poll_wait_seconds: 10\n");
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->hub.address, "127.0.0.1:7443");
  EXPECT_EQ(s->hub.tls.cert(), dir_.Sub("quoc-gia.crt"));
  // The signing key defaults to the TLS one.
  EXPECT_EQ(s->upstream.signing.key(), dir_.Sub("lang-son.key"));
  EXPECT_EQ(s->poll_wait_seconds, 10u);
  EXPECT_EQ(s->retry_max, absl::Seconds(30));
  auto hub = HubEnd::Create(s->hub, "hub");
  ASSERT_TRUE(hub.ok()) << hub.status();
  EXPECT_EQ((*hub)->bridge_name(), "quoc-gia");
  auto upstream = HubEnd::Create(s->upstream, "upstream_hub");
  ASSERT_TRUE(upstream.ok()) << upstream.status();
  EXPECT_EQ((*upstream)->bridge_name(), "lang-son");
}

TEST_F(BridgeConfigTest, EachMistakeIsNamed) {
  const std::string hub =
      Hub("hub", "127.0.0.1:7443", "province-ca.crt", "quoc-gia");
  const std::string up =
      Hub("upstream_hub", "127.0.0.1:7444", "national-ca.crt", "lang-son");
  EXPECT_THAT(Load(up), StatusIs(absl::StatusCode::kInvalidArgument,
                                 "bridge.conf: hub is required"));
  EXPECT_THAT(Load(hub), StatusIs(absl::StatusCode::kInvalidArgument,
                                  "give exactly one upstream: upstream_hub"));
  EXPECT_THAT(
      Load(hub + Hub("upstream_hub", "127.0.0.1:7443", "national-ca.crt",
                     "lang-son")),
      StatusIs(absl::StatusCode::kInvalidArgument,
               "hub and upstream_hub are the same address (127.0.0.1:7443)"));
  EXPECT_THAT(
      Load(hub +
           Hub("upstream_hub", "127.0.0.1:7444", "national-ca.crt", "missing")),
      StatusIs(absl::StatusCode::kInvalidArgument, "upstream_hub.tls.cert"));
  EXPECT_THAT(Load(hub + up + "poll_wait_seconds: 900\n"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "poll_wait_seconds must be 1..600, not 900"));
  EXPECT_THAT(Load(hub + up +
                   "retry_initial_millis: 5000\n"
                   "retry_max_millis: 100\n"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "retry_max_millis (100) must not be less"));
  EXPECT_THAT(Load(hub + up + "upstream { }\n"),
              StatusIs(absl::StatusCode::kInvalidArgument, "upstream"));
  EXPECT_THAT(LoadBridgeConfig(dir_.Sub("none.conf")),
              StatusIs(absl::StatusCode::kNotFound, "does not exist"));
}

TEST_F(BridgeConfigTest, AnAgencyCertificateIsNotABridgesOne) {
  auto s = Load(
      Hub("hub", "127.0.0.1:7443", "province-ca.crt", "agency") +
      Hub("upstream_hub", "127.0.0.1:7444", "national-ca.crt", "lang-son"));
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_THAT(HubEnd::Create(s->hub, "hub"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "not of a bridge (issue one with `truc ca issue "
                       "--bridge NAME`)"));
}

}  // namespace
}  // namespace truc::bridge
