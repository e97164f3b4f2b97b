#include "common/edxml/reader.h"

#include <fcntl.h>
#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <unistd.h>

#include <cerrno>
#include <memory>
#include <optional>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/edxml/base64_stream.h"
#include "common/file_util.h"
#include "common/sha256.h"

namespace truc::edxml {
namespace {

constexpr size_t kPiece = 256 << 10;
// Bytes tolerated before the XML declaration (a sender's stray prefix).
constexpr size_t kMaxStrayPrefix = 64;

std::string Str(const xmlChar* s) {
  return s == nullptr ? std::string() : reinterpret_cast<const char*>(s);
}

std::string Str(const xmlChar* begin, const xmlChar* end) {
  return std::string(reinterpret_cast<const char*>(begin),
                     reinterpret_cast<const char*>(end));
}

std::string Mib(size_t bytes) {
  return bytes % (1 << 20) == 0 ? absl::StrCat(bytes >> 20, " MiB")
                                : absl::StrCat(bytes, " bytes");
}

class Reader {
 public:
  explicit Reader(const ReadOptions& options) : o_(options) {
    xmlSAXHandler sax{};
    sax.initialized = XML_SAX2_MAGIC;
    sax.startElementNs = &Reader::StartElement;
    sax.endElementNs = &Reader::EndElement;
    sax.characters = &Reader::Characters;
    sax.ignorableWhitespace = &Reader::Characters;
    sax.cdataBlock = &Reader::Characters;
    sax.internalSubset = &Reader::InternalSubset;
    sax.externalSubset = &Reader::InternalSubset;
    sax.getEntity = &Reader::GetEntity;
    sax.serror = &Reader::StructuredError;
    ctxt_ = xmlCreatePushParserCtxt(&sax, this, nullptr, 0, nullptr);
    if (ctxt_ != nullptr) {
      // No network, no DTD loading, no entity substitution; our own limits
      // replace libxml2's (an attachment is one text node of hundreds of
      // MB, which its default limit of 10 MB would refuse).
      xmlCtxtUseOptions(ctxt_, XML_PARSE_NONET | XML_PARSE_HUGE |
                                   XML_PARSE_NOWARNING | XML_PARSE_NOERROR);
    }
  }

  ~Reader() {
    if (ctxt_ != nullptr) xmlFreeParserCtxt(ctxt_);
    if (!error_.ok() || !finished_) Cleanup();
  }

  absl::Status Feed(absl::string_view bytes, bool last) {
    if (ctxt_ == nullptr) {
      return absl::ResourceExhaustedError("cannot allocate an XML parser");
    }
    if (!fed_) {
      fed_ = true;
      SkipStrayPrefix(&bytes);
    }
    if (error_.ok()) {
      int rc = xmlParseChunk(ctxt_, bytes.data(),
                             static_cast<int>(bytes.size()), last ? 1 : 0);
      if (rc != 0 && error_.ok()) {
        Fail(absl::InvalidArgumentError(
            absl::StrCat("not well-formed XML at line ", Line(),
                         " (libxml2 error ", rc, ")")));
      }
    }
    return error_;
  }

  absl::StatusOr<ParsedEdxml> Finish() {
    if (!error_.ok()) return error_;
    if (!root_closed_) {
      return absl::InvalidArgumentError(
          "not an edXML message: the file ends before its root element does");
    }
    finished_ = true;
    return std::move(result_);
  }

 private:
  // Drops what a sender wrote before the XML declaration, if it is short
  // and holds no markup; libxml2 refuses anything else there itself.
  void SkipStrayPrefix(absl::string_view* bytes) {
    size_t lt = bytes->find('<');
    if (lt == 0 || lt == absl::string_view::npos || lt > kMaxStrayPrefix) {
      return;
    }
    absl::string_view prefix = bytes->substr(0, lt);
    if (prefix == "\xEF\xBB\xBF") return;  // a BOM: libxml2 reads it
    if (absl::StripAsciiWhitespace(prefix).empty() &&
        bytes->substr(lt, 5) != "<?xml") {
      return;
    }
    result_.warnings.push_back(absl::StrCat(
        lt, " byte", lt == 1 ? "" : "s", " before the XML declaration (\"",
        absl::CHexEscape(prefix), "\") were skipped"));
    bytes->remove_prefix(lt);
  }

