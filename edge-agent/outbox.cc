#include "edge-agent/outbox.h"

#include <grpcpp/client_context.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <filesystem>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/armor.h"
#include "common/attachment_name.h"
#include "common/file_util.h"
#include "common/grpc_status.h"
#include "common/sha256.h"
#include "common/status_macros.h"
#include "common/text_proto.h"
#include "common/time_util.h"
#include "edge-agent/names.h"

namespace truc::agent {
namespace {

// Modification times further ahead than this are not taken as a sign that
// a folder is being written (see OutboxSender::Options::settle_time).
constexpr absl::Duration kMaxFutureMtime = absl::Minutes(5);

absl::Time MtimeOf(const struct stat& st) {
  return absl::TimeFromTimespec(st.st_mtim);
}

// What SendDocument answers when an attachment changed under it
// (common/exchange_client.cc).
constexpr absl::string_view kChangedWhileSent =
    "changed while it was being sent";

// The deadline of one send: a safety net against a stalled stream, generous
// for slow uplinks (an upload does not resume; a retry starts over): one
// hour plus 1 s per 64 KiB to send.
std::chrono::system_clock::time_point SendDeadline(
    const truc::v1::DocumentHeader& header) {
  uint64_t bytes = 0;
  for (const auto& a : header.attachments()) bytes += a.size();
  return std::chrono::system_clock::now() + std::chrono::hours(1) +
         std::chrono::seconds(bytes >> 16);
}

}  // namespace

bool IsTransient(absl::StatusCode code) {
  // The call broke off, or the hub's answer to every call of a suspended
  // agency (or of a certificate it does not accept): about the agency, not
  // the document.
  return OutcomeMayBeUnknown(code) ||
         code == absl::StatusCode::kPermissionDenied ||
         code == absl::StatusCode::kUnauthenticated;
}

bool IsTransientSendFailure(const absl::Status& status) {
  if (IsTransient(status.code())) return true;
  // SendDocument's own check, made before it ends the upload: the hub has
  // not stored anything, and the folder is still being written.
  return status.code() == absl::StatusCode::kFailedPrecondition &&
         absl::StrContains(status.message(), kChangedWhileSent);
}

absl::StatusOr<OutboxDocument> ReadOutboxFolder(const std::string& dir,
                                                const std::string& agency) {
  OutboxDocument doc;
  const std::string envelope = JoinPath(dir, kEnvelopeFile);
  TRUC_RETURN_IF_ERROR(LoadTextProtoFile(envelope, &doc.header));
  if (!doc.header.from().organ_id().empty() &&
      doc.header.from().organ_id() != agency) {
    return absl::InvalidArgumentError(absl::StrCat(
        envelope, ": from.organ_id \"", doc.header.from().organ_id(),
        "\" is not this agent's agency ", agency,
        " (leave it out: the agent fills it from its certificate)"));
  }
  std::set<std::string> seen;
  for (int i = 0; i < doc.header.attachments_size(); ++i) {
    const truc::v1::AttachmentDescriptor& a = doc.header.attachments(i);
    absl::Status name_ok = truc::ValidateAttachmentName(a.name());
    if (!name_ok.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(
          envelope, ": attachment ", i + 1, ": ", name_ok.message()));
    }
    if (IsReservedOutboxName(a.name())) {
      return absl::InvalidArgumentError(absl::StrCat(
          envelope, ": attachment ", i + 1, ": the name \"", a.name(),
          "\" is reserved for the agent's own files; rename the file"));
    }
    if (!seen.insert(a.name()).second) {
      return absl::InvalidArgumentError(absl::StrCat(
          envelope, ": attachment \"", a.name(), "\" is listed twice"));
    }
    const std::string path = JoinPath(dir, a.name());
    struct stat st;
    if (::lstat(path.c_str(), &st) != 0) {
      if (errno != ENOENT) {
        return ErrnoStatus(errno, absl::StrCat("attachment ", path));
      }
      return absl::InvalidArgumentError(
          absl::StrCat(envelope, ": attachment \"", a.name(),
                       "\" is listed but there is no such file in ", dir));
    }
    if (S_ISLNK(st.st_mode)) {
      return absl::InvalidArgumentError(
          absl::StrCat(envelope, ": attachment \"", a.name(),
                       "\" is a symbolic link; copy the file into the folder"));
    }
    if (!S_ISREG(st.st_mode)) {
      return absl::InvalidArgumentError(absl::StrCat(
          envelope, ": attachment \"", a.name(), "\" is not a regular file",
          S_ISDIR(st.st_mode) ? " but a folder" : "",
          "; put the file itself into the folder"));
    }
    doc.files.push_back(
        AttachmentFile{path, a.name(), a.content_type(), a.description()});
  }
  // Keep what the writer declared, to check it against the files.
  const truc::v1::DocumentHeader declared = doc.header;
  absl::Status completed = CompleteHeader(agency, doc.files, &doc.header);
  if (!completed.ok()) {
    return absl::Status(completed.code(),
                        absl::StrCat(dir, ": ", completed.message()));
  }
  for (int i = 0; i < declared.attachments_size(); ++i) {
    const auto& want = declared.attachments(i);
    // An edXML document's ContentId travels with its descriptor.
    doc.header.mutable_attachments(i)->set_content_id(want.content_id());
    const auto& got = doc.header.attachments(i);
    if (want.size() != 0 && want.size() != got.size()) {
      return absl::InvalidArgumentError(absl::StrCat(
          envelope, ": attachment \"", want.name(), "\" declares size ",
          want.size(), " but the file has ", got.size(), " bytes"));
    }
    if (!want.sha256().empty() && want.sha256() != got.sha256()) {
      return absl::InvalidArgumentError(
          absl::StrCat(envelope, ": attachment \"", want.name(),
                       "\" declares a SHA-256 that does not match the file (",
                       HexEncode(got.sha256()), ")"));
    }
  }
  return doc;
}

