// Notifier: sends the notifications the alert engine queued (n/<seq>)
// through their channel, with libcurl (Debian's libcurl4-openssl):
//
//   webhook:<url>  an HTTP POST of {"event": "alert_raised" |
//                  "alert_cleared", "alert": {...}} or {"event": "digest",
//                  "digest": {...}} (application/json);
//                  any 2xx answer is delivered
//   email          a UTF-8 text message through NotifyConfig.smtp_url
//                  (STARTTLS when the server offers it, or smtps://)
//
// A delivered notification is deleted. One that fails is tried again
// after a back-off that doubles from retry_initial_seconds up to
// retry_max_seconds; after max_attempts it is dropped, and the log says
// so. The queue is in the store, so a restart resends what was not yet
// delivered: a channel may see a notification twice, never none.
// Attempts are soft state (written unsynced, not audited); the alert's
// raising and clearing are audited by the engine.
//
// Thread-safety: Start and Stop from one controlling thread; RunOnce from
// one thread at a time.
#ifndef TRUC_HUB_OPS_NOTIFIER_H_
#define TRUC_HUB_OPS_NOTIFIER_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "hub/exchange/directory.h"
#include "hub/store/store.h"
#include "truc/internal/records.pb.h"
#include "truc/v1/config.pb.h"

namespace truc::hub {

// The queue's writing side: numbers the notifications (n/<seq>) and adds
// one record per configured channel to the batch of the change that causes
// them, so a change and its notifications are written together. Sequence
// numbers only grow; a batch that fails to commit leaves a gap, no harm.
//
// Thread-safety: thread-safe.
class NotificationQueue {
 public:
  // Continues after the last n/ record in `store`. Fails with its error.
  static absl::StatusOr<std::unique_ptr<NotificationQueue>> Load(
      Store* store, std::vector<std::string> channels);
  // Adds `n` to `b` once per channel (n.channel set to each).
  void Add(truc::internal::NotificationRecord n, WriteBatch* b);
  const std::vector<std::string>& channels() const { return channels_; }

 private:
  NotificationQueue(std::vector<std::string> channels, uint64_t next)
      : channels_(std::move(channels)), next_(next) {}
  const std::vector<std::string> channels_;
  std::atomic<uint64_t> next_;
};

class Notifier {
 public:
  // The channels `config` names, in the form NotificationRecord.channel
  // takes.
  static std::vector<std::string> Channels(const truc::v1::NotifyConfig& c);

  // Checks `config`: the URLs' schemes, the addresses, the SMTP password
  // file (read). Returns the password (empty without one), or
  // INVALID_ARGUMENT naming the field. The hub's config loader calls it, so
  // that a wrong notify block stops the hub as a wrong config.
  static absl::StatusOr<std::string> CheckConfig(
      const truc::v1::NotifyConfig& config);

  // CheckConfig, then the notifier. `store` must outlive it.
  static absl::StatusOr<std::unique_ptr<Notifier>> Create(
      Store* store, const truc::v1::NotifyConfig& config, Clock clock);
  ~Notifier();

  // Sends every notification due now (at most 100). Returns how many were
  // delivered; a failed delivery is rescheduled, not an error. Fails only
  // with the store's error.
  absl::StatusOr<size_t> RunOnce();

  // Delivers one notification through its channel: OK, or why it failed.
  absl::Status Deliver(const truc::internal::NotificationRecord& n);

  // A thread that calls RunOnce every second.
  void Start();
  void Stop();

 private:
  Notifier(Store* store, truc::v1::NotifyConfig config, Clock clock,
           std::string smtp_password)
      : store_(store),
        config_(std::move(config)),
        clock_(std::move(clock)),
        smtp_password_(std::move(smtp_password)) {}
  absl::Status PostWebhook(const std::string& url, const std::string& body);
  absl::Status SendMail(const std::string& subject, const std::string& text);
  int64_t BackoffMicros(uint32_t attempts) const;

  Store* const store_;
  const truc::v1::NotifyConfig config_;
  const Clock clock_;
  const std::string smtp_password_;
  std::thread thread_;
  absl::Mutex mu_;
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
};

// The e-mail for `n`: its Subject and its text (Vietnamese, with the
// console's link when `console_url` is set).
struct MailText {
  std::string subject;
  std::string text;
};
MailText AlertMail(const truc::internal::NotificationRecord& n,
                   const std::string& console_url);
// The e-mail for a daily digest.
MailText DigestMail(const truc::v1::Digest& d, const std::string& console_url);

// The RFC 5322 message: UTF-8 headers encoded (RFC 2047), base64 body.
std::string FormatMail(const std::string& from,
                       const std::vector<std::string>& to, const MailText& mail,
                       int64_t now_micros, const std::string& message_id);

}  // namespace truc::hub

#endif  // TRUC_HUB_OPS_NOTIFIER_H_
