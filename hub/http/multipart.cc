#include "hub/http/multipart.h"

#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace truc::hub {
namespace {

constexpr size_t kMaxHeaders = 16 * 1024;

// A parameter's value from a header such as
// `form-data; name="file_doc"; filename="a.edxml"`.
std::string Parameter(absl::string_view header, absl::string_view key) {
  for (absl::string_view item : absl::StrSplit(header, ';')) {
    item = absl::StripAsciiWhitespace(item);
    const size_t eq = item.find('=');
    if (eq == absl::string_view::npos) continue;
    if (!absl::EqualsIgnoreCase(absl::StripAsciiWhitespace(item.substr(0, eq)),
                                key)) {
      continue;
    }
    absl::string_view value = absl::StripAsciiWhitespace(item.substr(eq + 1));
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
      value = value.substr(1, value.size() - 2);
    }
    return std::string(value);
  }
  return "";
}

}  // namespace

absl::StatusOr<std::string> MultipartBoundary(absl::string_view content_type) {
  const std::vector<absl::string_view> items =
      absl::StrSplit(content_type, ';');
  if (!absl::EqualsIgnoreCase(absl::StripAsciiWhitespace(items[0]),
                              "multipart/form-data")) {
    return absl::InvalidArgumentError(
        absl::StrCat("the body is ",
                     content_type.empty() ? "without a Content-Type"
                                          : std::string(content_type),
                     ", not multipart/form-data"));
  }
  std::string boundary = Parameter(content_type, "boundary");
  // RFC 2046: 1 to 70 characters.
  if (boundary.empty() || boundary.size() > 70) {
    return absl::InvalidArgumentError(
        "the multipart/form-data body names no boundary of 1 to 70 "
        "characters");
  }
  return boundary;
}

MultipartReader::MultipartReader(
    std::string boundary,
    std::function<absl::Status(const MultipartPart&)> part,
    std::function<absl::Status(absl::string_view)> data)
    : delimiter_(absl::StrCat("\r\n--", boundary)),
      part_(std::move(part)),
      data_(std::move(data)),
      // The first boundary may open the body without a line break before
      // it: reading as if one came first finds it like any other.
      buffer_("\r\n") {}

absl::Status MultipartReader::Feed(absl::string_view bytes) {
  if (!error_.ok()) return error_;
  if (state_ == State::kDone) return absl::OkStatus();  // the epilogue
  buffer_.append(bytes.data(), bytes.size());
  bool progressed = true;
  while (progressed && state_ != State::kDone) {
    progressed = false;
    error_ = Step(&progressed);
    if (!error_.ok()) return error_;
  }
  if (state_ == State::kDone) buffer_.clear();
  return absl::OkStatus();
}

absl::Status MultipartReader::Step(bool* progressed) {
  switch (state_) {
    case State::kPreamble: {
      const size_t at = buffer_.find(delimiter_);
      if (at == std::string::npos) {
        // Keep what may be the start of a delimiter.
        if (buffer_.size() > delimiter_.size()) {
          buffer_.erase(0, buffer_.size() - delimiter_.size());
        }
        return absl::OkStatus();
      }
      buffer_.erase(0, at + delimiter_.size());
      state_ = State::kAfterBoundary;
      *progressed = true;
      return absl::OkStatus();
    }
    case State::kAfterBoundary: {
      if (buffer_.size() < 2) return absl::OkStatus();
      if (absl::StartsWith(buffer_, "--")) {
        state_ = State::kDone;
        *progressed = true;
        return absl::OkStatus();
      }
      // Transport padding (spaces, tabs) before the line break.
      const size_t eol = buffer_.find("\r\n");
      if (eol == std::string::npos) {
        if (buffer_.size() > 256) {
          return absl::InvalidArgumentError(
              "the multipart body has text after a boundary");
        }
        return absl::OkStatus();
      }
      if (!absl::StripAsciiWhitespace(absl::string_view(buffer_).substr(0, eol))
               .empty()) {
        return absl::InvalidArgumentError(
            "the multipart body has text after a boundary");
      }
      buffer_.erase(0, eol + 2);
      state_ = State::kHeaders;
      *progressed = true;
      return absl::OkStatus();
    }
    case State::kHeaders: {
      size_t end = std::string::npos;
      size_t skip = 0;
      if (absl::StartsWith(buffer_, "\r\n")) {
        end = 0;  // a part with no headers at all
        skip = 2;
      } else if (const size_t at = buffer_.find("\r\n\r\n");
                 at != std::string::npos) {
        end = at;
        skip = 4;
      }
      if (end == std::string::npos) {
        if (buffer_.size() > kMaxHeaders) {
          return absl::InvalidArgumentError(absl::StrCat(
              "a multipart part's headers are over ", kMaxHeaders, " bytes"));
        }
        return absl::OkStatus();
      }
      const std::string block = buffer_.substr(0, end);
      buffer_.erase(0, end + skip);
      if (absl::Status s = ParseHeaders(block); !s.ok()) return s;
      state_ = State::kBody;
      *progressed = true;
      return absl::OkStatus();
    }
    case State::kBody: {
      const size_t at = buffer_.find(delimiter_);
      if (at == std::string::npos) {
        if (buffer_.size() > delimiter_.size()) {
          const size_t n = buffer_.size() - delimiter_.size();
          if (absl::Status s = data_(absl::string_view(buffer_).substr(0, n));
              !s.ok()) {
            return s;
          }
          buffer_.erase(0, n);
        }
        return absl::OkStatus();
      }
      if (at > 0) {
        if (absl::Status s = data_(absl::string_view(buffer_).substr(0, at));
            !s.ok()) {
          return s;
        }
      }
      buffer_.erase(0, at + delimiter_.size());
      state_ = State::kAfterBoundary;
      *progressed = true;
      return absl::OkStatus();
    }
    case State::kDone:
      return absl::OkStatus();
  }
  return absl::OkStatus();
}

absl::Status MultipartReader::ParseHeaders(absl::string_view block) {
  MultipartPart part;
  bool disposition = false;
  for (absl::string_view line : absl::StrSplit(block, "\r\n")) {
    const size_t colon = line.find(':');
    if (colon == absl::string_view::npos) {
      return absl::InvalidArgumentError(absl::StrCat(
          "a multipart part's header line has no colon: ", line.substr(0, 80)));
    }
    const absl::string_view name =
        absl::StripAsciiWhitespace(line.substr(0, colon));
    const absl::string_view value =
        absl::StripAsciiWhitespace(line.substr(colon + 1));
    if (absl::EqualsIgnoreCase(name, "Content-Disposition")) {
      disposition = true;
      part.name = Parameter(value, "name");
      part.filename = Parameter(value, "filename");
    } else if (absl::EqualsIgnoreCase(name, "Content-Type")) {
      part.content_type = std::string(value);
    }
  }
  if (!disposition || part.name.empty()) {
    return absl::InvalidArgumentError(
        "a multipart part has no Content-Disposition with a name");
  }
  return part_(part);
}

absl::Status MultipartReader::Finish() {
  if (!error_.ok()) return error_;
  if (state_ != State::kDone) {
    error_ = absl::InvalidArgumentError(
        "the multipart body ends before its closing boundary");
  }
  return error_;
}

}  // namespace truc::hub
