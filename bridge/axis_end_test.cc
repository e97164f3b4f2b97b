// The one part of the axis end that is plain logic: the edXML DocumentId
// the bridge writes going up, which the statuses coming back name. The
// rest runs against a real truc hub's API door in
// tests/federation_axis_test.cc.
#include "bridge/axis_end.h"

#include "common/sha256.h"
#include "gtest/gtest.h"

namespace truc::bridge {
namespace {

TEST(AxisEndOriginId, NamesTheDocumentAndItsHeader) {
  const std::string sha = Sha256::Of("header bytes");
  const std::string edxml_id = AxisEnd::OriginId("d-20261207-abc", sha);
  EXPECT_EQ(edxml_id, "d-20261207-abc#" + HexEncode(sha));
  std::string id, back;
  ASSERT_TRUE(AxisEnd::ParseOriginId(edxml_id, &id, &back));
  EXPECT_EQ(id, "d-20261207-abc");
  EXPECT_EQ(back, sha);
  // An id with '#' of its own keeps it: the digest is after the last one.
  ASSERT_TRUE(
      AxisEnd::ParseOriginId(AxisEnd::OriginId("a#b", sha), &id, &back));
  EXPECT_EQ(id, "a#b");
}

TEST(AxisEndOriginId, AnIdTheBridgeDidNotWriteIsNotOne) {
  std::string id, sha;
  for (const char* other :
       {"000.00.00.G22,2026/12/07,77/CĐ-TTg", "", "#", "d#abc",
        "d#zz4b1ee7c2ad8bf6a51c2ad2e8a0c84cd4fa1b1b0ee0e2d7f0a2c0e4f1e2d3c4",
        "#4b1ee7c2ad8bf6a51c2ad2e8a0c84cd4fa1b1b0ee0e2d7f0a2c0e4f1e2d3c4d5"}) {
    EXPECT_FALSE(AxisEnd::ParseOriginId(other, &id, &sha)) << other;
  }
}

}  // namespace
}  // namespace truc::bridge
