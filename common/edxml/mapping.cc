#include "common/edxml/mapping.h"

#include <map>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/time.h"
#include "common/status_macros.h"
#include "common/time_util.h"

namespace truc::edxml {
namespace {

using truc::v1::DocumentHeader;
using truc::v1::EdxmlExtras;

constexpr int64_t kVietnamOffsetSeconds = 7 * 3600;

absl::Status Bad(absl::string_view path, absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat(path, ": ", what));
}

absl::Status Missing(absl::string_view path) {
  return absl::InvalidArgumentError(
      absl::StrCat("required element missing: ", path));
}

std::string Trim(absl::string_view s) {
  return std::string(absl::StripAsciiWhitespace(s));
}

std::string Indexed(absl::string_view name, size_t i) {
  return absl::StrCat(name, "[", i + 1, "]");
}

// --- Reading ---------------------------------------------------------------

// Reads one container: the children it knows are taken by name; every
// other child is kept verbatim under the container's path.
class Container {
 public:
  Container(const XmlElement* e, std::string path, EdxmlExtras* extras,
            std::set<std::string> known)
      : e_(e), path_(std::move(path)) {
    if (e_ == nullptr) return;
    for (const auto& c : e_->children) {
      if (c.ns == kEdxmlNs && known.count(c.name)) continue;
      auto* f = extras->add_unknown();
      f->set_parent(path_);
      f->set_xml(SerializeXml(c));
    }
  }

  bool present() const { return e_ != nullptr; }
  const XmlElement* element() const { return e_; }
  const std::string& path() const { return path_; }
  std::string Sub(absl::string_view name) const {
    return absl::StrCat(path_, "/", name);
  }

  const XmlElement* Child(absl::string_view name) const {
    return e_ == nullptr ? nullptr : e_->Child(name);
  }
  std::vector<const XmlElement*> Children(absl::string_view name) const {
    return e_ == nullptr ? std::vector<const XmlElement*>{}
                         : e_->Children(name);
  }
  // The text of a child as written; empty if absent.
  std::string Text(absl::string_view name) const {
    const XmlElement* c = Child(name);
    return c == nullptr ? "" : c->text;
  }
  // The text of a child without surrounding whitespace (codes, numbers).
  std::string Token(absl::string_view name) const { return Trim(Text(name)); }
  bool Has(absl::string_view name) const {
    const XmlElement* c = Child(name);
    return c != nullptr && !Trim(c->text).empty();
  }

  absl::StatusOr<int> Int(absl::string_view name) const {
    std::string t = Token(name);
    int v = 0;
    if (!absl::SimpleAtoi(t, &v)) {
      return Bad(Sub(name), absl::StrCat("\"", t, "\" is not a whole number"));
    }
    return v;
  }

  absl::StatusOr<truc::v1::Date> Date(absl::string_view name) const {
    std::string t = Token(name);
    truc::v1::Date d;
    int y, m, day;
    if (!ParseCalendarDate(t, &y, &m, &day)) {
      return Bad(Sub(name), absl::StrCat("\"", t,
                                         "\" is not a date (yyyy/MM/dd or "
                                         "dd/MM/yyyy)"));
    }
    d.set_year(y);
    d.set_month(m);
    d.set_day(day);
    return d;
  }

  absl::StatusOr<int64_t> Time(absl::string_view name) const {
    std::string t = Token(name);
    auto micros = ParseVietnamDateTime(t);
    if (!micros.ok()) {
      return Bad(Sub(name), absl::StrCat("\"", t,
                                         "\" is not a date and time "
                                         "(yyyy/MM/dd HH:mm:ss)"));
    }
    return *micros;
  }