OutboxSender::OutboxSender(AgentFolders folders, std::string agency,
                           truc::v1::Exchange::StubInterface* stub,
                           EventLog* log, Options options, const Signer* signer,
                           StopSignal* stop)
    : folders_(std::move(folders)),
      agency_(std::move(agency)),
      stub_(stub),
      signer_(signer),
      log_(log),
      options_(options),
      stop_(stop) {}

absl::StatusOr<std::string> OutboxSender::LoadOrCreateKey(
    const std::string& name) {
  const std::string path =
      JoinPath(JoinPath(folders_.outbox, name), kIdempotencyKeyFile);
  absl::StatusOr<std::string> existing = ReadFile(path, 4096);
  if (existing.ok()) {
    std::string key(absl::StripAsciiWhitespace(*existing));
    if (!key.empty() && key.size() <= 128) return key;
  } else if (existing.status().code() != absl::StatusCode::kNotFound) {
    return existing.status();
  }
  std::string key = NewIdempotencyKey();
  TRUC_RETURN_IF_ERROR(WriteFileDurably(path, absl::StrCat(key, "\n"), 0600));
  return key;
}

absl::StatusOr<bool> OutboxSender::Settled(const std::string& name) {
  if (options_.settle_time <= absl::ZeroDuration()) return true;
  const std::string dir = JoinPath(folders_.outbox, name);
  struct stat st;
  if (::lstat(dir.c_str(), &st) != 0) {
    return ErrnoStatus(errno, absl::StrCat("stat ", dir));
  }
  const absl::Time now = absl::Now();
  auto recent = [&](absl::Time mtime) {
    return mtime > now - options_.settle_time && mtime < now + kMaxFutureMtime;
  };
  if (recent(MtimeOf(st))) return false;
  std::error_code ec;
  for (std::filesystem::directory_iterator it(dir, ec), end; !ec && it != end;
       it.increment(ec)) {
    // The agent's own write of the key says nothing about the clerk's.
    if (it->path().filename().string() == kIdempotencyKeyFile) continue;
    // Gone meanwhile: the folder changed.
    if (::lstat(it->path().c_str(), &st) != 0) return false;
    if (recent(MtimeOf(st))) return false;
  }
  if (ec) {
    return absl::InternalError(absl::StrCat("list ", dir, ": ", ec.message()));
  }
  return true;
}

