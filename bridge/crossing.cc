#include "bridge/crossing.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "common/crash_point.h"
#include "common/grpc_status.h"
#include "common/sha256.h"
#include "common/status_macros.h"

namespace truc::bridge {
namespace {

// The first `max` bytes of `text`, cut at a UTF-8 character boundary.
std::string Clip(absl::string_view text, size_t max) {
  if (text.size() <= max) return std::string(text);
  size_t n = max;
  while (n > 0 && (static_cast<unsigned char>(text[n]) & 0xC0) == 0x80) --n;
  return absl::StrCat(text.substr(0, n), "…");
}

std::string Recipients(const Outgoing& doc) {
  return absl::StrJoin(doc.recipients, ",");
}

}  // namespace

absl::StatusOr<size_t> Crossing::CarryDocuments(absl::Duration wait,
                                                size_t max) {
  TRUC_ASSIGN_OR_RETURN(std::vector<Outgoing> docs, from_->Take(wait, max));
  size_t taken = 0;
  for (const Outgoing& doc : docs) {
    TRUC_RETURN_IF_ERROR(CarryDocument(doc));
    ++taken;
  }
  return taken;
}

absl::Status Crossing::CarryDocument(const Outgoing& doc) {
  absl::StatusOr<std::string> there =
      to_->BringIn(doc, [&](int index, const ChunkSink& sink) {
        return from_->Read(doc, index, sink);
      });
  if (!there.ok()) {
    if (!IsFinalRefusal(there.status())) return there.status();
    log_->Event("refused", {{"document", doc.document_id},
                            {"from", from_->name()},
                            {"to", to_->name()},
                            {"recipients", Recipients(doc)},
                            {"reason", std::string(there.status().message())}});
    return AnswerRefusal(doc, there.status());
  }
  CrashPoint("after_bring_in");
  TRUC_RETURN_IF_ERROR(from_->Crossed(doc));
  log_->Event("crossed", {{"document", doc.document_id},
                          {"from", from_->name()},
                          {"to", to_->name()},
                          {"document_there", *there},
                          {"recipients", Recipients(doc)},
                          {"attempt", absl::StrCat(doc.attempt)}});
  return absl::OkStatus();
}

absl::Status Crossing::AnswerRefusal(const Outgoing& doc,
                                     const absl::Status& why) {
  const std::string digest = Sha256::Of(doc.envelope.header());
  for (const std::string& r : doc.recipients) {
    truc::v1::BridgeStatus s;
    s.set_origin_document_id(doc.document_id);
    s.set_recipient(r);
    s.set_status(truc::v1::EDXML_STATUS_REFUSED);
    s.set_description(Clip(
        absl::StrCat("not carried beyond ", to_->name(), ": ", why.message()),
        900));
    s.set_header_sha256(digest);
    TRUC_RETURN_IF_ERROR(from_->RecordStatus(s));
  }
  return absl::OkStatus();
}

absl::StatusOr<size_t> Crossing::CarryStatuses(size_t max,
                                               absl::Duration wait) {
  TRUC_ASSIGN_OR_RETURN(std::vector<truc::v1::BridgeStatus> statuses,
                        from_->StatusesToCarry(max, wait));
  if (statuses.empty()) return 0;
  std::vector<absl::Status> answers = to_->RecordStatuses(statuses);
  if (answers.size() != statuses.size()) {
    return absl::InternalError(absl::StrCat(to_->name(), " answered ",
                                            answers.size(), " of ",
                                            statuses.size(), " statuses"));
  }
  // Those answered before the first answer that may pass.
  size_t carried = 0;
  while (carried < answers.size() &&
         (answers[carried].ok() || IsFinalRefusal(answers[carried]))) {
    ++carried;
  }
  if (carried > 0) CrashPoint("after_record_status");
  for (size_t i = 0; i < carried; ++i) {
    const truc::v1::BridgeStatus& s = statuses[i];
    // Status 0: where the document waits, not a status.
    const std::string code =
        s.status() == truc::v1::EDXML_STATUS_UNSPECIFIED
            ? std::string("location")
            : absl::StrFormat("%02d", static_cast<int>(s.status()));
    if (!answers[i].ok()) {
      log_->Event("status_refused",
                  {{"document", s.document_id()},
                   {"document_there", s.origin_document_id()},
                   {"recipient", s.recipient()},
                   {"status", code},
                   {"to", to_->name()},
                   {"reason", std::string(answers[i].message())}});
    } else {
      log_->Event("status_crossed", {{"document", s.document_id()},
                                     {"document_there", s.origin_document_id()},
                                     {"recipient", s.recipient()},
                                     {"status", code},
                                     {"to", to_->name()}});
    }
  }
  statuses.resize(carried);
  TRUC_RETURN_IF_ERROR(from_->StatusesCarried(statuses));
  if (carried < answers.size()) return answers[carried];
  return carried;
}

absl::StatusOr<size_t> Crossing::CarryDirectory(const std::string& own_bridge) {
  constexpr size_t kPage = 1000;
  TRUC_ASSIGN_OR_RETURN(truc::v1::SyncDirectoryResponse reached,
                        to_->MirrorDirectory({}, 0));
  uint64_t version = reached.upstream_version();
  size_t mirrored = 0;
  while (true) {
    TRUC_ASSIGN_OR_RETURN(truc::v1::BridgeDirectoryResponse page,
                          from_->DirectoryAfter(version, kPage));
    if (page.version() <= version && page.agencies().empty()) break;
    std::vector<truc::v1::Agency> beyond;
    for (const auto& a : page.agencies()) {
      if (own_bridge.empty() || a.bridge() != own_bridge) beyond.push_back(a);
    }
    TRUC_ASSIGN_OR_RETURN(truc::v1::SyncDirectoryResponse synced,
                          to_->MirrorDirectory(beyond, page.version()));
    mirrored += synced.added() + synced.changed();
    if (synced.added() + synced.changed() > 0) {
      log_->Event("directory_mirrored",
                  {{"from", from_->name()},
                   {"to", to_->name()},
                   {"added", absl::StrCat(synced.added())},
                   {"changed", absl::StrCat(synced.changed())},
                   {"version", absl::StrCat(page.version())}});
    }
    for (const auto& code : synced.conflicts()) {
      log_->Event("directory_conflict",
                  {{"agency", code},
                   {"to", to_->name()},
                   {"reason",
                    "local there, or reached through another bridge: left "
                    "as it is"}});
    }
    version = page.version();
    if (!page.more()) break;
  }
  return mirrored;
}

}  // namespace truc::bridge