 private:
  const XmlElement* e_;
  std::string path_;
};

absl::StatusOr<bool> BoolOf(const Container& c, absl::string_view name) {
  std::string t = absl::AsciiStrToLower(c.Token(name));
  if (t == "true" || t == "1") return true;
  if (t == "false" || t == "0") return false;
  return Bad(c.Sub(name), absl::StrCat("\"", t, "\" is not true or false"));
}

void ReadOrgan(const Container& c, truc::v1::Organ* o) {
  o->set_organ_id(c.Token("OrganId"));
  o->set_organization_in_charge(c.Text("OrganizationInCharge"));
  o->set_organ_name(c.Text("OrganName"));
  o->set_organ_address(c.Text("OrganAdd"));
  o->set_email(c.Text("Email"));
  o->set_telephone(c.Text("Telephone"));
  o->set_fax(c.Text("Fax"));
  o->set_website(c.Text("Website"));
}

const std::set<std::string> kOrganFields = {"OrganId",   "OrganizationInCharge",
                                            "OrganName", "OrganAdd",
                                            "Email",     "Telephone",
                                            "Fax",       "Website"};

void ReadStaff(const Container& c, truc::v1::StaffInfo* s) {
  s->set_department(c.Text("Department"));
  s->set_staff(c.Text("Staff"));
  s->set_mobile(c.Text("Mobile"));
  s->set_email(c.Text("Email"));
  s->set_department_id(c.Text("DepartmentId"));
  s->set_staff_id(c.Text("StaffId"));
}

const std::set<std::string> kStaffFields = {
    "Department", "Staff", "Mobile", "Email", "DepartmentId", "StaffId"};

absl::Status ReadResponseFor(const Container& c, truc::v1::ResponseFor* r) {
  r->set_organ_id(c.Token("OrganId"));
  r->set_code(c.Text("Code"));
  r->set_document_id(c.Token("DocumentId"));
  if (c.Has("PromulgationDate")) {
    TRUC_ASSIGN_OR_RETURN(*r->mutable_promulgation_date(),
                          c.Date("PromulgationDate"));
  }
  return absl::OkStatus();
}

const std::set<std::string> kResponseForFields = {
    "OrganId", "Code", "PromulgationDate", "DocumentId"};

// TraceHeaderList: trace headers and the Bussiness block.
absl::Status ReadTraceHeaderList(const XmlElement* list, DocumentHeader* h,
                                 std::vector<std::string>* warnings) {
  EdxmlExtras* x = h->mutable_edxml();
  Container c(list, "TraceHeaderList", x, {"TraceHeader", "Bussiness"});
  if (!c.present()) return absl::OkStatus();
  x->set_trace_list_id(list->Attribute("Id"));
  x->set_trace_list_version(list->Attribute("Version"));
  const auto traces = c.Children("TraceHeader");
  for (size_t i = 0; i < traces.size(); ++i) {
    Container t(traces[i], c.Sub(Indexed("TraceHeader", i)), x,
                {"OrganId", "Timestamp"});
    const std::string organ = t.Token("OrganId");
    if (organ.empty() || organ == "null") {
      warnings->push_back(absl::StrCat(t.path(), " has no OrganId",
                                       organ.empty() ? "" : " (\"null\")",
                                       "; it is dropped"));
      continue;
    }
    auto* out = x->add_trace_headers();
    out->set_organ_id(organ);
    if (t.Has("Timestamp")) {
      TRUC_ASSIGN_OR_RETURN(int64_t at, t.Time("Timestamp"));
      out->mutable_at()->set_unix_micros(at);
    }
  }
  const XmlElement* b = c.Child("Bussiness");
  if (b == nullptr) return absl::OkStatus();
  Container bc(b, c.Sub("Bussiness"), x,
               {"DocumentId", "BussinessDocType", "BussinessDocReason", "Paper",
                "StaffInfo", "BussinessDocumentInfo", "ReplacementInfoList"});
  truc::v1::Business* business = h->mutable_business();
  business->set_edxml_document_id(bc.Token("DocumentId"));
  if (bc.Has("BussinessDocType")) {
    TRUC_ASSIGN_OR_RETURN(int type, bc.Int("BussinessDocType"));
    if (type < 0 || type > 3) {
      return Bad(bc.Sub("BussinessDocType"),
                 absl::StrCat(type,
                              " is not 0 (new), 1 (revoke), 2 (update) or 3 "
                              "(replace)"));
    }
    business->set_type(static_cast<truc::v1::BusinessType>(type));
  }
  business->set_reason(bc.Text("BussinessDocReason"));
  if (bc.Has("Paper")) {
    TRUC_ASSIGN_OR_RETURN(int paper, bc.Int("Paper"));
    business->set_paper(paper);
  }
  if (const XmlElement* s = bc.Child("StaffInfo")) {
    ReadStaff(Container(s, bc.Sub("StaffInfo"), x, kStaffFields),
              business->mutable_staff());
  }
  if (const XmlElement* d = bc.Child("BussinessDocumentInfo")) {
    Container dc(d, bc.Sub("BussinessDocumentInfo"), x,
                 {"DocumentInfo", "DocumentReceiver", "ReceiverList"});
    auto* info = business->mutable_document_info();
    if (dc.Has("DocumentInfo")) {
      TRUC_ASSIGN_OR_RETURN(int v, dc.Int("DocumentInfo"));
      info->set_document_info(v);
    }
    if (dc.Has("DocumentReceiver")) {
      TRUC_ASSIGN_OR_RETURN(int v, dc.Int("DocumentReceiver"));
      info->set_document_receiver(v);
    }
    Container rl(dc.Child("ReceiverList"), dc.Sub("ReceiverList"), x,
                 {"Receiver"});
    const auto receivers = rl.Children("Receiver");
    for (size_t i = 0; i < receivers.size(); ++i) {
      Container r(receivers[i], rl.Sub(Indexed("Receiver", i)), x,
                  {"OrganId", "ReceiverType"});
      auto* out = info->add_receivers();
      out->set_organ_id(r.Token("OrganId"));
      if (r.Has("ReceiverType")) {
        TRUC_ASSIGN_OR_RETURN(int v, r.Int("ReceiverType"));
        out->set_receiver_type(v);
      }
    }
  }
  if (const XmlElement* l = bc.Child("ReplacementInfoList")) {
    Container lc(l, bc.Sub("ReplacementInfoList"), x, {"ReplacementInfo"});
    const auto infos = lc.Children("ReplacementInfo");
    for (size_t i = 0; i < infos.size(); ++i) {
      Container ic(infos[i], lc.Sub(Indexed("ReplacementInfo", i)), x,
                   {"DocumentId", "OrganIdList"});
      auto* out = business->add_replacements();
      out->set_edxml_document_id(ic.Token("DocumentId"));
      Container ol(ic.Child("OrganIdList"), ic.Sub("OrganIdList"), x,
                   {"OrganId"});
      for (const XmlElement* o : ol.Children("OrganId")) {
        out->add_organ_ids(Trim(o->text));
      }
    }
  }
  return absl::OkStatus();
}

// The edXMLHeader's MessageHeader, TraceHeaderList and Signature.
struct HeaderParts {
  const XmlElement* message_header = nullptr;
  const XmlElement* trace_list = nullptr;
};

absl::StatusOr<HeaderParts> SplitHeader(const ParsedEdxml& parsed,
                                        EdxmlExtras* x) {
  Container root(&parsed.root, "edXML", x,
                 {"edXMLEnvelope", "AttachmentEncoded"});
  const XmlElement* envelope = root.Child("edXMLEnvelope");
  if (envelope == nullptr) return Missing("edXML/edXMLEnvelope");
  Container env(envelope, "edXMLEnvelope", x, {"edXMLHeader", "edXMLBody"});
  const XmlElement* header = env.Child("edXMLHeader");
  if (header == nullptr) return Missing("edXML/edXMLEnvelope/edXMLHeader");
  HeaderParts parts;
  // The Signature may come in the edXML namespace (as the samples and the
  // public libraries write it), in XMLDSig's, or in none: kept verbatim.
  for (const auto& c : header->children) {
    if (c.name == "Signature") {
      x->set_signature_xml(SerializeXml(c));
    } else if (c.Is("MessageHeader")) {
      parts.message_header = &c;
    } else if (c.Is("TraceHeaderList")) {
      parts.trace_list = &c;
    } else {
      auto* f = x->add_unknown();
      f->set_parent("edXMLHeader");
      f->set_xml(SerializeXml(c));
    }
  }
  if (parts.message_header == nullptr) {
    return Missing("edXML/edXMLEnvelope/edXMLHeader/MessageHeader");
  }
  return parts;
}

// Manifest references and encoded attachments, joined by ContentId.
absl::Status ReadAttachments(const ParsedEdxml& parsed, EdxmlDocument* out) {
  EdxmlExtras* x = out->header.mutable_edxml();
  const XmlElement* envelope = parsed.root.Child("edXMLEnvelope");
  Container body(envelope->Child("edXMLBody"), "edXMLBody", x,
                 {"edXMLManifest"});
  Container manifest(body.Child("edXMLManifest"), "edXMLBody/edXMLManifest", x,
                     {"Reference"});
  std::map<std::string, size_t> encoded;  // ContentId -> index
  for (size_t i = 0; i < parsed.attachments.size(); ++i) {
    const auto& a = parsed.attachments[i];
    const std::string where =
        absl::StrCat("AttachmentEncoded/Attachment (line ", a.line, ")");
    if (a.content_id.empty()) return Missing(where + "/ContentId");
    if (!encoded.emplace(a.content_id, i).second) {
      return Bad(where, absl::StrCat("ContentId ", a.content_id,
                                     " is used by two attachments"));
    }
  }
  if (const XmlElement* enc = parsed.root.Child("AttachmentEncoded")) {
    Container ec(enc, "AttachmentEncoded", x, {"Attachment"});
    const auto atts = ec.Children("Attachment");
    for (size_t i = 0; i < atts.size(); ++i) {
      if (atts[i]->Child("ContentTransferEncoded") == nullptr) {
        return Missing(absl::StrCat(ec.Sub(Indexed("Attachment", i)),
                                    "/ContentTransferEncoded"));
      }
      Container(atts[i], ec.Sub(Indexed("Attachment", i)), x,
                {"ContentId", "AttachmentName", "Description", "ContentType",
                 "ContentTransferEncoded"});
    }
  }
  std::set<std::string> referenced;
  const auto refs = manifest.Children("Reference");
  for (size_t i = 0; i < refs.size(); ++i) {
    Container r(refs[i], manifest.Sub(Indexed("Reference", i)), x,
                {"ContentId", "ContentType", "Description", "AttachmentName"});
    const std::string cid = r.Token("ContentId");
    if (cid.empty()) return Missing(r.Sub("ContentId"));
    auto it = encoded.find(cid);
    if (it == encoded.end()) {
      return Bad(r.path(),
                 absl::StrCat("the manifest lists ", cid,
                              " but no AttachmentEncoded/Attachment carries "
                              "it"));
    }
    if (!referenced.insert(cid).second) {
      return Bad(r.path(),
                 absl::StrCat(cid, " is listed twice in the manifest"));
    }
    const EncodedAttachment& a = parsed.attachments[it->second];
    auto* d = out->header.add_attachments();
    d->set_content_id(cid);
    d->set_name(r.Has("AttachmentName") ? r.Text("AttachmentName") : a.name);
    d->set_content_type(r.Has("ContentType") ? r.Token("ContentType")
                                             : a.content_type);
    d->set_description(r.Child("Description") != nullptr ? r.Text("Description")
                                                         : a.description);
    d->set_size(a.size);
    d->set_sha256(a.sha256);
    out->attachments.push_back(a);
  }
  for (const auto& [cid, i] : encoded) {
    if (!referenced.count(cid)) {
      return Bad(absl::StrCat("AttachmentEncoded/Attachment (line ",
                              parsed.attachments[i].line, ")"),
                 absl::StrCat("attachment ", cid,
                              " is not in the manifest (edXMLBody/"
                              "edXMLManifest)"));
    }
  }
  return absl::OkStatus();
}

// --- Writing ---------------------------------------------------------------

XmlElement Element(absl::string_view name) {
  XmlElement e;
  e.ns = kEdxmlNs;
  e.prefix = kEdxmlPrefix;
  e.name = std::string(name);
  return e;
}

// Builds one container: its children in QCVN 102's order, checked, then the
// fragments kept under its path.
class Builder {
 public:
  Builder(absl::string_view name, std::string path, const EdxmlExtras* x)
      : e_(Element(name)), path_(std::move(path)), x_(x) {}

