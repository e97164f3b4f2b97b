#include "hub/exchange/offers.h"

namespace truc::hub {

Offers::Offers(Post post) : waiters_(std::move(post)) {}

Offers::~Offers() { waiters_.Shutdown(); }

Offers::AgencyLeases* Offers::Of(const std::string& agency) const {
  absl::MutexLock lock(&table_mu_);
  auto& slot = table_[agency];
  if (!slot) slot = std::make_unique<AgencyLeases>();
  return slot.get();
}

std::unique_ptr<Offers::Held> Offers::Hold(const std::string& agency) {
  AgencyLeases* a = Of(agency);
  return std::unique_ptr<Held>(new Held(&a->mu, &a->leases));
}

std::optional<Offers::Lease> Offers::Find(const std::string& agency,
                                          const std::string& document) const {
  AgencyLeases* a = Of(agency);
  absl::MutexLock lock(&a->mu);
  auto it = a->leases.find(document);
  if (it == a->leases.end()) return std::nullopt;
  return it->second;
}

int64_t Offers::NextExpiry(const std::string& agency) const {
  AgencyLeases* a = Of(agency);
  absl::MutexLock lock(&a->mu);
  int64_t next = 0;
  for (const auto& [doc, l] : a->leases) {
    if (next == 0 || l.expires < next) next = l.expires;
  }
  return next;
}

void Offers::Queued(const std::string& agency) { waiters_.Notify(agency); }

void Offers::Settled(const std::string& agency, const std::string& document) {
  AgencyLeases* a = Of(agency);
  absl::MutexLock lock(&a->mu);
  a->leases.erase(document);
}

void Offers::Reoffer(const std::string& agency, const std::string& document) {
  {
    AgencyLeases* a = Of(agency);
    absl::MutexLock lock(&a->mu);
    auto it = a->leases.find(document);
    if (it != a->leases.end()) it->second.expires = 0;  // attempts kept
  }
  waiters_.Notify(agency);
}

uint64_t Offers::Generation(const std::string& agency) const {
  return waiters_.Generation(agency);
}

uint64_t Offers::Park(const std::string& agency, int64_t deadline_micros,
                      WakeFn fn, uint64_t seen_generation) {
  // A lease of this agency that ends before the deadline re-offers its
  // delivery then: the poll wakes to take it.
  const int64_t lease_end = NextExpiry(agency);
  if (lease_end != 0 && lease_end < deadline_micros)
    waiters_.NotifyAt(agency, lease_end);
  return waiters_.Park(agency, deadline_micros, std::move(fn), seen_generation);
}

namespace {
// Status polls park under their own key: never an agency's code nor a
// bridge's queue ("@<bridge>").
std::string NoticesKey(const std::string& owner) { return "notices " + owner; }
}  // namespace

void Offers::NoticesWritten(const std::string& owner,
                            int64_t listable_at_micros) {
  if (listable_at_micros == 0) {
    waiters_.Notify(NoticesKey(owner));
  } else {
    waiters_.NotifyAt(NoticesKey(owner), listable_at_micros);
  }
}

uint64_t Offers::NoticeGeneration(const std::string& owner) const {
  return waiters_.Generation(NoticesKey(owner));
}

uint64_t Offers::ParkForNotices(const std::string& owner,
                                int64_t deadline_micros, WakeFn fn,
                                uint64_t seen_generation) {
  return waiters_.Park(NoticesKey(owner), deadline_micros, std::move(fn),
                       seen_generation);
}

bool Offers::Cancel(uint64_t token) { return waiters_.Cancel(token); }

void Offers::Shutdown() { waiters_.Shutdown(); }

size_t Offers::parked() const { return waiters_.parked(); }

}  // namespace truc::hub
