// Checks the XML signature an edXML sender put in its message, as
// information only: truc's own signature over the header is the one that
// decides whether a document is accepted. Real edXML writes the Signature
// element in the edXML namespace instead of XMLDSig's (a stock verifier
// does not see it), with rsa-sha1 and exclusive canonicalisation, and often
// leaves it out; one sender writes the transform URI
// "http://www.w3.org/TR/xml-exc-c14n#" for exclusive canonicalisation.
// The check reads the message into memory (so only up to a size), moves a
// copy of the Signature into the XMLDSig namespace, corrects that URI, and
// verifies it with xmlsec1 (OpenSSL back end) against the key of the
// certificate in its KeyInfo, without judging that certificate's issuer.
//
// Thread-safety: thread-safe (checks run one at a time: xmlsec's error
// callback is process-wide).
#ifndef TRUC_COMMON_EDXML_SIGNATURE_H_
#define TRUC_COMMON_EDXML_SIGNATURE_H_

#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"

namespace truc::edxml {

enum class SignatureResult {
  kAbsent,       // no Signature element
  kValid,        // it verifies with its certificate's key
  kInvalid,      // it was checked and does not verify (changed content)
  kUnsupported,  // it cannot be checked: see the detail
};

struct SignatureCheck {
  SignatureResult result = SignatureResult::kAbsent;
  std::string detail;  // why, for people
  std::string signer;  // the certificate's subject, when read
};

// "absent", "valid", "invalid", "unsupported".
const char* SignatureResultName(SignatureResult result);

// Checks the signature of the edXML message in `xml`.
SignatureCheck CheckSignature(absl::string_view xml);
// The same for a file; a file over `max_bytes` is kUnsupported (it would
// be read whole).
SignatureCheck CheckSignatureFile(const std::string& path,
                                  uint64_t max_bytes = 32 << 20);

}  // namespace truc::edxml

#endif  // TRUC_COMMON_EDXML_SIGNATURE_H_