  const std::string& path() const { return path_; }
  std::string Sub(absl::string_view name) const {
    return absl::StrCat(path_, "/", name);
  }

  // A child with text, written only when the text is not empty.
  Builder& Text(absl::string_view name, const std::string& text) {
    if (text.empty()) return *this;
    return Always(name, text);
  }
  // A child with text, written even when empty.
  Builder& Always(absl::string_view name, const std::string& text) {
    if (!status_.ok()) return *this;
    status_ = CheckXmlText(text, Sub(name));
    XmlElement c = Element(name);
    c.text = text;
    e_.children.push_back(std::move(c));
    return *this;
  }
  Builder& Child(absl::StatusOr<XmlElement> c) {
    if (!status_.ok()) return *this;
    if (!c.ok()) {
      status_ = c.status();
      return *this;
    }
    e_.children.push_back(*std::move(c));
    return *this;
  }
  Builder& Attribute(absl::string_view name, const std::string& value) {
    if (value.empty() || !status_.ok()) return *this;
    status_ = CheckXmlText(value, Sub(absl::StrCat("@", name)));
    e_.attributes.push_back({"", "", std::string(name), value});
    return *this;
  }

  absl::StatusOr<XmlElement> Build() {
    if (!status_.ok()) return status_;
    for (const auto& f : x_->unknown()) {
      if (f.parent() != path_) continue;
      TRUC_RETURN_IF_ERROR(
          CheckXmlFragment(f.xml(), absl::StrCat("a kept element of ", path_)));
      XmlElement raw;
      raw.raw_xml = f.xml();
      e_.children.push_back(std::move(raw));
    }
    return std::move(e_);
  }

