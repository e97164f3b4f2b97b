#include "common/edxml/signature.h"

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <xmlsec/crypto.h>
#include <xmlsec/templates.h>
#include <xmlsec/xmldsig.h>
#include <xmlsec/xmltree.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "common/edxml/edxml_testing.h"
#include "common/edxml/writer.h"
#include "common/pki.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace truc::edxml {
namespace {

using ::testing::HasSubstr;

truc::v1::DocumentHeader Header() {
  truc::v1::DocumentHeader h;
  h.mutable_from()->set_organ_id("000.00.00.H41");
  h.mutable_from()->set_organ_name("UBND Tỉnh Nghệ An");
  h.add_to()->set_organ_id("000.00.00.H99");
  h.mutable_code()->set_code_number("118");
  h.mutable_code()->set_code_notation("UBND-KT");
  h.set_subject("Về việc phối hợp ứng phó bão số 3");
  h.set_urgency(truc::v1::URGENCY_EXPRESS);
  return h;
}

// Signs `xml` as an edXML sender's library does: an enveloped XMLDSig
// signature (rsa-sha1, exclusive c14n) as the last child of edXMLHeader,
// with the certificate in KeyInfo, then moved into the edXML namespace.
std::string SignAsASender(const std::string& xml, const KeyAndCert& signer,
                          const char* transform_uri = nullptr,
                          bool cid_reference = false) {
  xmlDocPtr doc = xmlReadMemory(xml.data(), static_cast<int>(xml.size()),
                                nullptr, nullptr, XML_PARSE_NONET);
  EXPECT_NE(doc, nullptr);
  xmlNode* root = xmlDocGetRootElement(doc);
  xmlNode* header = xmlSecFindNode(root, BAD_CAST "edXMLHeader",
                                   BAD_CAST
                                   "http://www.mic.gov.vn/TBT/"
                                   "QCVN_102_2016");
  xmlNode* sig = xmlSecTmplSignatureCreate(doc, xmlSecTransformExclC14NId,
                                           xmlSecTransformRsaSha1Id, nullptr);
  xmlAddChild(header, sig);
  xmlNode* ref = xmlSecTmplSignatureAddReference(sig, xmlSecTransformSha1Id,
                                                 nullptr, BAD_CAST "", nullptr);
  xmlSecTmplReferenceAddTransform(ref, xmlSecTransformEnvelopedId);
  xmlSecTmplReferenceAddTransform(ref, xmlSecTransformExclC14NId);
  xmlNode* key_info = xmlSecTmplSignatureEnsureKeyInfo(sig, nullptr);
  xmlSecTmplKeyInfoAddX509Data(key_info);
  xmlSecKeyPtr key = xmlSecCryptoAppKeyLoadMemory(
      reinterpret_cast<const xmlSecByte*>(signer.key_pem.data()),
      signer.key_pem.size(), xmlSecKeyDataFormatPem, nullptr, nullptr, nullptr);
  EXPECT_NE(key, nullptr);
  EXPECT_GE(
      xmlSecCryptoAppKeyCertLoadMemory(
          key, reinterpret_cast<const xmlSecByte*>(signer.cert_pem.data()),
          signer.cert_pem.size(), xmlSecKeyDataFormatPem),
      0);
  xmlSecDSigCtxPtr ctx = xmlSecDSigCtxCreate(nullptr);
  ctx->signKey = key;
  EXPECT_GE(xmlSecDSigCtxSign(ctx, sig), 0);
  xmlSecDSigCtxDestroy(ctx);
  // The sender's library writes it in the edXML namespace.
  xmlNs* edxml = xmlSearchNsByHref(
      doc, header, BAD_CAST "http://www.mic.gov.vn/TBT/QCVN_102_2016");
  std::function<void(xmlNode*)> move = [&](xmlNode* n) {
    xmlSetNs(n, edxml);
    for (xmlNode* c = n->children; c; c = c->next) {
      if (c->type == XML_ELEMENT_NODE) move(c);
    }
  };
  move(sig);
  xmlFreeNsList(sig->nsDef);  // nothing uses XMLDSig's namespace any more
  sig->nsDef = nullptr;
  xmlChar* out = nullptr;
  int size = 0;
  xmlDocDumpMemory(doc, &out, &size);
  std::string text(reinterpret_cast<char*>(out), size);
  xmlFree(out);
  xmlFreeDoc(doc);
  if (cid_reference) {
    // A reference to an attachment, as one public library writes it (xmlsec
    // could not sign it: it cannot fetch a cid: URI either).
    const std::string p =
        text.find("</edXML:SignedInfo>") != std::string::npos ? "edXML:" : "";
    text = absl::StrReplaceAll(
        text, {{"</" + p + "SignedInfo>",
                absl::StrCat("<", p, "Reference URI=\"cid:1\"><", p,
                             "DigestValue>AAAA</", p, "DigestValue></", p,
                             "Reference></", p, "SignedInfo>")}});
  }
  if (transform_uri != nullptr) {
    text = absl::StrReplaceAll(
        text, {{"http://www.w3.org/2001/10/xml-exc-c14n#", transform_uri}});
  }
  return text;
}

class EdxmlSignatureTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // Makes sure xmlsec is initialised before the test signs.
    (void)CheckSignature("<edXML/>");
    auto ca = CreateCertificateAuthority("CA thử nghiệm");
    ASSERT_TRUE(ca.ok());
    IssueRequest req;
    req.role = Role::kAgency;
    req.name = "000.00.00.H41";
    req.common_name = "UBND Tỉnh Nghệ An";
    req.key_type = KeyType::kRsa2048;
    auto kc = IssueCertificate(*ca, req);
    ASSERT_TRUE(kc.ok()) << kc.status();
    signer_ = *kc;
    auto text = DocumentText(Header(), {});
    ASSERT_TRUE(text.ok());
    unsigned_ = *text;
  }

  KeyAndCert signer_;
  std::string unsigned_;
};

