// Base64 in pieces, over OpenSSL's EVP encoder and decoder, so that an
// attachment of any size passes through a fixed amount of memory.
//
// Thread-safety: one object per thread.
#ifndef TRUC_COMMON_EDXML_BASE64_STREAM_H_
#define TRUC_COMMON_EDXML_BASE64_STREAM_H_

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace truc::edxml {

// Decodes base64 text given in pieces of any size. Whitespace (spaces,
// tabs, line breaks) anywhere is ignored, as real senders break lines.
class Base64Decoder {
 public:
  Base64Decoder();
  ~Base64Decoder();
  Base64Decoder(const Base64Decoder&) = delete;
  Base64Decoder& operator=(const Base64Decoder&) = delete;

  // Decodes `text` and appends the bytes to `*out` (cleared first).
  // INVALID_ARGUMENT on a character outside the alphabet or data after
  // the padding, naming how far into the text it was.
  absl::Status Update(absl::string_view text, std::string* out);
  // The last bytes; INVALID_ARGUMENT if the text ended in the middle of a
  // group of four.
  absl::Status Finish(std::string* out);
  // Characters given so far, whitespace included.
  uint64_t consumed() const { return consumed_; }

 private:
  struct Ctx;
  std::unique_ptr<Ctx> ctx_;
  uint64_t consumed_ = 0;
  bool failed_ = false;
};

// Base64 of `bytes`, without line breaks.
std::string Base64Encode(absl::string_view bytes);

// How many bytes to encode at a time so that the pieces' encodings,
// joined, are the encoding of the whole: a multiple of 3.
inline constexpr size_t kBase64Piece = 3 * 256 * 1024;

}  // namespace truc::edxml

#endif  // TRUC_COMMON_EDXML_BASE64_STREAM_H_