 private:
  XmlElement e_;
  std::string path_;
  const EdxmlExtras* x_;
  absl::Status status_;
};

std::string DateText(const truc::v1::Date& d) {
  return absl::StrFormat("%04d/%02d/%02d", d.year(), d.month(), d.day());
}

absl::StatusOr<XmlElement> OrganElement(absl::string_view name,
                                        const std::string& path,
                                        const truc::v1::Organ& o,
                                        const EdxmlExtras& x) {
  return Builder(name, path, &x)
      .Always("OrganId", o.organ_id())
      .Text("OrganizationInCharge", o.organization_in_charge())
      .Text("OrganName", o.organ_name())
      .Text("OrganAdd", o.organ_address())
      .Text("Email", o.email())
      .Text("Telephone", o.telephone())
      .Text("Fax", o.fax())
      .Text("Website", o.website())
      .Build();
}

absl::StatusOr<XmlElement> StaffElement(const std::string& path,
                                        const truc::v1::StaffInfo& s,
                                        const EdxmlExtras& x) {
  return Builder("StaffInfo", path, &x)
      .Text("Department", s.department())
      .Text("Staff", s.staff())
      .Text("Mobile", s.mobile())
      .Text("Email", s.email())
      .Text("DepartmentId", s.department_id())
      .Text("StaffId", s.staff_id())
      .Build();
}

absl::StatusOr<XmlElement> ResponseForElement(const std::string& path,
                                              const truc::v1::ResponseFor& r,
                                              const EdxmlExtras& x) {
  return Builder("ResponseFor", path, &x)
      .Text("OrganId", r.organ_id())
      .Text("Code", r.code())
      .Text("PromulgationDate",
            r.has_promulgation_date() ? DateText(r.promulgation_date()) : "")
      .Text("DocumentId", r.document_id())
      .Build();
}

// DueDate: a hỏa tốc hẹn giờ's deadline with its time, or a date.
std::string DueDateText(const DocumentHeader& h) {
  const int64_t deadline = h.express_deadline().unix_micros();
  if (h.edxml().due_date_has_time() && deadline > 0) {
    return FormatEdxmlTime(deadline);
  }
  if (h.urgency() == truc::v1::URGENCY_EXPRESS_TIMED && deadline > 0) {
    // A deadline at the end of the due date's day was read from a DueDate
    // without a time: write it back as it came.
    const std::string at = FormatEdxmlTime(deadline);
    if (!(h.has_due_date() && at == DateText(h.due_date()) + " 23:59:59")) {
      return at;
    }
  }
  return h.has_due_date() ? DateText(h.due_date()) : "";
}

absl::StatusOr<XmlElement> MessageHeaderOf(const DocumentHeader& h) {
  const EdxmlExtras& x = h.edxml();
  Builder b("MessageHeader", "MessageHeader", &x);
  b.Child(OrganElement("From", "MessageHeader/From", h.from(), x));
  for (int i = 0; i < h.to_size(); ++i) {
    b.Child(OrganElement("To", b.Sub(Indexed("To", i)), h.to(i), x));
  }
  b.Always("DocumentId", DocumentIdOf(h));
  b.Child(Builder("Code", b.Sub("Code"), &x)
              .Always("CodeNumber", h.code().code_number())
              .Always("CodeNotation", h.code().code_notation())
              .Build());
  b.Child(Builder("PromulgationInfo", b.Sub("PromulgationInfo"), &x)
              .Text("Place", h.promulgation().place())
              .Text("PromulgationDate",
                    h.promulgation().has_promulgation_date()
                        ? DateText(h.promulgation().promulgation_date())
                        : "")
              .Build());
  {
    Builder t("DocumentType", b.Sub("DocumentType"), &x);
    const auto& dt = h.document_type();
    if (dt.has_type()) t.Always("Type", absl::StrCat(dt.type()));
    if (dt.has_type_detail()) {
      t.Always("TypeDetail", absl::StrCat(dt.type_detail()));
    }
    t.Text("TypeName", dt.type_name());
    b.Child(t.Build());
  }
  b.Always("Subject", h.subject());
  b.Text("Content", h.content());
  b.Child(Builder("SignerInfo", b.Sub("SignerInfo"), &x)
              .Text("Competence", h.signer().competence())
              .Text("Position", h.signer().position())
              .Text("FullName", h.signer().full_name())
              .Build());
  b.Text("DueDate", DueDateText(h));
  {
    const auto& o = h.other_info();
    Builder ob("OtherInfo", b.Sub("OtherInfo"), &x);
    ob.Always("Priority", absl::StrCat(PriorityOf(h.urgency())));
    ob.Text("SphereOfPromulgation", o.sphere_of_promulgation());
    ob.Text("TyperNotation", o.typer_notation());
    if (o.has_promulgation_amount()) {
      ob.Always("PromulgationAmount", absl::StrCat(o.promulgation_amount()));
    }
    if (o.has_page_amount()) {
      ob.Always("PageAmount", absl::StrCat(o.page_amount()));
    }
    if (o.has_direction()) {
      ob.Always("Direction", o.direction() ? "true" : "false");
    }
    if (o.appendixes_size() > 0) {
      Builder ab("Appendixes", ob.Sub("Appendixes"), &x);
      for (const auto& a : o.appendixes()) ab.Always("Appendix", a);
      ob.Child(ab.Build());
    }
    b.Child(ob.Build());
  }
  for (int i = 0; i < h.response_for_size(); ++i) {
    b.Child(ResponseForElement(b.Sub(Indexed("ResponseFor", i)),
                               h.response_for(i), x));
  }
  if (h.has_steering_type()) {
    b.Always("SteeringType", absl::StrCat(h.steering_type()));
  }
  if (h.to_places_size() > 0) {
    Builder pb("ToPlaces", b.Sub("ToPlaces"), &x);
    for (const auto& p : h.to_places()) pb.Always("Place", p);
    b.Child(pb.Build());
  }
  b.Text("ApplicationType", x.application_type());
  if (!x.response_for_task().empty()) {
    b.Child(Builder("ResponseForTask", b.Sub("ResponseForTask"), &x)
                .Always("TaskCode", x.response_for_task())
                .Build());
  }
  return b.Build();
}

absl::StatusOr<XmlElement> TraceHeaderListOf(const DocumentHeader& h) {
  const EdxmlExtras& x = h.edxml();
  Builder b("TraceHeaderList", "TraceHeaderList", &x);
  b.Attribute("Id", x.trace_list_id());
  b.Attribute("Version", x.trace_list_version());
  for (int i = 0; i < x.trace_headers_size(); ++i) {
    const auto& t = x.trace_headers(i);
    Builder tb("TraceHeader", b.Sub(Indexed("TraceHeader", i)), &x);
    tb.Always("OrganId", t.organ_id());
    if (t.at().unix_micros() != 0) {
      tb.Always("Timestamp", FormatEdxmlTime(t.at().unix_micros()));
    }
    b.Child(tb.Build());
  }
  // Every document carries its business block; truc's own documents are
  // new unless they say otherwise.
  const truc::v1::Business& bs = h.business();
  Builder bb("Bussiness", b.Sub("Bussiness"), &x);
  bb.Text("DocumentId",
          h.has_business() ? bs.edxml_document_id() : DocumentIdOf(h));
  bb.Always("BussinessDocType", absl::StrCat(static_cast<int>(bs.type())));
  bb.Text("BussinessDocReason",
          h.has_business() ? bs.reason() : "Văn bản điện tử mới");
  if (!h.has_business() || bs.has_paper()) {
    bb.Always("Paper", absl::StrCat(bs.paper()));
  }
  if (bs.has_document_info()) {
    const auto& d = bs.document_info();
    Builder db("BussinessDocumentInfo", bb.Sub("BussinessDocumentInfo"), &x);
    db.Always("DocumentInfo", absl::StrCat(d.document_info()));
    db.Always("DocumentReceiver", absl::StrCat(d.document_receiver()));
    if (d.receivers_size() > 0) {
      Builder rl("ReceiverList", db.Sub("ReceiverList"), &x);
      for (int i = 0; i < d.receivers_size(); ++i) {
        rl.Child(Builder("Receiver", rl.Sub(Indexed("Receiver", i)), &x)
                     .Always("OrganId", d.receivers(i).organ_id())
                     .Always("ReceiverType",
                             absl::StrCat(d.receivers(i).receiver_type()))
                     .Build());
      }
      db.Child(rl.Build());
    }
    bb.Child(db.Build());
  }
  if (bs.replacements_size() > 0) {
    Builder lb("ReplacementInfoList", bb.Sub("ReplacementInfoList"), &x);
    for (int i = 0; i < bs.replacements_size(); ++i) {
      const auto& r = bs.replacements(i);
      Builder ib("ReplacementInfo", lb.Sub(Indexed("ReplacementInfo", i)), &x);
      ib.Always("DocumentId", r.edxml_document_id());
      Builder ol("OrganIdList", ib.Sub("OrganIdList"), &x);
      for (const auto& o : r.organ_ids()) ol.Always("OrganId", o);
      ib.Child(ol.Build());
      lb.Child(ib.Build());
    }
    bb.Child(lb.Build());
  }
  if (bs.has_staff()) {
    bb.Child(StaffElement(bb.Sub("StaffInfo"), bs.staff(), x));
  }
  b.Child(bb.Build());
  return b.Build();
}

absl::StatusOr<XmlElement> Envelope(absl::StatusOr<XmlElement> message_header,
                                    absl::StatusOr<XmlElement> trace_list,
                                    const EdxmlExtras& x,
                                    absl::StatusOr<XmlElement> body) {
  Builder hb("edXMLHeader", "edXMLHeader", &x);
  hb.Child(std::move(message_header));
  if (!trace_list.ok() || !trace_list->name.empty()) {
    hb.Child(std::move(trace_list));
  }
  if (!x.signature_xml().empty()) {
    TRUC_RETURN_IF_ERROR(
        CheckXmlFragment(x.signature_xml(), "the kept edXML Signature"));
    XmlElement raw;
    raw.raw_xml = x.signature_xml();
    hb.Child(std::move(raw));
  }
  Builder eb("edXMLEnvelope", "edXMLEnvelope", &x);
  eb.Child(hb.Build());
  if (!body.ok() || !body->name.empty()) eb.Child(std::move(body));
  return eb.Build();
}

}  // namespace

