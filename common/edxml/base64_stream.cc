#include "common/edxml/base64_stream.h"

#include <openssl/evp.h>

#include "absl/strings/str_cat.h"

namespace truc::edxml {

struct Base64Decoder::Ctx {
  EVP_ENCODE_CTX* ctx = EVP_ENCODE_CTX_new();
  ~Ctx() { EVP_ENCODE_CTX_free(ctx); }
};

Base64Decoder::Base64Decoder() : ctx_(std::make_unique<Ctx>()) {
  EVP_DecodeInit(ctx_->ctx);
}

Base64Decoder::~Base64Decoder() = default;

absl::Status Base64Decoder::Update(absl::string_view text, std::string* out) {
  out->clear();
  if (failed_) return absl::InvalidArgumentError("base64 decoding failed");
  // OpenSSL's decoder stops at '-' (a PEM boundary); base64 has none.
  // Every 4 characters give at most 3 bytes, plus what it buffered.
  constexpr size_t kStep = 1 << 16;
  while (!text.empty()) {
    absl::string_view piece = text.substr(0, kStep);
    if (piece.find('-') != absl::string_view::npos) {
      failed_ = true;
      return absl::InvalidArgumentError(absl::StrCat(
          "not base64: '-' at character ", consumed_ + piece.find('-') + 1));
    }
    const size_t before = out->size();
    out->resize(before + piece.size() / 4 * 3 + 80);
    int n = 0;
    int rc = EVP_DecodeUpdate(
        ctx_->ctx, reinterpret_cast<unsigned char*>(out->data() + before), &n,
        reinterpret_cast<const unsigned char*>(piece.data()),
        static_cast<int>(piece.size()));
    if (rc < 0) {
      failed_ = true;
      return absl::InvalidArgumentError(absl::StrCat(
          "not base64: a character outside the alphabet, or data after the "
          "padding, in characters ",
          consumed_ + 1, " to ", consumed_ + piece.size()));
    }
    out->resize(before + n);
    consumed_ += piece.size();
    text.remove_prefix(piece.size());
  }
  return absl::OkStatus();
}

absl::Status Base64Decoder::Finish(std::string* out) {
  out->clear();
  if (failed_) return absl::InvalidArgumentError("base64 decoding failed");
  out->resize(80);
  int n = 0;
  int rc = EVP_DecodeFinal(ctx_->ctx,
                           reinterpret_cast<unsigned char*>(out->data()), &n);
  if (rc < 0) {
    failed_ = true;
    out->clear();
    return absl::InvalidArgumentError(
        absl::StrCat("not base64: the text ends inside a group of four "
                     "characters (",
                     consumed_, " characters in all)"));
  }
  out->resize(n);
  return absl::OkStatus();
}

std::string Base64Encode(absl::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(bytes.data()),
                          static_cast<int>(bytes.size()));
  out.resize(n);
  return out;
}

}  // namespace truc::edxml
