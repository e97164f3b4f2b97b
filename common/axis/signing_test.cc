// The signing scheme at the wire, written from the description of VNPT's
// SDK (NATIONAL-AXIS.md), not from the client: the exact header names, the
// exact string that is MACed and its MAC (computed apart, with Python's
// hmac module), so that the client and the hub cannot share a
// misunderstanding and still pass.
#include "common/axis/signing.h"

#include <map>

#include "absl/strings/ascii.h"
#include "common/test_util.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace truc::axis {
namespace {

using ::testing::Contains;
using ::testing::Pair;
using truc::testing::StatusIs;

const Headers kParams = {
    {"from", "000.07.00.H99"},
    {"servicetype", "eDoc"},
    {"messagetype", "edoc"},
    {"systemid", "sys-0123456789abcdef"},
    {"timestamp", "07122026T093015+0123"},
    {"hash-file",
     "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"}};
constexpr char kSecret[] = "k3y-s3cr3t";
// hmac.new(b"k3y-s3cr3t", <the JSON below>, hashlib.sha256).hexdigest()
constexpr char kMac[] =
    "fc12a263a403f058c2a9c9e198e5c050b49e58bd5c8ebe82f8aae9269897fc6f";
constexpr char kJson[] =
    R"({"from":"000.07.00.H99","servicetype":"eDoc","messagetype":"edoc",)"
    R"("systemid":"sys-0123456789abcdef","timestamp":"07122026T093015+0123",)"
    R"("hash-file":"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"})";

std::map<std::string, std::string> AsReceived(const Headers& headers) {
  std::map<std::string, std::string> out;
  for (const auto& [name, value] : headers) {
    out[absl::AsciiStrToLower(name)] = value;
  }
  return out;
}

absl::StatusOr<std::string> SecretOf(const std::string& id) {
  if (id == "sys-0123456789abcdef") return std::string(kSecret);
  return absl::UnauthenticatedError("system " + id + " is unknown or revoked");
}

TEST(AxisSigningTest, TheHeadersAreTheSdksToTheByte) {
  const Headers h = SignedHeaders(kParams, kSecret);
  EXPECT_EQ(SignHeaderJson(kParams), kJson);
  EXPECT_THAT(h, Contains(Pair("XroadVnpt-sign-header", kJson)));
  EXPECT_THAT(h, Contains(Pair("XroadVnpt-sign-header-key",
                               "from;servicetype;messagetype;systemid;"
                               "timestamp;hash-file")));
  EXPECT_THAT(h, Contains(Pair("XroadVnpt-hash-header", kMac)));
  // Every parameter, and its copy.
  for (const auto& [name, value] : kParams) {
    EXPECT_THAT(h, Contains(Pair(name, value)));
    EXPECT_THAT(h, Contains(Pair("XroadVnpt-" + name, value)));
  }
  EXPECT_EQ(h.size(), kParams.size() * 2 + 3);
}

TEST(AxisSigningTest, ASignedRequestVerifies) {
  auto v = VerifySignedHeaders(AsReceived(SignedHeaders(kParams, kSecret)),
                               /*with_file=*/true, SecretOf);
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_EQ(v->system_id, "sys-0123456789abcdef");
  EXPECT_EQ(v->params.at("from"), "000.07.00.H99");
  EXPECT_EQ(v->params.at("hash-file").size(), 64u);
}

TEST(AxisSigningTest, EveryAlterationIsRefusedNamingIt) {
  const auto good = AsReceived(SignedHeaders(kParams, kSecret));
  auto with = [&](const std::string& name, const std::string& value) {
    auto h = good;
    h[name] = value;
    return VerifySignedHeaders(h, true, SecretOf);
  };
  auto without = [&](const std::string& name) {
    auto h = good;
    h.erase(name);
    return VerifySignedHeaders(h, true, SecretOf);
  };
  // Another agency in the header and its copy: the JSON still says the
  // first, so the MAC's coverage catches it.
  {
    auto h = good;
    h["from"] = h["xroadvnpt-from"] = "000.01.00.H99";
    EXPECT_THAT(VerifySignedHeaders(h, true, SecretOf),
                StatusIs(absl::StatusCode::kUnauthenticated,
                         "states \"from\" otherwise than the request's"));
  }
  EXPECT_THAT(with("from", "000.01.00.H99"),
              StatusIs(absl::StatusCode::kUnauthenticated,
                       "the header from and its copy XroadVnpt-from differ"));
  EXPECT_THAT(
      with("xroadvnpt-hash-header", std::string(64, '0')),
      StatusIs(absl::StatusCode::kUnauthenticated, "is not the HMAC-SHA256"));
  EXPECT_THAT(without("xroadvnpt-hash-header"),
              StatusIs(absl::StatusCode::kUnauthenticated, "are required"));
  EXPECT_THAT(without("xroadvnpt-timestamp"),
              StatusIs(absl::StatusCode::kUnauthenticated,
                       "must come as the header timestamp and as "
                       "XroadVnpt-timestamp"));
  EXPECT_THAT(
      with("xroadvnpt-sign-header-key",
           "from;servicetype;systemid;timestamp;hash-file"),
      StatusIs(absl::StatusCode::kUnauthenticated, "states 6 parameters"));
  EXPECT_THAT(
      with("xroadvnpt-sign-header", "[1,2]"),
      StatusIs(absl::StatusCode::kUnauthenticated, "is not a JSON object"));
  // A request that carries a file must sign its hash.
  Headers no_hash(kParams.begin(), kParams.end() - 1);
  EXPECT_THAT(
      VerifySignedHeaders(AsReceived(SignedHeaders(no_hash, kSecret)), true,
                          SecretOf),
      StatusIs(absl::StatusCode::kUnauthenticated, "must name hash-file"));
  // Another system's secret, or none.
  EXPECT_THAT(VerifySignedHeaders(AsReceived(SignedHeaders(kParams, "other")),
                                  true, SecretOf),
              StatusIs(absl::StatusCode::kUnauthenticated, "is not the HMAC"));
  Headers stranger = kParams;
  stranger[3].second = "sys-ffffffffffffffff";
  EXPECT_THAT(
      VerifySignedHeaders(AsReceived(SignedHeaders(stranger, kSecret)), true,
                          SecretOf),
      StatusIs(absl::StatusCode::kUnauthenticated, "unknown or revoked"));
}

TEST(AxisSigningTest, TheTimestampIsTheSdksFormatInVietnamsTime) {
  EXPECT_EQ(AxisTimestamp(1796610615123000), "07122026T093015+0123");
  EXPECT_EQ(*ParseAxisTimestamp("07122026T093015+0123"), 1796610615123000);
  EXPECT_EQ(*ParseAxisTimestamp("07122026T093015"), 1796610615000000);
  for (const char* bad : {"2026-12-07T09:30:15", "07122026 093015",
                          "32122026T093015", "07122026T093015+12345", ""}) {
    EXPECT_THAT(ParseAxisTimestamp(bad),
                StatusIs(absl::StatusCode::kInvalidArgument, "timestamp"))
        << bad;
  }
}

}  // namespace
}  // namespace truc::axis