int PriorityOf(truc::v1::Urgency urgency) {
  switch (urgency) {
    case truc::v1::URGENCY_URGENT:
      return 1;
    case truc::v1::URGENCY_VERY_URGENT:
      return 2;
    case truc::v1::URGENCY_EXPRESS:
      return 3;
    case truc::v1::URGENCY_EXPRESS_TIMED:
      return 4;
    default:
      return 0;
  }
}

absl::StatusOr<truc::v1::Urgency> UrgencyOfPriority(int priority) {
  switch (priority) {
    case 0:
      return truc::v1::URGENCY_NORMAL;
    case 1:
      return truc::v1::URGENCY_URGENT;
    case 2:
      return truc::v1::URGENCY_VERY_URGENT;
    case 3:
      return truc::v1::URGENCY_EXPRESS;
    case 4:
      return truc::v1::URGENCY_EXPRESS_TIMED;
    default:
      return absl::InvalidArgumentError(absl::StrCat(
          "Priority ", priority,
          " is not an urgency: 0 Thường, 1 Khẩn, 2 Thượng khẩn, 3 Hỏa tốc, "
          "4 Hỏa tốc hẹn giờ"));
  }
}

std::string DocumentIdOf(const DocumentHeader& h) {
  if (!h.edxml_document_id().empty()) return h.edxml_document_id();
  const auto& d = h.promulgation().promulgation_date();
  return absl::StrFormat("%s,%04d/%02d/%02d,%s/%s", h.from().organ_id(),
                         d.year(), d.month(), d.day(), h.code().code_number(),
                         h.code().code_notation());
}