TEST_F(EdxmlSignatureTest, ASignatureInTheEdxmlNamespaceVerifies) {
  const std::string signed_xml = SignAsASender(unsigned_, signer_);
  ASSERT_THAT(signed_xml, HasSubstr("SignatureValue"));
  ASSERT_THAT(signed_xml, ::testing::Not(HasSubstr("xmldsig#\">")));
  SignatureCheck c = CheckSignature(signed_xml);
  EXPECT_EQ(c.result, SignatureResult::kValid) << c.detail;
  EXPECT_THAT(c.detail, HasSubstr("in the edXML namespace"));
}

TEST_F(EdxmlSignatureTest, AChangedSubjectDoesNotVerify) {
  std::string signed_xml = SignAsASender(unsigned_, signer_);
  signed_xml = absl::StrReplaceAll(signed_xml, {{"bão số 3", "bão số 4"}});
  SignatureCheck c = CheckSignature(signed_xml);
  EXPECT_EQ(c.result, SignatureResult::kInvalid) << c.detail;
}

TEST_F(EdxmlSignatureTest, TheKnownWrongTransformUriIsReadAsExclusiveC14n) {
  const std::string signed_xml =
      SignAsASender(unsigned_, signer_, "http://www.w3.org/TR/xml-exc-c14n#");
  SignatureCheck c = CheckSignature(signed_xml);
  EXPECT_EQ(c.result, SignatureResult::kValid) << c.detail;
  EXPECT_THAT(c.detail, HasSubstr("was read as exclusive canonicalisation"));
}

TEST_F(EdxmlSignatureTest, AttachmentReferencesCannotBeChecked) {
  SignatureCheck c = CheckSignature(
      SignAsASender(unsigned_, signer_, nullptr, /*cid_reference=*/true));
  EXPECT_EQ(c.result, SignatureResult::kUnsupported);
  EXPECT_THAT(c.detail, HasSubstr("cid:"));
}

TEST_F(EdxmlSignatureTest, NoSignatureIsAbsent) {
  EXPECT_EQ(CheckSignature(unsigned_).result, SignatureResult::kAbsent);
}

TEST(EdxmlSignatureSamplesTest, TheSamplesSignaturesAreReportedNotFatal) {
  for (const auto& name : testing::SampleNames()) {
    SignatureCheck c = CheckSignatureFile(testing::SamplePath(name));
    if (name.rfind("status", 0) == 0) {
      EXPECT_EQ(c.result, SignatureResult::kAbsent) << name;
    } else {
      // Their certificates are cut short: they cannot be checked.
      EXPECT_EQ(c.result, SignatureResult::kUnsupported)
          << name << ": " << c.detail;
      EXPECT_EQ(c.signer, "CN=user05") << name;
    }
  }
}

TEST(EdxmlSignatureSamplesTest, ALargeFileIsNotReadWhole) {
  SignatureCheck c =
      CheckSignatureFile(testing::SamplePath("edoc_new.edxml"), 1000);
  EXPECT_EQ(c.result, SignatureResult::kUnsupported);
  EXPECT_THAT(c.detail, HasSubstr("reads the whole message into memory"));
}

}  // namespace
}  // namespace truc::edxml
