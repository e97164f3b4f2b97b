#include "hub/http/http_types.h"

#include "gtest/gtest.h"

namespace truc::hub {
namespace {

TEST(HttpTypesTest, ATargetSplitsIntoItsPathAndDecodedQuery) {
  std::string path;
  std::map<std::string, std::string> query;
  SplitTarget("/api/board?days=7&q=S%E1%BB%9F+Y+t%E1%BA%BF&flag&days=30", &path,
              &query);
  EXPECT_EQ(path, "/api/board");
  EXPECT_EQ(query["days"], "30");
  EXPECT_EQ(query["q"], "Sở Y tế");
  EXPECT_EQ(query["flag"], "");
  SplitTarget("/a%20b+c", &path, &query);
  EXPECT_EQ(path, "/a b+c");
  EXPECT_TRUE(query.empty());
  // A malformed escape is kept as it came.
  SplitTarget("/x?v=100%&w=%zz&z=%4", &path, &query);
  EXPECT_EQ(query["v"], "100%");
  EXPECT_EQ(query["w"], "%zz");
  EXPECT_EQ(query["z"], "%4");
}

TEST(HttpTypesTest, StatusCodesMapToHttp) {
  EXPECT_EQ(HttpStatusFor(absl::StatusCode::kInvalidArgument), 400);
  EXPECT_EQ(HttpStatusFor(absl::StatusCode::kUnauthenticated), 401);
  EXPECT_EQ(HttpStatusFor(absl::StatusCode::kUnavailable), 503);
}

}  // namespace
}  // namespace truc::hub