std::string FormatEdxmlTime(int64_t unix_micros) {
  return absl::FormatTime(
      "%Y/%m/%d %H:%M:%S", absl::FromUnixMicros(unix_micros),
      absl::FixedTimeZone(static_cast<int>(kVietnamOffsetSeconds)));
}

bool IsStatusMessage(const ParsedEdxml& parsed) {
  const XmlElement* env = parsed.root.Child("edXMLEnvelope");
  const XmlElement* header = env ? env->Child("edXMLHeader") : nullptr;
  const XmlElement* mh = header ? header->Child("MessageHeader") : nullptr;
  return mh != nullptr && mh->Child("StatusCode") != nullptr;
}

absl::StatusOr<EdxmlDocument> DocumentFromEdxml(ParsedEdxml parsed) {
  EdxmlDocument out;
  out.warnings = std::move(parsed.warnings);
  DocumentHeader& h = out.header;
  EdxmlExtras* x = h.mutable_edxml();
  TRUC_ASSIGN_OR_RETURN(HeaderParts parts, SplitHeader(parsed, x));
  Container m(parts.message_header, "MessageHeader", x,
              {"From", "To", "DocumentId", "Code", "PromulgationInfo",
               "DocumentType", "Subject", "Content", "SignerInfo", "DueDate",
               "OtherInfo", "ResponseFor", "SteeringType", "ToPlaces",
               "ApplicationType", "ResponseForTask"});
  const XmlElement* from = m.Child("From");
  if (from == nullptr) return Missing("MessageHeader/From");
  ReadOrgan(Container(from, "MessageHeader/From", x, kOrganFields),
            h.mutable_from());
  if (h.from().organ_id().empty()) return Missing("MessageHeader/From/OrganId");
  const auto to = m.Children("To");
  if (to.empty()) return Missing("MessageHeader/To");
  for (size_t i = 0; i < to.size(); ++i) {
    Container tc(to[i], m.Sub(Indexed("To", i)), x, kOrganFields);
    ReadOrgan(tc, h.add_to());
    if (h.to(i).organ_id().empty()) return Missing(tc.Sub("OrganId"));
  }
  h.set_edxml_document_id(m.Token("DocumentId"));
  {
    Container c(m.Child("Code"), m.Sub("Code"), x,
                {"CodeNumber", "CodeNotation"});
    h.mutable_code()->set_code_number(c.Token("CodeNumber"));
    h.mutable_code()->set_code_notation(c.Token("CodeNotation"));
  }
  {
    Container c(m.Child("PromulgationInfo"), m.Sub("PromulgationInfo"), x,
                {"Place", "PromulgationDate"});
    if (c.present()) {
      h.mutable_promulgation()->set_place(c.Text("Place"));
      if (c.Has("PromulgationDate")) {
        TRUC_ASSIGN_OR_RETURN(
            *h.mutable_promulgation()->mutable_promulgation_date(),
            c.Date("PromulgationDate"));
      }
    }
  }
  {
    Container c(m.Child("DocumentType"), m.Sub("DocumentType"), x,
                {"Type", "TypeDetail", "TypeName"});
    if (c.Has("Type")) {
      TRUC_ASSIGN_OR_RETURN(int v, c.Int("Type"));
      h.mutable_document_type()->set_type(v);
    }
    if (c.Has("TypeDetail")) {
      TRUC_ASSIGN_OR_RETURN(int v, c.Int("TypeDetail"));
      h.mutable_document_type()->set_type_detail(v);
    }
    if (c.present()) {
      h.mutable_document_type()->set_type_name(c.Text("TypeName"));
    }
  }
  h.set_subject(m.Text("Subject"));
  if (absl::StripAsciiWhitespace(h.subject()).empty()) {
    return Missing("MessageHeader/Subject");
  }
  h.set_content(m.Text("Content"));
  {
    Container c(m.Child("SignerInfo"), m.Sub("SignerInfo"), x,
                {"Competence", "Position", "FullName"});
    h.mutable_signer()->set_competence(c.Text("Competence"));
    h.mutable_signer()->set_position(c.Text("Position"));
    h.mutable_signer()->set_full_name(c.Text("FullName"));
  }
  {
    Container c(
        m.Child("OtherInfo"), m.Sub("OtherInfo"), x,
        {"Priority", "SphereOfPromulgation", "TyperNotation",
         "PromulgationAmount", "PageAmount", "Direction", "Appendixes"});
    if (!c.Has("Priority")) return Missing("MessageHeader/OtherInfo/Priority");
    TRUC_ASSIGN_OR_RETURN(int priority, c.Int("Priority"));
    auto urgency = UrgencyOfPriority(priority);
    if (!urgency.ok())
      return Bad(c.Sub("Priority"), urgency.status().message());
    h.set_urgency(*urgency);
    auto* o = h.mutable_other_info();
    o->set_sphere_of_promulgation(c.Text("SphereOfPromulgation"));
    o->set_typer_notation(c.Text("TyperNotation"));
    if (c.Has("PromulgationAmount")) {
      TRUC_ASSIGN_OR_RETURN(int v, c.Int("PromulgationAmount"));
      o->set_promulgation_amount(v);
    }
    if (c.Has("PageAmount")) {
      TRUC_ASSIGN_OR_RETURN(int v, c.Int("PageAmount"));
      o->set_page_amount(v);
    }
    if (c.Has("Direction")) {
      TRUC_ASSIGN_OR_RETURN(bool v, BoolOf(c, "Direction"));
      o->set_direction(v);
    }
    Container ac(c.Child("Appendixes"), c.Sub("Appendixes"), x, {"Appendix"});
    for (const XmlElement* a : ac.Children("Appendix")) {
      o->add_appendixes(a->text);
    }
  }
  // DueDate: a date, or a date and time (a hỏa tốc hẹn giờ's deadline).
  const std::string due = m.Token("DueDate");
  if (!due.empty()) {
    if (due.find(' ') != std::string::npos) {
      TRUC_ASSIGN_OR_RETURN(int64_t at, m.Time("DueDate"));
      h.mutable_express_deadline()->set_unix_micros(at);
      x->set_due_date_has_time(true);
      int y, mo, d;
      ParseCalendarDate(due.substr(0, due.find(' ')), &y, &mo, &d);
      h.mutable_due_date()->set_year(y);
      h.mutable_due_date()->set_month(mo);
      h.mutable_due_date()->set_day(d);
    } else {
      TRUC_ASSIGN_OR_RETURN(*h.mutable_due_date(), m.Date("DueDate"));
    }
  }
  if (h.urgency() == truc::v1::URGENCY_EXPRESS_TIMED &&
      h.express_deadline().unix_micros() == 0) {
    if (!h.has_due_date()) {
      return Bad("MessageHeader/DueDate",
                 "missing: Priority 4 (hỏa tốc hẹn giờ) needs the time it is "
                 "due by");
    }
    // A date alone: due by the end of that day, Vietnam's time.
    auto end =
        ParseVietnamDateTime(absl::StrCat(DateText(h.due_date()), " 23:59:59"));
    h.mutable_express_deadline()->set_unix_micros(*end);
  }
  const auto responses = m.Children("ResponseFor");
  for (size_t i = 0; i < responses.size(); ++i) {
    Container rc(responses[i], m.Sub(Indexed("ResponseFor", i)), x,
                 kResponseForFields);
    TRUC_RETURN_IF_ERROR(ReadResponseFor(rc, h.add_response_for()));
  }
  if (m.Has("SteeringType")) {
    TRUC_ASSIGN_OR_RETURN(int v, m.Int("SteeringType"));
    h.set_steering_type(v);
  }
  {
    Container c(m.Child("ToPlaces"), m.Sub("ToPlaces"), x, {"Place"});
    for (const XmlElement* p : c.Children("Place")) h.add_to_places(p->text);
  }
  x->set_application_type(m.Text("ApplicationType"));
  {
    Container c(m.Child("ResponseForTask"), m.Sub("ResponseForTask"), x,
                {"TaskCode"});
    x->set_response_for_task(c.Text("TaskCode"));
  }
  TRUC_RETURN_IF_ERROR(
      ReadTraceHeaderList(parts.trace_list, &h, &out.warnings));
  TRUC_RETURN_IF_ERROR(ReadAttachments(parsed, &out));
  return out;
}