  static Reader* Self(void* ctx) { return static_cast<Reader*>(ctx); }

  int Line() const {
    return ctxt_ != nullptr && ctxt_->input != nullptr ? ctxt_->input->line : 0;
  }

  std::string Path() const {
    std::vector<absl::string_view> names;
    for (const XmlElement* e : stack_) names.push_back(e->name);
    return absl::StrJoin(names, "/");
  }

  void Fail(absl::Status s) {
    if (!error_.ok()) return;
    error_ = std::move(s);
    if (ctxt_ != nullptr) xmlStopParser(ctxt_);
  }

  // Counts what the message keeps in memory.
  bool Charge(size_t bytes) {
    message_bytes_ += bytes;
    if (message_bytes_ > o_.limits.max_message_bytes) {
      Fail(absl::ResourceExhaustedError(
          absl::StrCat("the message outside its attachments is larger than ",
                       Mib(o_.limits.max_message_bytes), " (at ", Path(),
                       ", line ", Line(), ")")));
      return false;
    }
    return true;
  }

  static void StartElement(void* ctx, const xmlChar* localname,
                           const xmlChar* prefix, const xmlChar* uri,
                           int /*nb_namespaces*/, const xmlChar** /*ns*/,
                           int nb_attributes, int /*nb_defaulted*/,
                           const xmlChar** attributes) {
    Self(ctx)->OnStart(localname, prefix, uri, nb_attributes, attributes);
  }

  void OnStart(const xmlChar* localname, const xmlChar* prefix,
               const xmlChar* uri, int nb_attributes,
               const xmlChar** attributes) {
    if (!error_.ok()) return;
    XmlElement e;
    e.name = Str(localname);
    e.prefix = Str(prefix);
    e.ns = Str(uri);
    if (stack_.size() >= static_cast<size_t>(o_.limits.max_depth)) {
      Fail(absl::InvalidArgumentError(
          absl::StrCat("elements nested deeper than ", o_.limits.max_depth,
                       " (at ", Path(), "/", e.name, ", line ", Line(), ")")));
      return;
    }
    if (streaming_ != nullptr) {
      Fail(absl::InvalidArgumentError(
          absl::StrCat("an element inside an attachment's content (", Path(),
                       "/", e.name, ", line ", Line(), ")")));
      return;
    }
    for (int i = 0; i < nb_attributes; ++i) {
      const xmlChar** a = attributes + 5 * i;
      e.attributes.push_back(
          {Str(a[2]), Str(a[1]), Str(a[0]), Str(a[3], a[4])});
      if (!Charge(e.attributes.back().name.size() +
                  e.attributes.back().value.size())) {
        return;
      }
    }
    if (!Charge(e.name.size() + 16)) return;
    if (stack_.empty()) {
      if (root_seen_) {
        Fail(absl::InvalidArgumentError("more than one root element"));
        return;
      }
      root_seen_ = true;
      if (e.name != "edXML" || e.ns != kEdxmlNs) {
        Fail(absl::InvalidArgumentError(
            absl::StrCat("not an edXML message: the root element is ",
                         e.ns.empty() ? "" : absl::StrCat("{", e.ns, "}"),
                         e.name, ", not edXML in the namespace ", kEdxmlNs)));
        return;
      }
      result_.root = std::move(e);
      stack_.push_back(&result_.root);
      return;
    }
    XmlElement* parent = stack_.back();
    if (!absl::StripAsciiWhitespace(parent->text).empty()) {
      MixedContent(parent);
      return;
    }
    parent->text.clear();
    parent->children.push_back(std::move(e));
    XmlElement* self = &parent->children.back();
    stack_.push_back(self);
    if (self->Is("ContentTransferEncoded") && stack_.size() == 4 &&
        stack_[2]->Is("Attachment") && stack_[1]->Is("AttachmentEncoded")) {
      BeginAttachment();
    }
  }

  void MixedContent(const XmlElement* e) {
    Fail(absl::InvalidArgumentError(
        absl::StrCat(Path(), " holds both text and elements (line ", Line(),
                     "); edXML elements hold one or the other")));
    (void)e;
  }

  static void EndElement(void* ctx, const xmlChar*, const xmlChar*,
                         const xmlChar*) {
    Self(ctx)->OnEnd();
  }

