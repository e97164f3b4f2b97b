#include "common/edxml/writer.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

#include "absl/strings/str_cat.h"
#include "common/edxml/base64_stream.h"
#include "common/edxml/mapping.h"
#include "common/edxml/xml_tree.h"
#include "common/file_util.h"
#include "common/sha256.h"
#include "common/status_macros.h"

namespace truc::edxml {
namespace {

constexpr char kDeclaration[] = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";

// Collects small writes into pieces of about 1 MiB for the sink.
class Buffered {
 public:
  explicit Buffered(const Sink& sink) : sink_(sink) {}
  absl::Status Write(absl::string_view s) {
    buf_.append(s.data(), s.size());
    if (buf_.size() >= (1 << 20)) return Flush();
    return absl::OkStatus();
  }
  absl::Status Flush() {
    if (buf_.empty()) return absl::OkStatus();
    absl::Status s = sink_(buf_);
    buf_.clear();
    return s;
  }

 private:
  const Sink& sink_;
  std::string buf_;
};

std::string RootStart() {
  return absl::StrCat(kDeclaration, "<edXML xmlns=\"", kEdxmlNs, "\">\n");
}

// Appends the fragments kept under `parent` (checked) to `out`.
absl::Status WriteKept(const truc::v1::EdxmlExtras& x, absl::string_view parent,
                       Buffered* out) {
  for (const auto& f : x.unknown()) {
    if (f.parent() != parent) continue;
    TRUC_RETURN_IF_ERROR(
        CheckXmlFragment(f.xml(), absl::StrCat("a kept element of ", parent)));
    TRUC_RETURN_IF_ERROR(out->Write(f.xml()));
  }
  return absl::OkStatus();
}

absl::Status TextElement(absl::string_view name, const std::string& text,
                         absl::string_view where, Buffered* out) {
  TRUC_RETURN_IF_ERROR(CheckXmlText(text, absl::StrCat(where, "/", name)));
  return out->Write(
      absl::StrCat("<", name, ">", EscapeXml(text), "</", name, ">"));
}

// One attachment's bytes, base64-encoded as they are read; checked against
// its descriptor.
absl::Status WriteContent(const truc::v1::AttachmentDescriptor& d,
                          const std::string& path, Buffered* out) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return ErrnoStatus(errno, "open " + path);
  std::string buf(kBase64Piece, '\0');
  Sha256 sha;
  uint64_t size = 0;
  absl::Status status;
  while (status.ok()) {
    // Fill the piece fully (a multiple of 3) so that pieces join.
    size_t have = 0;
    while (have < buf.size()) {
      ssize_t n = ::read(fd, buf.data() + have, buf.size() - have);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        status = ErrnoStatus(errno, "read " + path);
        break;
      }
      if (n == 0) break;
      have += static_cast<size_t>(n);
    }
    if (!status.ok() || have == 0) break;
    absl::string_view piece(buf.data(), have);
    sha.Update(piece);
    size += have;
    status = out->Write(Base64Encode(piece));
    if (have < buf.size()) break;
  }
  ::close(fd);
  TRUC_RETURN_IF_ERROR(status);
  if (size != d.size() || sha.Finish() != d.sha256()) {
    return absl::FailedPreconditionError(
        absl::StrCat("attachment \"", d.name(), "\": ", path,
                     " does not hold the bytes its descriptor names (", size,
                     " bytes, ", d.size(), " expected, or another SHA-256)"));
  }
  return absl::OkStatus();
}

