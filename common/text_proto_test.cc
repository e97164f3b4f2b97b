#include "common/text_proto.h"

#include "common/test_util.h"
#include "truc/v1/config.pb.h"
#include "truc/v1/envelope.pb.h"

namespace truc {
namespace {

using ::truc::testing::StatusIs;

TEST(TextProto, Utf8StaysReadable) {
  truc::v1::Organ organ;
  organ.set_organ_name("UBND xã Y Tịch");
  std::string text = ToTextProto(organ);
  EXPECT_NE(text.find("UBND xã Y Tịch"), std::string::npos) << text;
  truc::v1::Organ back;
  TRUC_ASSERT_OK(ParseTextProto(text, "x", &back));
  EXPECT_EQ(back.organ_name(), "UBND xã Y Tịch");
  EXPECT_NE(ToJson(organ).find("UBND xã Y Tịch"), std::string::npos);
}

TEST(TextProto, ErrorsNameTheFieldAndLine) {
  truc::v1::HubConfig config;
  EXPECT_THAT(ParseTextProto("listen_address: \"x\"\nlease_secs: 5\n",
                             "hub.conf", &config),
              StatusIs(absl::StatusCode::kInvalidArgument, "hub.conf:2:"));
  EXPECT_THAT(ParseTextProto("lease_secs: 5\n", "hub.conf", &config),
              StatusIs(absl::StatusCode::kInvalidArgument, "lease_secs"));
  EXPECT_THAT(ParseTextProto("lease_seconds: -1\n", "hub.conf", &config),
              StatusIs(absl::StatusCode::kInvalidArgument, "lease_seconds"));
}

}  // namespace
}  // namespace truc