  void OnEnd() {
    if (!error_.ok() || stack_.empty()) return;
    XmlElement* e = stack_.back();
    if (streaming_ != nullptr) {
      EndAttachment();
      if (!error_.ok()) return;
    } else if (!e->children.empty()) {
      if (!absl::StripAsciiWhitespace(e->text).empty()) {
        MixedContent(e);
        return;
      }
      e->text.clear();
    }
    stack_.pop_back();
    if (stack_.empty()) root_closed_ = true;
  }

  static void Characters(void* ctx, const xmlChar* ch, int len) {
    Self(ctx)->OnText(absl::string_view(reinterpret_cast<const char*>(ch),
                                        static_cast<size_t>(len)));
  }

  void OnText(absl::string_view text) {
    if (!error_.ok() || stack_.empty()) return;
    if (streaming_ != nullptr) {
      Decode(text);
      return;
    }
    XmlElement* e = stack_.back();
    if (e->text.size() + text.size() > o_.limits.max_text_bytes) {
      Fail(absl::ResourceExhaustedError(
          absl::StrCat("the text of ", Path(), " (line ", Line(),
                       ") is longer than ", Mib(o_.limits.max_text_bytes))));
      return;
    }
    if (!Charge(text.size())) return;
    e->text.append(text.data(), text.size());
  }

  // --- Attachments -------------------------------------------------------

  struct Streaming {
    Base64Decoder decoder;
    Sha256 sha;
    std::optional<DurableFileWriter> file;
    uint64_t size = 0;
    int line = 0;
    std::string bytes;
  };

  void BeginAttachment() {
    if (result_.attachments.size() >= o_.limits.max_attachments) {
      Fail(absl::ResourceExhaustedError(
          absl::StrCat("more than ", o_.limits.max_attachments,
                       " attachments (line ", Line(), ")")));
      return;
    }
    streaming_ = std::make_unique<Streaming>();
    streaming_->line = Line();
    if (!o_.attachment_dir.empty()) {
      std::string path =
          JoinPath(o_.attachment_dir, absl::StrCat(result_.attachments.size()));
      auto file = DurableFileWriter::Create(path, 0600);
      if (!file.ok()) {
        Fail(file.status());
        return;
      }
      streaming_->file.emplace(*std::move(file));
    }
  }

  // The decoder's error, naming the attachment and its line.
  absl::Status NotBase64(const absl::Status& decoder_error) const {
    return absl::InvalidArgumentError(
        absl::StrCat("attachment ", result_.attachments.size() + 1,
                     ": its ContentTransferEncoded (line ", streaming_->line,
                     ") is ", decoder_error.message()));
  }

  void Decode(absl::string_view text) {
    Streaming& s = *streaming_;
    absl::Status st = s.decoder.Update(text, &s.bytes);
    if (!st.ok()) {
      Fail(NotBase64(st));
      return;
    }
    Write(s.bytes);
  }

  void Write(const std::string& bytes) {
    Streaming& s = *streaming_;
    if (bytes.empty()) return;
    s.size += bytes.size();
    if (s.size > o_.limits.max_attachment_bytes) {
      Fail(absl::ResourceExhaustedError(absl::StrCat(
          "attachment ", result_.attachments.size() + 1, " (line ", s.line,
          ") is larger than ", Mib(o_.limits.max_attachment_bytes))));
      return;
    }
    s.sha.Update(bytes);
    if (s.file) {
      absl::Status st = s.file->Append(bytes);
      if (!st.ok()) Fail(st);
    }
  }

  void EndAttachment() {
    Streaming& s = *streaming_;
    absl::Status st = s.decoder.Finish(&s.bytes);
    if (!st.ok()) {
      Fail(NotBase64(st));
      return;
    }
    Write(s.bytes);
    if (!error_.ok()) return;
    EncodedAttachment a;
    a.size = s.size;
    a.sha256 = s.sha.Finish();
    a.line = s.line;
    if (s.file) {
      st = s.file->Commit();
      if (!st.ok()) {
        Fail(st);
        return;
      }
      a.path = s.file->path();
      written_.push_back(a.path);
    }
    // The attachment's other fields, read so far from its siblings; those
    // written after the content are filled in Finish's caller from the tree.
    result_.attachments.push_back(std::move(a));
    streaming_.reset();
  }

  void Cleanup() {
    streaming_.reset();  // an uncommitted file removes itself
    for (const auto& path : written_) ::unlink(path.c_str());
    written_.clear();
  }

