#include "hub/http/multipart.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace truc::hub {
namespace {

using ::testing::HasSubstr;

struct Parsed {
  std::vector<MultipartPart> parts;
  std::vector<std::string> bodies;
};

// Reads `body` fed `piece` bytes at a time.
absl::Status Read(const std::string& body, size_t piece, Parsed* out) {
  MultipartReader reader(
      "XyZ",
      [out](const MultipartPart& p) {
        out->parts.push_back(p);
        out->bodies.emplace_back();
        return absl::OkStatus();
      },
      [out](absl::string_view data) {
        out->bodies.back().append(data.data(), data.size());
        return absl::OkStatus();
      });
  for (size_t at = 0; at < body.size(); at += piece) {
    if (absl::Status s = reader.Feed(absl::string_view(body).substr(at, piece));
        !s.ok()) {
      return s;
    }
  }
  return reader.Finish();
}

const char kForm[] =
    "--XyZ\r\n"
    "Content-Disposition: form-data; name=\"note\"\r\n"
    "\r\n"
    "Sở Y tế\r\n"
    "--XyZ\r\n"
    "Content-Disposition: form-data; name=\"file_doc\"; "
    "filename=\"edoc_new.edxml\"\r\n"
    "Content-Type: application/xml\r\n"
    "\r\n"
    // Near-boundaries: a delimiter is CRLF, "--" and the whole boundary.
    "<edXML>\r\n--XyX\r\nx--XyZ\r\n-XyZ</edXML>\r\n"
    "--XyZ--\r\n"
    "an epilogue, ignored";

TEST(MultipartTest, ReadsEveryPartWhateverTheSizeOfThePieces) {
  for (size_t piece : {1, 2, 3, 7, 64, 100000}) {
    Parsed p;
    const absl::Status read = Read(kForm, piece, &p);
    ASSERT_TRUE(read.ok()) << piece << ": " << read;
    ASSERT_EQ(p.parts.size(), 2u) << piece;
    EXPECT_EQ(p.parts[0].name, "note");
    EXPECT_EQ(p.bodies[0], "Sở Y tế");
    EXPECT_EQ(p.parts[1].name, "file_doc");
    EXPECT_EQ(p.parts[1].filename, "edoc_new.edxml");
    EXPECT_EQ(p.parts[1].content_type, "application/xml");
    EXPECT_EQ(p.bodies[1], "<edXML>\r\n--XyX\r\nx--XyZ\r\n-XyZ</edXML>");
  }
}

TEST(MultipartTest, APreambleBeforeTheFirstBoundaryIsSkipped) {
  Parsed p;
  ASSERT_TRUE(Read(std::string("a preamble\r\n") + kForm, 5, &p).ok());
  EXPECT_EQ(p.parts.size(), 2u);
}

TEST(MultipartTest, ABodyWithoutItsClosingBoundaryIsRefused) {
  Parsed p;
  const absl::Status s = Read("--nothing-like-the-boundary\r\n", 4, &p);
  EXPECT_TRUE(absl::IsInvalidArgument(s));
  EXPECT_THAT(s.message(), HasSubstr("closing boundary"));
  const std::string cut = std::string(kForm).substr(0, 150);
  EXPECT_THAT(Read(cut, 9, &p).message(), HasSubstr("closing boundary"));
}

TEST(MultipartTest, APartWithoutANameOrWithEndlessHeadersIsRefused) {
  Parsed p;
  EXPECT_THAT(
      Read("--XyZ\r\nContent-Type: text/plain\r\n\r\nx\r\n--XyZ--", 3, &p)
          .message(),
      HasSubstr("no Content-Disposition with a name"));
  EXPECT_THAT(
      Read("--XyZ\r\nX: " + std::string(20000, 'a'), 4096, &p).message(),
      HasSubstr("headers are over"));
}

TEST(MultipartTest, ACallbackErrorStopsTheReading) {
  MultipartReader reader(
      "XyZ", [](const MultipartPart&) { return absl::OkStatus(); },
      [](absl::string_view) {
        return absl::ResourceExhaustedError("the body is over 1 MiB");
      });
  const absl::Status s = reader.Feed(kForm);
  EXPECT_TRUE(absl::IsResourceExhausted(s));
  EXPECT_TRUE(absl::IsResourceExhausted(reader.Feed("more")));
}

TEST(MultipartTest, TheBoundaryComesFromTheContentType) {
  EXPECT_EQ(*MultipartBoundary("multipart/form-data; boundary=XyZ"), "XyZ");
  EXPECT_EQ(*MultipartBoundary("Multipart/Form-Data; boundary=\"a b\""), "a b");
  EXPECT_THAT(MultipartBoundary("application/xml").status().message(),
              HasSubstr("not multipart/form-data"));
  EXPECT_THAT(MultipartBoundary("multipart/form-data").status().message(),
              HasSubstr("no boundary"));
}

}  // namespace
}  // namespace truc::hub
