#include "common/net_address.h"

#include "gtest/gtest.h"

namespace truc {
namespace {

TEST(ParseHostPortTest, TakesWhatConfigurationsWrite) {
  auto hp = ParseHostPort("127.0.0.1:8443", "console.listen_address");
  ASSERT_TRUE(hp.ok());
  EXPECT_EQ(hp->host, "127.0.0.1");
  EXPECT_EQ(hp->port, 8443);
  hp = ParseHostPort("[::1]:0", "x", PortZero::kPicksAFreePort);
  ASSERT_TRUE(hp.ok());
  EXPECT_EQ(hp->host, "::1");
  EXPECT_EQ(hp->port, 0);
  hp = ParseHostPort("hub.langson.gov.vn:65535", "hub_address");
  ASSERT_TRUE(hp.ok());
  EXPECT_EQ(hp->port, 65535);
  hp = ParseHostPort("h:00080", "x");
  ASSERT_TRUE(hp.ok());
  EXPECT_EQ(hp->port, 80);
}

TEST(ParseHostPortTest, NamesTheFieldOfABadAddress) {
  for (const char* bad :
       {"8443", ":8443", "host:", "host:x", "host:70000", "host:-1", "",
        "127.0.0.1:99999", "127.0.0.1:65536", "127.0.0.1:", "127.0.0.1:abc",
        "127.0.0.1:+80", "127.0.0.1: 80", "127.0.0.1:80 ", "[]:80",
        "127.0.0.1:4294967297"}) {
    auto hp =
        ParseHostPort(bad, "metrics_listen_address", PortZero::kPicksAFreePort);
    ASSERT_FALSE(hp.ok()) << bad;
    EXPECT_EQ(hp.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_NE(hp.status().message().find("metrics_listen_address"),
              std::string::npos)
        << hp.status();
  }
}

TEST(ParseHostPortTest, PortZeroOnlyWhereItPicksAFreePort) {
  EXPECT_TRUE(
      ParseHostPort("127.0.0.1:0", "listen_address", PortZero::kPicksAFreePort)
          .ok());
  auto hp = ParseHostPort("127.0.0.1:0", "hub_address");
  ASSERT_FALSE(hp.ok());
  EXPECT_NE(hp.status().message().find("between 1 and 65535"),
            std::string::npos)
      << hp.status();
}

}  // namespace
}  // namespace truc