absl::Status WriteDocumentTo(const truc::v1::DocumentHeader& h,
                             const std::vector<std::string>& paths,
                             Buffered* out) {
  if (paths.size() != static_cast<size_t>(h.attachments_size())) {
    return absl::InvalidArgumentError(
        absl::StrCat("the document has ", h.attachments_size(),
                     " attachments but ", paths.size(), " files were given"));
  }
  TRUC_ASSIGN_OR_RETURN(XmlElement envelope, DocumentEnvelope(h));
  const auto& x = h.edxml();
  TRUC_RETURN_IF_ERROR(out->Write(RootStart()));
  TRUC_RETURN_IF_ERROR(out->Write(SerializeXml(envelope)));
  if (h.attachments_size() > 0) {
    TRUC_RETURN_IF_ERROR(out->Write("\n<AttachmentEncoded>"));
    for (int i = 0; i < h.attachments_size(); ++i) {
      const auto& a = h.attachments(i);
      const std::string where =
          absl::StrCat("AttachmentEncoded/Attachment[", i + 1, "]");
      TRUC_RETURN_IF_ERROR(out->Write("\n<Attachment>"));
      TRUC_RETURN_IF_ERROR(TextElement(
          "ContentId",
          a.content_id().empty() ? absl::StrCat("cid:", i + 1) : a.content_id(),
          where, out));
      TRUC_RETURN_IF_ERROR(TextElement("AttachmentName", a.name(), where, out));
      TRUC_RETURN_IF_ERROR(
          TextElement("Description", a.description(), where, out));
      TRUC_RETURN_IF_ERROR(TextElement("ContentType",
                                       a.content_type().empty()
                                           ? "application/octet-stream"
                                           : a.content_type(),
                                       where, out));
      TRUC_RETURN_IF_ERROR(out->Write(absl::StrCat(
          "<", kEdxmlPrefix, ":ContentTransferEncoded xmlns:", kEdxmlPrefix,
          "=\"", kEdxmlNs, "\">")));
      TRUC_RETURN_IF_ERROR(WriteContent(a, paths[i], out));
      TRUC_RETURN_IF_ERROR(out->Write(
          absl::StrCat("</", kEdxmlPrefix, ":ContentTransferEncoded>")));
      TRUC_RETURN_IF_ERROR(WriteKept(x, where, out));
      TRUC_RETURN_IF_ERROR(out->Write("</Attachment>"));
    }
    TRUC_RETURN_IF_ERROR(WriteKept(x, "AttachmentEncoded", out));
    TRUC_RETURN_IF_ERROR(out->Write("\n</AttachmentEncoded>"));
  }
  TRUC_RETURN_IF_ERROR(WriteKept(x, "edXML", out));
  TRUC_RETURN_IF_ERROR(out->Write("\n</edXML>\n"));
  return out->Flush();
}

absl::Status WriteStatusTo(const truc::v1::EdxmlStatusMessage& s,
                           Buffered* out) {
  TRUC_ASSIGN_OR_RETURN(XmlElement envelope, StatusEnvelope(s));
  TRUC_RETURN_IF_ERROR(out->Write(RootStart()));
  TRUC_RETURN_IF_ERROR(out->Write(SerializeXml(envelope)));
  TRUC_RETURN_IF_ERROR(WriteKept(s.edxml(), "edXML", out));
  TRUC_RETURN_IF_ERROR(out->Write("\n</edXML>\n"));
  return out->Flush();
}

template <typename Fn>
absl::Status ToFile(const std::string& out_path, Fn write) {
  TRUC_ASSIGN_OR_RETURN(DurableFileWriter file,
                        DurableFileWriter::Create(out_path, 0644));
  Sink sink = [&](absl::string_view s) { return file.Append(s); };
  Buffered out(sink);
  absl::Status s = write(&out);
  if (!s.ok()) {
    file.Abandon();
    return s;
  }
  return file.Commit();
}

}  // namespace

absl::Status WriteDocument(const truc::v1::DocumentHeader& header,
                           const std::vector<std::string>& attachment_paths,
                           const Sink& sink) {
  Buffered out(sink);
  return WriteDocumentTo(header, attachment_paths, &out);
}

absl::Status WriteStatus(const truc::v1::EdxmlStatusMessage& status,
                         const Sink& sink) {
  Buffered out(sink);
  return WriteStatusTo(status, &out);
}

absl::Status WriteDocumentFile(const truc::v1::DocumentHeader& header,
                               const std::vector<std::string>& attachment_paths,
                               const std::string& out_path) {
  return ToFile(out_path, [&](Buffered* out) {
    return WriteDocumentTo(header, attachment_paths, out);
  });
}

absl::Status WriteStatusFile(const truc::v1::EdxmlStatusMessage& status,
                             const std::string& out_path) {
  return ToFile(out_path,
                [&](Buffered* out) { return WriteStatusTo(status, out); });
}

absl::StatusOr<std::string> DocumentText(
    const truc::v1::DocumentHeader& header,
    const std::vector<std::string>& attachment_paths) {
  std::string text;
  Sink sink = [&](absl::string_view s) {
    text.append(s.data(), s.size());
    return absl::OkStatus();
  };
  TRUC_RETURN_IF_ERROR(WriteDocument(header, attachment_paths, sink));
  return text;
}

absl::StatusOr<std::string> StatusText(
    const truc::v1::EdxmlStatusMessage& status) {
  std::string text;
  Sink sink = [&](absl::string_view s) {
    text.append(s.data(), s.size());
    return absl::OkStatus();
  };
  TRUC_RETURN_IF_ERROR(WriteStatus(status, sink));
  return text;
}

}  // namespace truc::edxml