OutboxSender::Outcome OutboxSender::MoveToFailed(const std::string& name,
                                                 const std::string& message) {
  const std::string dir = JoinPath(folders_.outbox, name);
  absl::Status s =
      WriteFileDurably(JoinPath(dir, kErrorFile), absl::StrCat(message, "\n"));
  std::string dest = JoinPath(folders_.failed, name);
  for (int n = 2; s.ok() && PathExists(dest); ++n) {
    dest = JoinPath(folders_.failed, absl::StrCat(name, ".", n));
  }
  if (s.ok()) s = RenameDurably(dir, dest);
  if (!s.ok()) {
    log_->Event("move_failed", {{"folder", name},
                                {"to", folders_.failed},
                                {"error", std::string(s.message())}});
    return Outcome::kRetry;
  }
  log_->Event("send_refused",
              {{"folder", name}, {"moved_to", dest}, {"error", message}});
  return Outcome::kFailed;
}

OutboxSender::Outcome OutboxSender::MoveToSent(
    const std::string& name, const truc::v1::SendResponse& response) {
  const std::string dir = JoinPath(folders_.outbox, name);
  const std::string& id = response.document_id();
  if (!ValidateDocumentId(id).ok()) {
    return MoveToFailed(
        name, absl::StrCat("the hub accepted the document but answered with "
                           "an unusable document id \"",
                           id, "\"; see the hub's operators"));
  }
  const std::string dest = JoinPath(folders_.sent, id);
  if (PathExists(dest)) {
    // The folder carries the key of a document already sent: a copy of a
    // sent/ folder put back into the outbox. The hub answered with that
    // document.
    return MoveToFailed(
        name, absl::StrCat("the hub answered that this folder was already sent "
                           "as document ",
                           id, " (", dest,
                           " exists; the folder carries its idempotency key "
                           "in ",
                           kIdempotencyKeyFile,
                           "), so it was not sent again; to send it as a new "
                           "document, delete ",
                           kIdempotencyKeyFile, " and ", kReceiptFile,
                           " from it and move it into the outbox again"));
  }
  // What the hub answered, readable, and its signed receipt as evidence
  // (`truc receipt verify acceptance.receipt`).
  truc::v1::SendResponse readable = response;
  readable.clear_receipt();
  absl::Status s = WriteFileDurably(
      JoinPath(dir, kReceiptFile),
      absl::StrCat("# sent by truc-agent of ", agency_, ", accepted at ",
                   FormatVietnamTime(response.accepted_at().unix_micros()),
                   " (Vietnam time); the hub's signed receipt is in ",
                   kAcceptanceReceiptFile, "\n", ToTextProto(readable)));
  if (s.ok() && response.has_receipt()) {
    s = WriteFileDurably(
        JoinPath(dir, kAcceptanceReceiptFile),
        Armor(kReceiptLabel, response.receipt().SerializeAsString()));
  }
  if (s.ok()) s = RenameDurably(dir, dest);
  if (!s.ok()) {
    log_->Event(
        "move_failed",
        {{"folder", name}, {"to", dest}, {"error", std::string(s.message())}});
    return Outcome::kRetry;
  }
  log_->Event("sent", {{"folder", name},
                       {"document", id},
                       {"duplicate", response.duplicate() ? "true" : "false"},
                       {"moved_to", dest}});
  return Outcome::kSent;
}

