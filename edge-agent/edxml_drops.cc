#include "edge-agent/edxml_drops.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/edxml/import.h"
#include "common/edxml/mapping.h"
#include "common/edxml/reader.h"
#include "common/file_util.h"
#include "common/sha256.h"
#include "common/status_macros.h"
#include "common/text_proto.h"
#include "edge-agent/names.h"
#include "edge-agent/outbox.h"
#include "edge-agent/status_report.h"

namespace truc::agent {
namespace {

constexpr absl::string_view kSuffix = ".edxml";
constexpr absl::string_view kAdopting = ".adopting";
constexpr absl::string_view kPartsDir = ".parts";

std::string NoteName(const std::string& edxml_id) {
  return HexEncode(Sha256::Of(edxml_id)).substr(0, 32);
}

// The files in `dir` ending in .edxml, not starting with '.', sorted.
std::vector<std::string> ListEdxmlFiles(const std::string& dir) {
  return ListVisible(dir, [](const std::filesystem::directory_entry& entry) {
    const std::string name = entry.path().filename().string();
    std::error_code ec;
    return absl::EndsWith(name, kSuffix) && name.size() > kSuffix.size() &&
           entry.is_regular_file(ec);
  });
}

// Hidden adoption folders left by a crash: outbox/.<name>.adopting.
std::vector<std::string> ListAdoptions(const std::string& dir) {
  std::vector<std::string> names;
  std::error_code ec;
  for (std::filesystem::directory_iterator it(dir, ec), end; !ec && it != end;
       it.increment(ec)) {
    std::string name = it->path().filename().string();
    if (name.size() > 1 + kAdopting.size() && name.front() == '.' &&
        absl::EndsWith(name, kAdopting)) {
      names.push_back(name.substr(1, name.size() - 1 - kAdopting.size()));
    }
  }
  return names;
}

absl::Status Link(const std::string& from, const std::string& to) {
  if (::link(from.c_str(), to.c_str()) == 0) return absl::OkStatus();
  return ErrnoStatus(errno, absl::StrCat("link ", from, " to ", to));
}

absl::Status Fsync(const std::string& path) {
  TRUC_ASSIGN_OR_RETURN(AppendFile f, AppendFile::Open(path));
  return f.Sync();
}

}  // namespace

absl::Status WriteEdxmlIdNote(const AgentFolders& folders,
                              const std::string& edxml_id,
                              const std::string& document_id) {
  if (edxml_id.empty()) return absl::OkStatus();
  const std::string path = JoinPath(folders.edxml_ids(), NoteName(edxml_id));
  TRUC_RETURN_IF_ERROR(RemoveAll(path));
  TRUC_ASSIGN_OR_RETURN(AppendFile f, AppendFile::Open(path, 0644));
  return f.Append(absl::StrCat(document_id, "\n"));
}

absl::StatusOr<std::string> FindByEdxmlId(const AgentFolders& folders,
                                          const std::string& edxml_id) {
  // The hub's own document id, given instead.
  if (ValidateDocumentId(edxml_id).ok() &&
      PathExists(JoinPath(folders.received(), edxml_id))) {
    return edxml_id;
  }
  auto noted =
      ReadFile(JoinPath(folders.edxml_ids(), NoteName(edxml_id)), 4096);
  if (noted.ok()) {
    std::string id(absl::StripAsciiWhitespace(*noted));
    if (ValidateDocumentId(id).ok()) return id;
  }
  // Soft state lost: the headers of the documents still in the inbox.
  std::error_code ec;
  for (std::filesystem::directory_iterator it(folders.inbox, ec), end;
       !ec && it != end; it.increment(ec)) {
    auto bytes = ReadFile(JoinPath(it->path().string(), kHeaderFile));
    truc::v1::DocumentHeader header;
    if (!bytes.ok() || !header.ParseFromString(*bytes)) continue;
    if (edxml::DocumentIdOf(header) == edxml_id) {
      return it->path().filename().string();
    }
  }
  return absl::NotFoundError(absl::StrCat(
      "this agent received no document with the edXML DocumentId \"", edxml_id,
      "\""));
}

EdxmlDrops::EdxmlDrops(AgentFolders folders, std::string agency,
                       truc::v1::Exchange::StubInterface* stub,
                       const AgentKeys* keys, EventLog* log, Options options)
    : folders_(std::move(folders)),
      agency_(std::move(agency)),
      stub_(stub),
      keys_(keys),
      log_(log),
      options_(options) {}

absl::StatusOr<bool> EdxmlDrops::Settled(const std::string& path) const {
  if (options_.settle_time <= absl::ZeroDuration()) return true;
  struct stat st;
  if (::lstat(path.c_str(), &st) != 0) {
    return ErrnoStatus(errno, absl::StrCat("stat ", path));
  }
  const absl::Time mtime = absl::TimeFromTimespec(st.st_mtim);
  const absl::Time now = absl::Now();
  return !(mtime > now - options_.settle_time &&
           mtime < now + absl::Minutes(5));
}

EdxmlDrops::Outcome EdxmlDrops::Retry(const std::string& name,
                                      const absl::Status& why) {
  RetrySchedule& r =
      retries_.try_emplace(name, options_.retry_initial, options_.retry_max)
          .first->second;
  absl::Duration delay = r.backoff.Next();
  r.next_attempt = absl::Now() + delay;
  log_->Event(
      "edxml_retry",
      {{"file", name},
       {"code", absl::StatusCodeToString(why.code())},
       {"error", std::string(why.message())},
       {"retry_in_ms", absl::StrCat(absl::ToInt64Milliseconds(delay))}});
  return Outcome::kRetry;
}

EdxmlDrops::Outcome EdxmlDrops::Fail(const std::string& name,
                                     const std::string& message) {
  // failed/<name>/ holds the file and error.txt.
  std::string dest = JoinPath(folders_.failed, name);
  for (int n = 2; PathExists(dest); ++n) {
    dest = JoinPath(folders_.failed, absl::StrCat(name, ".", n));
  }
  const std::string tmp =
      JoinPath(folders_.failed, absl::StrCat(".", name, ".moving"));
  const std::string path = JoinPath(folders_.outbox, name);
  absl::Status s = RemoveAll(tmp);
  if (s.ok()) s = MakeDirectories(tmp);
  if (s.ok()) s = Link(path, JoinPath(tmp, name));
  if (s.ok()) {
    s = WriteFileDurably(JoinPath(tmp, kErrorFile),
                         absl::StrCat(message, "\n"));
  }
  if (s.ok()) s = SyncDirectory(tmp);
  if (s.ok()) s = RenameDurably(tmp, dest);
  if (s.ok() && ::unlink(path.c_str()) != 0) {
    s = ErrnoStatus(errno, "remove " + path);
  }
  if (s.ok()) s = SyncDirectory(folders_.outbox);
  if (!s.ok()) return Retry(name, s);
  retries_.erase(name);
  log_->Event("edxml_refused",
              {{"file", name}, {"moved_to", dest}, {"error", message}});
  return Outcome::kFailed;
}

absl::StatusOr<std::string> EdxmlDrops::FinishAdoption(
    const std::string& name) {
  const std::string adopting =
      JoinPath(folders_.outbox, absl::StrCat(".", name, kAdopting));
  const std::string stem(name.substr(0, name.size() - kSuffix.size()));
  std::string folder = stem;
  for (int n = 2; PathExists(JoinPath(folders_.outbox, folder)); ++n) {
    folder = absl::StrCat(stem, "-", n);
  }
  TRUC_RETURN_IF_ERROR(
      RenameDurably(adopting, JoinPath(folders_.outbox, folder)));
  return folder;
}

EdxmlDrops::Outcome EdxmlDrops::Adopt(const std::string& name,
                                      std::string* folder) {
  const std::string path = JoinPath(folders_.outbox, name);
  const std::string adopting =
      JoinPath(folders_.outbox, absl::StrCat(".", name, kAdopting));
  const std::string parts = JoinPath(adopting, kPartsDir);
  // Step 2, from scratch.
  absl::Status s = RemoveAll(adopting);
  if (s.ok()) s = MakeDirectories(parts);
  if (!s.ok()) return Retry(name, s);
  auto doc = edxml::ReadDocumentToSend(path, agency_, parts);
  if (!doc.ok()) {
    (void)RemoveAll(adopting);
    if (!PathExists(path)) return Outcome::kNotReady;  // taken away
    return Fail(name, std::string(doc.status().message()));
  }
  for (int i = 0; i < doc->header.attachments_size(); ++i) {
    const std::string& a = doc->header.attachments(i).name();
    if (IsReservedOutboxName(a) || a == kEdxmlFile || a == kPartsDir) {
      (void)RemoveAll(adopting);
      return Fail(name, absl::StrCat("attachment \"", a,
                                     "\" has a name the agent keeps for its "
                                     "own files; rename it in the edXML"));
    }
  }
  auto adopt = [&]() -> absl::Status {
    for (int i = 0; i < doc->header.attachments_size(); ++i) {
      const std::string to =
          JoinPath(adopting, doc->header.attachments(i).name());
      TRUC_RETURN_IF_ERROR(RenameDurably(doc->paths[i], to));
    }
    TRUC_RETURN_IF_ERROR(RemoveAll(parts));
    doc->header.mutable_from()->set_organ_id(agency_);
    const std::string envelope = JoinPath(adopting, kEnvelopeFile);
    TRUC_RETURN_IF_ERROR(WriteFileDurably(
        envelope, absl::StrCat("# read by truc-agent from ", name,
                               " (edXML); sent as it stands\n",
                               ToTextProto(doc->header))));
    TRUC_RETURN_IF_ERROR(Link(path, JoinPath(adopting, kEdxmlFile)));
    TRUC_RETURN_IF_ERROR(Fsync(JoinPath(adopting, kEdxmlFile)));
    return SyncDirectory(adopting);
  };
  s = adopt();
  if (!s.ok()) {
    (void)RemoveAll(adopting);
    return Retry(name, s);
  }
  // Step 3: the file now lives in the adopting folder.
  if (::unlink(path.c_str()) != 0) {
    s = ErrnoStatus(errno, "remove " + path);
  } else {
    s = SyncDirectory(folders_.outbox);
  }
  if (!s.ok()) return Retry(name, s);
  // Step 4.
  auto made = FinishAdoption(name);
  if (!made.ok()) return Retry(name, made.status());
  retries_.erase(name);
  for (const auto& w : doc->warnings) {
    log_->Event("edxml_note", {{"file", name}, {"note", w}});
  }
  log_->Event("edxml_adopted",
              {{"file", name},
               {"folder", *made},
               {"attachments", absl::StrCat(doc->header.attachments_size())}});
  if (folder != nullptr) *folder = *made;
  return Outcome::kAdopted;
}

EdxmlDrops::Outcome EdxmlDrops::Report(const std::string& name,
                                       const std::string& path) {
  auto parsed = edxml::ReadEdxmlFile(path, {});
  if (!parsed.ok()) return Fail(name, std::string(parsed.status().message()));
  auto status = edxml::StatusFromEdxml(*parsed);
  if (!status.ok()) return Fail(name, std::string(status.status().message()));
  const int code = static_cast<int>(status->status());
  if (code < 2 || code > 6) {
    return Fail(
        name, code == 1
                  ? "status 01 (arrived) is recorded by the agent itself when "
                    "it stores a document; report 02 to 06"
                  : absl::StrCat("status ", code,
                                 " (a recall and its answer) is not carried "
                                 "by truc yet; report 02 to 06"));
  }
  auto id = FindByEdxmlId(folders_, status->response_for().document_id());
  if (!id.ok()) return Fail(name, std::string(id.status().message()));
  truc::v1::ReportStatusRequest request;
  request.set_document_id(*id);
  request.set_status(status->status());
  request.set_description(status->description());
  if (status->has_staff()) *request.mutable_staff() = status->staff();
  auto reported = ReportStatus(stub_, folders_, *keys_, request);
  if (!reported.ok()) {
    if (IsTransient(reported.status().code())) {
      return Retry(name, reported.status());
    }
    return Fail(name,
                absl::StrCat("the hub refused the status (",
                             absl::StatusCodeToString(reported.status().code()),
                             "): ", reported.status().message()));
  }
  // sent/status-<document>-<code>/ holds the file and the hub's answer.
  const std::string base = absl::StrCat("status-", *id, "-", code);
  std::string dest = JoinPath(folders_.sent, base);
  for (int n = 2; PathExists(dest); ++n) {
    dest = JoinPath(folders_.sent, absl::StrCat(base, ".", n));
  }
  const std::string tmp =
      JoinPath(folders_.sent, absl::StrCat(".", base, ".moving"));
  absl::Status s = RemoveAll(tmp);
  if (s.ok()) s = MakeDirectories(tmp);
  if (s.ok()) s = Link(path, JoinPath(tmp, name));
  if (s.ok()) {
    s = WriteFileDurably(
        JoinPath(tmp, kReceiptFile),
        absl::StrCat("# reported by truc-agent of ", agency_, " for document ",
                     *id, "\n", ToTextProto(*reported)));
  }
  if (s.ok()) s = SyncDirectory(tmp);
  if (s.ok()) s = RenameDurably(tmp, dest);
  if (s.ok() && ::unlink(path.c_str()) != 0) {
    s = ErrnoStatus(errno, "remove " + path);
  }
  if (s.ok()) s = SyncDirectory(folders_.outbox);
  if (!s.ok()) {
    // Reported; a second report of the same status is harmless.
    return Retry(name, s);
  }
  retries_.erase(name);
  log_->Event("edxml_status_reported", {{"file", name},
                                        {"document", *id},
                                        {"status", absl::StrCat(code)},
                                        {"moved_to", dest}});
  return Outcome::kReported;
}

EdxmlDrops::Outcome EdxmlDrops::Take(const std::string& name,
                                     std::string* folder) {
  const std::string path = JoinPath(folders_.outbox, name);
  absl::StatusOr<bool> settled = Settled(path);
  if (!settled.ok()) {
    retries_.erase(name);
    return Outcome::kNotReady;  // gone
  }
  if (!*settled) return Outcome::kNotReady;
  // A status message is a header alone, a few KB: a small file is read
  // once to tell; a large one is a document.
  std::error_code ec;
  const uintmax_t size = std::filesystem::file_size(path, ec);
  if (!ec && size < (1 << 20)) {
    auto parsed = edxml::ReadEdxmlFile(path, {});
    if (parsed.ok() && edxml::IsStatusMessage(*parsed)) {
      return Report(name, path);
    }
  }
  return Adopt(name, folder);
}

void EdxmlDrops::ScanOnce(absl::Time now) {
  // Step 1 for adoptions a crash interrupted.
  for (const std::string& name : ListAdoptions(folders_.outbox)) {
    const std::string adopting =
        JoinPath(folders_.outbox, absl::StrCat(".", name, kAdopting));
    if (PathExists(JoinPath(folders_.outbox, name))) {
      (void)RemoveAll(adopting);  // redone from the file
    } else if (PathExists(JoinPath(adopting, kEdxmlFile))) {
      auto made = FinishAdoption(name);
      if (made.ok()) {
        log_->Event("edxml_adopted", {{"file", name}, {"folder", *made}});
      }
    } else {
      (void)RemoveAll(adopting);
    }
  }
  std::vector<std::string> names = ListEdxmlFiles(folders_.outbox);
  std::set<std::string> present(names.begin(), names.end());
  for (auto it = retries_.begin(); it != retries_.end();) {
    it = present.count(it->first) ? std::next(it) : retries_.erase(it);
  }
  for (const std::string& name : names) {
    auto it = retries_.find(name);
    if (it != retries_.end() && now < it->second.next_attempt) continue;
    (void)Take(name);
  }
}

}  // namespace truc::agent
