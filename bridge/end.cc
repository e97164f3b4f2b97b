#include "bridge/end.h"

#include "common/grpc_status.h"

namespace truc::bridge {

bool IsFinalRefusal(const absl::Status& status) {
  if (status.ok() || OutcomeMayBeUnknown(status.code())) return false;
  switch (status.code()) {
    case absl::StatusCode::kResourceExhausted:  // busy: later
    case absl::StatusCode::kUnauthenticated:    // a certificate to fix
    case absl::StatusCode::kPermissionDenied:   // a directory entry to fix
    case absl::StatusCode::kUnimplemented:      // an end to upgrade
    case absl::StatusCode::kDataLoss:           // bytes damaged on the way
      return false;
    default:
      return true;
  }
}

std::vector<absl::Status> End::RecordStatuses(
    const std::vector<truc::v1::BridgeStatus>& statuses) {
  std::vector<absl::Status> answers;
  answers.reserve(statuses.size());
  for (const truc::v1::BridgeStatus& s : statuses) {
    if (!answers.empty() && !answers.back().ok() &&
        !IsFinalRefusal(answers.back())) {
      answers.push_back(answers.back());  // the end is down: not tried
      continue;
    }
    answers.push_back(s.status() == truc::v1::EDXML_STATUS_UNSPECIFIED
                          ? RecordLocation(s)
                          : RecordStatus(s));
  }
  return answers;
}

absl::Status End::StatusesCarried(
    const std::vector<truc::v1::BridgeStatus>& statuses) {
  for (const truc::v1::BridgeStatus& s : statuses) {
    absl::Status carried = StatusCarried(s);
    if (!carried.ok()) return carried;
  }
  return absl::OkStatus();
}

}  // namespace truc::bridge
