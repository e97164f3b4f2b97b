#include "common/edxml/base64_stream.h"

#include <random>

#include "common/test_util.h"
#include "gtest/gtest.h"

namespace truc::edxml {
namespace {

using truc::testing::StatusIs;

std::string Decode(const std::vector<std::string>& pieces) {
  Base64Decoder d;
  std::string out, part;
  for (const auto& p : pieces) {
    EXPECT_TRUE(d.Update(p, &part).ok()) << p;
    out += part;
  }
  EXPECT_TRUE(d.Finish(&part).ok());
  return out + part;
}

TEST(Base64Test, PiecesSplitAnywhereDecodeToTheWhole) {
  std::mt19937 rng(7);
  std::string bytes(10'000, '\0');
  for (auto& c : bytes) c = static_cast<char>(rng());
  const std::string text = Base64Encode(bytes);
  for (size_t cut : {1u, 2u, 3u, 5u, 77u, 4096u}) {
    std::vector<std::string> pieces;
    for (size_t i = 0; i < text.size(); i += cut) {
      pieces.push_back(text.substr(i, cut));
    }
    EXPECT_EQ(Decode(pieces), bytes) << "pieces of " << cut;
  }
}

TEST(Base64Test, LineBreaksAndSpacesAreIgnored) {
  EXPECT_EQ(Decode({"U+G7\r\n", "nyBZ IHTh\n", "ur8="}), "Sở Y tế");
  EXPECT_EQ(Decode({"VUJORCB4w6MgWSBU4buLY2g="}), "UBND xã Y Tịch");
}

TEST(Base64Test, EncodedPiecesOfThreeJoin) {
  const std::string bytes(kBase64Piece * 2 + 5, 'x');
  const std::string whole = Base64Encode(bytes);
  const std::string joined = Base64Encode(bytes.substr(0, kBase64Piece)) +
                             Base64Encode(bytes.substr(kBase64Piece));
  EXPECT_EQ(joined, whole);
  EXPECT_EQ(whole.find('\n'), std::string::npos);
}

TEST(Base64Test, BrokenTextIsRefusedWithWhere) {
  std::string out;
  {
    Base64Decoder d;
    EXPECT_THAT(d.Update("QUJD*EVG", &out),
                StatusIs(absl::StatusCode::kInvalidArgument, "not base64"));
  }
  {
    Base64Decoder d;
    EXPECT_THAT(
        d.Update("QUJD-EVG", &out),
        StatusIs(absl::StatusCode::kInvalidArgument, "'-' at character 5"));
  }
  {
    Base64Decoder d;
    ASSERT_TRUE(d.Update("QUJDRA", &out).ok());
    EXPECT_THAT(d.Finish(&out), StatusIs(absl::StatusCode::kInvalidArgument,
                                         "inside a group of four"));
  }
}

}  // namespace
}  // namespace truc::edxml