OutboxSender::Outcome OutboxSender::SendFolder(const std::string& name) {
  const std::string dir = JoinPath(folders_.outbox, name);
  if (!PathExists(JoinPath(dir, kEnvelopeFile))) {
    retries_.erase(name);
    return Outcome::kNotReady;
  }
  auto retry = [&](const absl::Status& why) {
    RetrySchedule& r =
        retries_.try_emplace(name, options_.retry_initial, options_.retry_max)
            .first->second;
    absl::Duration delay = r.backoff.Next();
    r.next_attempt = absl::Now() + delay;
    if (stop_ == nullptr || !stop_->stopped()) {
      log_->Event(
          "send_retry",
          {{"folder", name},
           {"code", absl::StatusCodeToString(why.code())},
           {"error", std::string(why.message())},
           {"retry_in_ms", absl::StrCat(absl::ToInt64Milliseconds(delay))}});
    }
    return Outcome::kRetry;
  };
  auto done = [&](Outcome o) {
    if (o == Outcome::kRetry) {
      return retry(absl::UnavailableError("could not move the folder"));
    }
    retries_.erase(name);
    return o;
  };

  absl::StatusOr<bool> settled = Settled(name);
  if (!settled.ok()) {
    if (!PathExists(dir)) {  // taken away meanwhile
      retries_.erase(name);
      return Outcome::kNotReady;
    }
    return retry(settled.status());
  }
  // Still being written: left alone, silently, its back-off kept.
  if (!*settled) return Outcome::kNotReady;

  absl::StatusOr<OutboxDocument> doc = ReadOutboxFolder(dir, agency_);
  if (!doc.ok()) {
    if (!PathExists(dir)) {  // taken away while we read it
      retries_.erase(name);
      return Outcome::kNotReady;
    }
    // Here PERMISSION_DENIED is local (a file the agent may not read): a
    // problem of the folder, for the clerk to fix, as before.
    if (IsTransient(doc.status().code()) &&
        doc.status().code() != absl::StatusCode::kPermissionDenied) {
      return retry(doc.status());
    }
    return done(MoveToFailed(name, std::string(doc.status().message())));
  }
  absl::StatusOr<std::string> key = LoadOrCreateKey(name);
  if (!key.ok()) return retry(key.status());
  log_->Event("sending", {{"folder", name},
                          {"attachments", absl::StrCat(doc->files.size())}});
  grpc::ClientContext ctx;
  ctx.set_deadline(SendDeadline(doc->header));
  // Under Run's scope, Stop() cancels the upload.
  CancelOnStop cancel_on_stop(&ctx);
  // Given a context, SendDocument does not use its timeout argument.
  absl::StatusOr<truc::v1::SendResponse> response =
      SendDocument(stub_, *signer_, doc->header, doc->files, *key,
                   std::chrono::seconds(3600), &ctx);
  if (response.ok()) return done(MoveToSent(name, *response));
  if (IsTransientSendFailure(response.status())) {
    return retry(response.status());
  }
  return done(MoveToFailed(
      name, absl::StrCat("the hub refused the document (",
                         absl::StatusCodeToString(response.status().code()),
                         "): ", response.status().message())));
}

void OutboxSender::ScanOnce(absl::Time now) {
  // edXML files first: a document among them becomes a folder, sent below.
  if (edxml_ != nullptr) edxml_->ScanOnce(now);
  std::vector<std::string> names =
      ListVisible(folders_.outbox, [](const auto& entry) {
        std::error_code ec;
        return entry.is_directory(ec);
      });
  // Forget the back-off of folders that left the outbox.
  std::set<std::string> present(names.begin(), names.end());
  for (auto it = retries_.begin(); it != retries_.end();) {
    it = present.count(it->first) ? std::next(it) : retries_.erase(it);
  }
  for (const std::string& name : names) {
    if (stop_ != nullptr && stop_->stopped()) return;
    auto it = retries_.find(name);
    if (it != retries_.end() && now < it->second.next_attempt) continue;
    (void)SendFolder(name);
  }
}

void OutboxSender::Run(absl::Duration interval) {
  CallCancellationScope scope(stop_);
  while (stop_ == nullptr || !stop_->stopped()) {
    ScanOnce(absl::Now());
    if (stop_ != nullptr) {
      stop_->WaitFor(interval);
    } else {
      absl::SleepFor(interval);
    }
  }
}

}  // namespace truc::agent
