#include "hub/console/sessions.h"

#include <utility>
#include <vector>

#include "common/secret.h"
#include "common/sha256.h"
#include "common/status_macros.h"

namespace truc::hub {

SessionTable::SessionTable(std::function<int64_t()> clock, SessionPolicy policy)
    : clock_(std::move(clock)), policy_(policy) {}

bool SessionTable::Expired(const Session& s, int64_t now) const {
  return now - s.last_seen_micros >= policy_.idle_micros ||
         now - s.created_micros >= policy_.absolute_micros;
}

absl::StatusOr<NewSession> SessionTable::Create(const std::string& account) {
  NewSession fresh;
  TRUC_ASSIGN_OR_RETURN(fresh.token, RandomToken(32));
  TRUC_ASSIGN_OR_RETURN(fresh.csrf_token, RandomToken(32));
  const int64_t now = clock_();
  Session s{account, fresh.csrf_token, now, now};
  absl::MutexLock lock(&mu_);
  // Drop what has expired, then the account's oldest beyond its share.
  std::vector<std::map<std::string, Session>::iterator> own;
  for (auto it = sessions_.begin(); it != sessions_.end();) {
    if (Expired(it->second, now)) {
      it = sessions_.erase(it);
      continue;
    }
    if (it->second.account == account) own.push_back(it);
    ++it;
  }
  while (!own.empty() && own.size() >= policy_.max_per_account) {
    auto oldest = own.begin();
    for (auto i = own.begin(); i != own.end(); ++i) {
      if ((*i)->second.created_micros < (*oldest)->second.created_micros)
        oldest = i;
    }
    sessions_.erase(*oldest);
    own.erase(oldest);
  }
  sessions_.emplace(Sha256::Of(fresh.token), std::move(s));
  return fresh;
}

std::optional<Session> SessionTable::Touch(const std::string& token) {
  if (token.empty()) return std::nullopt;
  const int64_t now = clock_();
  const std::string key = Sha256::Of(token);
  absl::MutexLock lock(&mu_);
  auto it = sessions_.find(key);
  if (it == sessions_.end()) return std::nullopt;
  if (Expired(it->second, now)) {
    sessions_.erase(it);
    return std::nullopt;
  }
  it->second.last_seen_micros = now;
  return it->second;
}

bool SessionTable::Alive(const std::string& token) const {
  if (token.empty()) return false;
  const int64_t now = clock_();
  const std::string key = Sha256::Of(token);
  absl::MutexLock lock(&mu_);
  auto it = sessions_.find(key);
  return it != sessions_.end() && !Expired(it->second, now);
}

void SessionTable::End(const std::string& token) {
  const std::string key = Sha256::Of(token);
  absl::MutexLock lock(&mu_);
  sessions_.erase(key);
}

void SessionTable::EndAccount(const std::string& account) {
  absl::MutexLock lock(&mu_);
  for (auto it = sessions_.begin(); it != sessions_.end();) {
    it = it->second.account == account ? sessions_.erase(it) : std::next(it);
  }
}

size_t SessionTable::size() const {
  absl::MutexLock lock(&mu_);
  return sessions_.size();
}

}  // namespace truc::hub
