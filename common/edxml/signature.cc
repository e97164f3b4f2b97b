#include "common/edxml/signature.h"

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <sys/stat.h>
#include <xmlsec/crypto.h>
#include <xmlsec/errors.h>
#include <xmlsec/keysmngr.h>
#include <xmlsec/xmldsig.h>
#include <xmlsec/xmlsec.h>
#include <xmlsec/xmltree.h>

#include <cstring>
#include <mutex>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "common/edxml/xml_tree.h"
#include "common/file_util.h"

namespace truc::edxml {
namespace {

constexpr char kDsigNs[] = "http://www.w3.org/2000/09/xmldsig#";
constexpr char kWrongExcC14n[] = "http://www.w3.org/TR/xml-exc-c14n#";
constexpr char kExcC14n[] = "http://www.w3.org/2001/10/xml-exc-c14n#";

absl::Mutex check_mu;
std::string* last_error = nullptr;  // guarded by check_mu

void OnXmlsecError(const char*, int, const char*, const char* object,
                   const char* subject, int reason, const char* msg) {
  if (last_error == nullptr || !last_error->empty()) return;
  *last_error = absl::StrCat(
      subject != nullptr ? subject : "", " (", object != nullptr ? object : "",
      "): ", msg != nullptr ? msg : "", " [", reason, "]");
}

bool InitXmlsec() {
  static bool ok = [] {
    xmlInitParser();
    if (xmlSecInit() < 0) return false;
    if (xmlSecCryptoAppInit(nullptr) < 0) return false;
    if (xmlSecCryptoInit() < 0) return false;
    xmlSecErrorsSetCallback(&OnXmlsecError);
    return true;
  }();
  return ok;
}

bool NameIs(const xmlNode* n, const char* local) {
  return n != nullptr && n->type == XML_ELEMENT_NODE &&
         std::strcmp(reinterpret_cast<const char*>(n->name), local) == 0;
}

bool NsIs(const xmlNode* n, const char* uri) {
  return n->ns != nullptr && n->ns->href != nullptr &&
         std::strcmp(reinterpret_cast<const char*>(n->ns->href), uri) == 0;
}

xmlNode* FirstChild(xmlNode* n, const char* local) {
  for (xmlNode* c = n == nullptr ? nullptr : n->children; c; c = c->next) {
    if (NameIs(c, local)) return c;
  }
  return nullptr;
}

// Puts `n` and every element under it in `ns`.
void MoveToNamespace(xmlNode* n, xmlNs* ns) {
  xmlSetNs(n, ns);
  for (xmlNode* c = n->children; c != nullptr; c = c->next) {
    if (c->type == XML_ELEMENT_NODE) MoveToNamespace(c, ns);
  }
}

struct Finding {
  bool has_cid = false;
  bool fixed_uri = false;
};

// Corrects the known wrong transform URI and notes attachment references.
void Inspect(xmlNode* n, Finding* f) {
  for (; n != nullptr; n = n->next) {
    if (n->type != XML_ELEMENT_NODE) continue;
    if (NameIs(n, "Transform") || NameIs(n, "CanonicalizationMethod")) {
      xmlChar* alg = xmlGetProp(n, BAD_CAST "Algorithm");
      if (alg != nullptr &&
          std::strcmp(reinterpret_cast<char*>(alg), kWrongExcC14n) == 0) {
        xmlSetProp(n, BAD_CAST "Algorithm", BAD_CAST kExcC14n);
        f->fixed_uri = true;
      }
      xmlFree(alg);
    }
    if (NameIs(n, "Reference")) {
      xmlChar* uri = xmlGetProp(n, BAD_CAST "URI");
      if (uri != nullptr &&
          std::strncmp(reinterpret_cast<char*>(uri), "cid:", 4) == 0) {
        f->has_cid = true;
      }
      xmlFree(uri);
    }
    Inspect(n->children, f);
  }
}

std::string SubjectOf(xmlNode* signature) {
  xmlNode* x509 = FirstChild(FirstChild(signature, "KeyInfo"), "X509Data");
  xmlNode* subject = FirstChild(x509, "X509SubjectName");
  if (subject == nullptr) return "";
  xmlChar* text = xmlNodeGetContent(subject);
  std::string out = text ? reinterpret_cast<char*>(text) : "";
  xmlFree(text);
  return std::string(absl::StripAsciiWhitespace(out));
}

SignatureCheck Unsupported(std::string detail, std::string signer = "") {
  return {SignatureResult::kUnsupported, std::move(detail), std::move(signer)};
}

}  // namespace

const char* SignatureResultName(SignatureResult result) {
  switch (result) {
    case SignatureResult::kAbsent:
      return "absent";
    case SignatureResult::kValid:
      return "valid";
    case SignatureResult::kInvalid:
      return "invalid";
    case SignatureResult::kUnsupported:
      return "unsupported";
  }
  return "unsupported";
}

SignatureCheck CheckSignature(absl::string_view xml) {
  absl::MutexLock lock(&check_mu);
  if (!InitXmlsec()) return Unsupported("xmlsec1 could not be initialised");
  QuietLibxml2();
  // A sender's stray bytes before the declaration (see reader.h).
  size_t lt = xml.find('<');
  if (lt != absl::string_view::npos && lt <= 64) xml.remove_prefix(lt);
  xmlDocPtr doc =
      xmlReadMemory(xml.data(), static_cast<int>(xml.size()), nullptr, nullptr,
                    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |
                        XML_PARSE_HUGE);
  if (doc == nullptr) return Unsupported("the message is not well-formed XML");
  std::unique_ptr<xmlDoc, void (*)(xmlDocPtr)> doc_owner(doc, xmlFreeDoc);
  if (doc->intSubset != nullptr) {
    return Unsupported("the message has a document type declaration");
  }
  xmlNode* root = xmlDocGetRootElement(doc);
  xmlNode* header =
      FirstChild(FirstChild(root, "edXMLEnvelope"), "edXMLHeader");
  xmlNode* signature = FirstChild(header, "Signature");
  if (signature == nullptr) {
    return {SignatureResult::kAbsent, "the message carries no Signature", ""};
  }
  const std::string signer = SubjectOf(signature);
  std::string moved;
  if (!NsIs(signature, kDsigNs)) {
    // The XMLDSig namespace as the signer's library declared it, else as
    // the default namespace of the Signature (as a stock signer writes it).
    xmlNs* dsig = xmlSearchNsByHref(doc, signature, BAD_CAST kDsigNs);
    if (dsig == nullptr) dsig = xmlNewNs(signature, BAD_CAST kDsigNs, nullptr);
    for (xmlNs* d = signature->nsDef; dsig == nullptr && d; d = d->next) {
      if (d->prefix == nullptr) {  // a default namespace declared on it
        xmlFree(const_cast<xmlChar*>(d->href));
        d->href = xmlStrdup(BAD_CAST kDsigNs);
        dsig = d;
      }
    }
    if (dsig == nullptr) {
      return Unsupported(
          "its Signature cannot be moved into XMLDSig's "
          "namespace",
          signer);
    }
    MoveToNamespace(signature, dsig);
    moved = "its Signature is in the edXML namespace, not XMLDSig's; ";
  }
  Finding finding;
  Inspect(signature->children, &finding);
  if (finding.has_cid) {
    return Unsupported(
        moved +
            "it signs attachments by reference (cid:), which cannot be "
            "resolved to their bytes",
        signer);
  }
  xmlSecKeysMngrPtr mngr = xmlSecKeysMngrCreate();
  if (mngr == nullptr || xmlSecCryptoAppDefaultKeysMngrInit(mngr) < 0) {
    if (mngr) xmlSecKeysMngrDestroy(mngr);
    return Unsupported("xmlsec1 could not make a key manager", signer);
  }
  xmlSecDSigCtxPtr ctx = xmlSecDSigCtxCreate(mngr);
  ctx->keyInfoReadCtx.flags |= XMLSEC_KEYINFO_FLAGS_X509DATA_DONT_VERIFY_CERTS;
  std::string error;
  last_error = &error;
  int rc = xmlSecDSigCtxVerify(ctx, signature);
  last_error = nullptr;
  const xmlSecDSigStatus status = ctx->status;
  xmlSecDSigCtxDestroy(ctx);
  xmlSecKeysMngrDestroy(mngr);
  const std::string fixed =
      finding.fixed_uri
          ? "its transform URI http://www.w3.org/TR/xml-exc-c14n# "
            "was read as exclusive canonicalisation; "
          : "";
  if (rc < 0) {
    return Unsupported(
        absl::StrCat(moved, fixed, "xmlsec1 could not check it: ",
                     error.empty() ? "no detail" : error),
        signer);
  }
  if (status == xmlSecDSigStatusSucceeded) {
    return {SignatureResult::kValid,
            absl::StrCat(moved, fixed,
                         "it verifies with the key of its certificate (whose "
                         "issuer is not judged)"),
            signer};
  }
  return {SignatureResult::kInvalid,
          absl::StrCat(moved, fixed,
                       "it does not verify: the signed content or the "
                       "signature was changed after signing"),
          signer};
}

SignatureCheck CheckSignatureFile(const std::string& path, uint64_t max_bytes) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) {
    return Unsupported(absl::StrCat("cannot read ", path));
  }
  if (static_cast<uint64_t>(st.st_size) > max_bytes) {
    return Unsupported(absl::StrCat(
        "the message is ", st.st_size / 1000000,
        " MB; signatures are checked on messages up to ", max_bytes / 1000000,
        " MB, since the check reads the whole message into memory"));
  }
  auto text = ReadFile(path, max_bytes);
  if (!text.ok()) return Unsupported(std::string(text.status().message()));
  return CheckSignature(*text);
}

}  // namespace truc::edxml