absl::StatusOr<truc::v1::EdxmlStatusMessage> StatusFromEdxml(
    const ParsedEdxml& parsed) {
  truc::v1::EdxmlStatusMessage out;
  EdxmlExtras* x = out.mutable_edxml();
  TRUC_ASSIGN_OR_RETURN(HeaderParts parts, SplitHeader(parsed, x));
  Container m(parts.message_header, "MessageHeader", x,
              {"From", "ResponseFor", "StaffInfo", "StatusCode", "Description",
               "Timestamp"});
  const XmlElement* from = m.Child("From");
  if (from == nullptr) return Missing("MessageHeader/From");
  ReadOrgan(Container(from, "MessageHeader/From", x, kOrganFields),
            out.mutable_from());
  if (out.from().organ_id().empty()) {
    return Missing("MessageHeader/From/OrganId");
  }
  const XmlElement* rf = m.Child("ResponseFor");
  if (rf == nullptr) return Missing("MessageHeader/ResponseFor");
  TRUC_RETURN_IF_ERROR(ReadResponseFor(
      Container(rf, "MessageHeader/ResponseFor", x, kResponseForFields),
      out.mutable_response_for()));
  if (const XmlElement* s = m.Child("StaffInfo")) {
    ReadStaff(Container(s, "MessageHeader/StaffInfo", x, kStaffFields),
              out.mutable_staff());
  }
  if (!m.Has("StatusCode")) return Missing("MessageHeader/StatusCode");
  TRUC_ASSIGN_OR_RETURN(int code, m.Int("StatusCode"));
  static const std::set<int> kCodes = {1, 2, 3, 4, 5, 6, 13, 15, 16};
  if (!kCodes.count(code)) {
    return Bad("MessageHeader/StatusCode",
               absl::StrCat("\"", m.Token("StatusCode"),
                            "\" is not a status code (01 to 06, 13, 15, 16)"));
  }
  out.set_status(static_cast<truc::v1::EdxmlStatus>(code));
  out.set_description(m.Text("Description"));
  if (m.Has("Timestamp")) {
    TRUC_ASSIGN_OR_RETURN(int64_t at, m.Time("Timestamp"));
    out.mutable_timestamp()->set_unix_micros(at);
  }
  if (parts.trace_list != nullptr) {
    // A status rarely carries trace headers; keep them as they came.
    auto* f = x->add_unknown();
    f->set_parent("edXMLHeader");
    f->set_xml(SerializeXml(*parts.trace_list));
  }
  return out;
}