  // --- What is refused -----------------------------------------------------

  static void InternalSubset(void* ctx, const xmlChar*, const xmlChar*,
                             const xmlChar*) {
    Reader* self = Self(ctx);
    self->Fail(absl::InvalidArgumentError(absl::StrCat(
        "a document type declaration (<!DOCTYPE>) at line ", self->Line(),
        ": edXML has none, and truc never reads DTDs or expands entities")));
  }

  static xmlEntityPtr GetEntity(void* ctx, const xmlChar* name) {
    xmlEntityPtr predefined = xmlGetPredefinedEntity(name);
    if (predefined != nullptr) return predefined;
    Reader* self = Self(ctx);
    self->Fail(absl::InvalidArgumentError(absl::StrCat(
        "an entity reference &", Str(name), "; at line ", self->Line(),
        ": edXML uses only the five predefined entities")));
    return nullptr;
  }

  static void StructuredError(void* ctx, xmlErrorPtr error) {
    Reader* self = Self(ctx);
    if (error == nullptr || error->level < XML_ERR_ERROR) return;
    std::string message = Str(reinterpret_cast<const xmlChar*>(error->message));
    self->Fail(absl::InvalidArgumentError(
        absl::StrCat("not well-formed XML at line ", error->line, ": ",
                     absl::StripTrailingAsciiWhitespace(message))));
  }

  const ReadOptions& o_;
  xmlParserCtxtPtr ctxt_ = nullptr;
  absl::Status error_;
  ParsedEdxml result_;
  std::vector<XmlElement*> stack_;
  std::unique_ptr<Streaming> streaming_;
  std::vector<std::string> written_;
  size_t message_bytes_ = 0;
  bool fed_ = false;
  bool root_seen_ = false;
  bool root_closed_ = false;
  bool finished_ = false;
};

// Fills each attachment's fields from its Attachment element.
void FillAttachmentFields(ParsedEdxml* parsed) {
  const XmlElement* encoded = parsed->root.Child("AttachmentEncoded");
  if (encoded == nullptr) return;
  size_t i = 0;
  for (const XmlElement* a : encoded->Children("Attachment")) {
    if (a->Child("ContentTransferEncoded") == nullptr) continue;
    if (i >= parsed->attachments.size()) break;
    EncodedAttachment& out = parsed->attachments[i++];
    auto text = [&](absl::string_view name) {
      const XmlElement* c = a->Child(name);
      return c == nullptr ? std::string() : c->text;
    };
    out.content_id = std::string(absl::StripAsciiWhitespace(text("ContentId")));
    out.name = text("AttachmentName");
    out.description = text("Description");
    out.content_type =
        std::string(absl::StripAsciiWhitespace(text("ContentType")));
  }
}

}  // namespace

absl::StatusOr<ParsedEdxml> ReadEdxmlFrom(const Source& next,
                                          const ReadOptions& options) {
  QuietLibxml2();
  Reader reader(options);
  while (true) {
    absl::StatusOr<absl::string_view> piece = next();
    if (!piece.ok()) return piece.status();
    absl::Status s = reader.Feed(*piece, piece->empty());
    if (!s.ok()) return s;
    if (piece->empty()) break;
  }
  auto parsed = reader.Finish();
  if (parsed.ok()) FillAttachmentFields(&*parsed);
  return parsed;
}

absl::StatusOr<ParsedEdxml> ReadEdxml(absl::string_view bytes,
                                      const ReadOptions& options) {
  return ReadEdxmlFrom(
      [&]() -> absl::StatusOr<absl::string_view> {
        absl::string_view piece = bytes.substr(0, kPiece);
        bytes.remove_prefix(piece.size());
        return piece;
      },
      options);
}

absl::StatusOr<ParsedEdxml> ReadEdxmlFile(const std::string& path,
                                          const ReadOptions& options) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return ErrnoStatus(errno, "open " + path);
  std::string buf(kPiece, '\0');
  auto parsed = ReadEdxmlFrom(
      [&]() -> absl::StatusOr<absl::string_view> {
        while (true) {
          ssize_t n = ::read(fd, buf.data(), buf.size());
          if (n >= 0) return absl::string_view(buf.data(), n);
          if (errno != EINTR) return ErrnoStatus(errno, "read " + path);
        }
      },
      options);
  ::close(fd);
  return parsed;
}

}  // namespace truc::edxml
