#include "common/net_address.h"

#include "gtest/gtest.h"

namespace truc {
namespace {

TEST(ParseHostPortTest, TakesWhatConfigurationsWrite) {
  auto hp = ParseHostPort("127.0.0.1:8443", "console.listen_address");
  ASSERT_TRUE(hp.ok());
  EXPECT_EQ(hp->host, "127.0.0.1");
  EXPECT_EQ(hp->port, 8443);
  hp = ParseHostPort("[::1]:0", "x");
  ASSERT_TRUE(hp.ok());
  EXPECT_EQ(hp->host, "::1");
  EXPECT_EQ(hp->port, 0);
}

TEST(ParseHostPortTest, NamesTheFieldOfABadAddress) {
  for (const char* bad :
       {"8443", ":8443", "host:", "host:x", "host:70000", "host:-1", ""}) {
    auto hp = ParseHostPort(bad, "metrics_listen_address");
    ASSERT_FALSE(hp.ok()) << bad;
    EXPECT_NE(hp.status().message().find("metrics_listen_address"),
              std::string::npos);
  }
}

}  // namespace
}  // namespace truc