absl::StatusOr<XmlElement> DocumentEnvelope(const DocumentHeader& h) {
  const EdxmlExtras& x = h.edxml();
  Builder manifest("edXMLManifest", "edXMLBody/edXMLManifest", &x);
  manifest.Attribute("version", "1.0");
  for (int i = 0; i < h.attachments_size(); ++i) {
    const auto& a = h.attachments(i);
    manifest.Child(
        Builder("Reference", manifest.Sub(Indexed("Reference", i)), &x)
            .Always("ContentId", a.content_id().empty()
                                     ? absl::StrCat("cid:", i + 1)
                                     : a.content_id())
            .Always("ContentType", a.content_type().empty()
                                       ? "application/octet-stream"
                                       : a.content_type())
            .Always("Description", a.description())
            .Always("AttachmentName", a.name())
            .Build());
  }
  Builder body("edXMLBody", "edXMLBody", &x);
  body.Child(manifest.Build());
  return Envelope(MessageHeaderOf(h), TraceHeaderListOf(h), x, body.Build());
}

absl::StatusOr<XmlElement> StatusEnvelope(
    const truc::v1::EdxmlStatusMessage& s) {
  const EdxmlExtras& x = s.edxml();
  Builder b("MessageHeader", "MessageHeader", &x);
  b.Child(OrganElement("From", "MessageHeader/From", s.from(), x));
  b.Child(ResponseForElement("MessageHeader/ResponseFor", s.response_for(), x));
  if (s.has_staff()) {
    b.Child(StaffElement("MessageHeader/StaffInfo", s.staff(), x));
  }
  b.Always("StatusCode", absl::StrFormat("%02d", static_cast<int>(s.status())));
  b.Text("Description", s.description());
  if (s.timestamp().unix_micros() != 0) {
    b.Always("Timestamp", FormatEdxmlTime(s.timestamp().unix_micros()));
  }
  return Envelope(b.Build(), XmlElement{}, x, XmlElement{});
}

}  // namespace truc::edxml
