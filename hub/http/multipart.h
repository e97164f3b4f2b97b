// A multipart/form-data body (RFC 7578), read as it arrives in pieces of
// any size, in bounded memory: the national axis's API carries its edXML
// file this way (sendEdoc's file_doc field), and a file may be gigabytes.
//
// Thread-safety: a MultipartReader is used by one thread at a time.
#ifndef TRUC_HUB_HTTP_MULTIPART_H_
#define TRUC_HUB_HTTP_MULTIPART_H_

#include <functional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace truc::hub {

// The boundary named by a Content-Type header. INVALID_ARGUMENT if the
// type is not multipart/form-data or names no usable boundary.
absl::StatusOr<std::string> MultipartBoundary(absl::string_view content_type);

// One part's headers, as far as form data uses them.
struct MultipartPart {
  std::string name;      // Content-Disposition's name
  std::string filename;  // and filename, if any
  std::string content_type;
};

class MultipartReader {
 public:
  // `part` is called at each part's start, `data` with its bytes in order
  // (possibly in many calls); an error either returns stops the reading and
  // is returned by Feed.
  MultipartReader(std::string boundary,
                  std::function<absl::Status(const MultipartPart&)> part,
                  std::function<absl::Status(absl::string_view)> data);

  // Reads the next piece of the body. INVALID_ARGUMENT, naming what is
  // wrong, for a body that is not multipart (a part's headers over 16 KiB
  // or without a name); once an error is returned, every later call
  // returns it.
  absl::Status Feed(absl::string_view bytes);
  // The body has ended: INVALID_ARGUMENT unless the closing boundary came.
  absl::Status Finish();

 private:
  enum class State { kPreamble, kAfterBoundary, kHeaders, kBody, kDone };
  absl::Status Step(bool* progressed);
  absl::Status ParseHeaders(absl::string_view block);

  const std::string delimiter_;  // "\r\n--" + boundary
  std::function<absl::Status(const MultipartPart&)> part_;
  std::function<absl::Status(absl::string_view)> data_;
  State state_ = State::kPreamble;
  std::string buffer_;
  absl::Status error_;
};

}  // namespace truc::hub

#endif  // TRUC_HUB_HTTP_MULTIPART_H_
