#include "hub/ops/notifier.h"

#include <curl/curl.h>

#include <algorithm>
#include <mutex>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "absl/time/time.h"
#include "common/event_log.h"
#include "common/file_util.h"
#include "common/status_macros.h"
#include "common/text_proto.h"
#include "common/time_util.h"
#include "hub/store/key_layout.h"

namespace truc::hub {
namespace {

using truc::internal::NotificationRecord;

constexpr int64_t kSecond = 1'000'000;
constexpr char kWebhookPrefix[] = "webhook:";

void GlobalInit() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

// A libcurl easy handle, cleaned up on every path.
struct Curl {
  Curl() : h(curl_easy_init()) {}
  ~Curl() {
    if (h != nullptr) curl_easy_cleanup(h);
  }
  CURL* h;
};

size_t Discard(char*, size_t size, size_t n, void*) { return size * n; }

struct Upload {
  const std::string* data;
  size_t at = 0;
};

size_t ReadUpload(char* out, size_t size, size_t n, void* arg) {
  auto* up = static_cast<Upload*>(arg);
  const size_t len = std::min(size * n, up->data->size() - up->at);
  std::copy_n(up->data->data() + up->at, len, out);
  up->at += len;
  return len;
}

// "=?UTF-8?B?...?=" for a header that is not plain ASCII.
std::string EncodeHeader(const std::string& text) {
  bool ascii = std::all_of(text.begin(), text.end(), [](char c) {
    return static_cast<unsigned char>(c) < 0x80;
  });
  return ascii ? text
               : absl::StrCat("=?UTF-8?B?", absl::Base64Escape(text), "?=");
}

std::string WrapBase64(const std::string& text) {
  std::string b64 = absl::Base64Escape(text), out;
  for (size_t i = 0; i < b64.size(); i += 76)
    absl::StrAppend(&out, b64.substr(i, 76), "\r\n");
  return out;
}

absl::Status CheckUrl(const std::string& url, const std::string& field,
                      std::initializer_list<const char*> schemes) {
  for (const char* scheme : schemes) {
    if (absl::StartsWith(url, scheme) && url.size() > strlen(scheme))
      return absl::OkStatus();
  }
  return absl::InvalidArgumentError(
      absl::StrCat(field, " \"", url, "\" must begin with ",
                   absl::StrJoin(schemes, " or ")));
}

}  // namespace

absl::StatusOr<std::unique_ptr<NotificationQueue>> NotificationQueue::Load(
    Store* store, std::vector<std::string> channels) {
  uint64_t next = 0;
  TRUC_RETURN_IF_ERROR(store->ScanPrefix(
      keys::kNotificationPrefix, [&](absl::string_view k, absl::string_view) {
        next = std::max(next, keys::DecodeFixed64(
                                  k.substr(keys::kNotificationPrefix.size())) +
                                  1);
        return true;
      }));
  return std::unique_ptr<NotificationQueue>(
      new NotificationQueue(std::move(channels), next));
}

void NotificationQueue::Add(NotificationRecord n, WriteBatch* b) {
  for (const std::string& channel : channels_) {
    n.set_channel(channel);
    b->Put(keys::Notification(next_.fetch_add(1)), n.SerializeAsString());
  }
}

std::vector<std::string> Notifier::Channels(const truc::v1::NotifyConfig& c) {
  std::vector<std::string> channels;
  for (const std::string& url : c.webhook_urls())
    channels.push_back(absl::StrCat(kWebhookPrefix, url));
  if (!c.smtp_url().empty()) channels.push_back("email");
  return channels;
}

absl::StatusOr<std::string> Notifier::CheckConfig(
    const truc::v1::NotifyConfig& config) {
  for (const std::string& url : config.webhook_urls()) {
    TRUC_RETURN_IF_ERROR(
        CheckUrl(url, "notify.webhook_urls", {"http://", "https://"}));
  }
  std::string password;
  if (!config.smtp_url().empty()) {
    TRUC_RETURN_IF_ERROR(CheckUrl(config.smtp_url(), "notify.smtp_url",
                                  {"smtp://", "smtps://"}));
    if (config.smtp_from().find('@') == std::string::npos) {
      return absl::InvalidArgumentError(absl::StrCat(
          "notify.smtp_from \"", config.smtp_from(),
          "\" must be an e-mail address (notify.smtp_url is set)"));
    }
    if (config.smtp_to().empty()) {
      return absl::InvalidArgumentError(
          "notify.smtp_to names no address (notify.smtp_url is set)");
    }
    for (const std::string& to : config.smtp_to()) {
      if (to.find('@') == std::string::npos) {
        return absl::InvalidArgumentError(
            absl::StrCat("notify.smtp_to \"", to, "\" is not an address"));
      }
    }
    if (!config.smtp_password_file().empty()) {
      auto read = ReadFile(config.smtp_password_file(), 4096);
      if (!read.ok()) {
        return absl::InvalidArgumentError(absl::StrCat(
            "notify.smtp_password_file: ", read.status().message()));
      }
      password = std::string(absl::StripTrailingAsciiWhitespace(*read));
    }
  }
  return password;
}

absl::StatusOr<std::unique_ptr<Notifier>> Notifier::Create(
    Store* store, const truc::v1::NotifyConfig& config, Clock clock) {
  TRUC_ASSIGN_OR_RETURN(std::string password, CheckConfig(config));
  GlobalInit();
  return std::unique_ptr<Notifier>(
      new Notifier(store, config, std::move(clock), std::move(password)));
}

Notifier::~Notifier() { Stop(); }

int64_t Notifier::BackoffMicros(uint32_t attempts) const {
  int64_t wait = int64_t{config_.retry_initial_seconds()} * kSecond;
  for (uint32_t i = 1;
       i < attempts && wait < config_.retry_max_seconds() * kSecond; ++i)
    wait *= 2;
  return std::min(wait, int64_t{config_.retry_max_seconds()} * kSecond);
}

absl::Status Notifier::PostWebhook(const std::string& url,
                                   const std::string& body) {
  Curl curl;
  if (curl.h == nullptr) return absl::InternalError("curl_easy_init failed");
  curl_slist* headers =
      curl_slist_append(nullptr, "Content-Type: application/json");
  headers = curl_slist_append(headers, "User-Agent: truc-hub");
  curl_easy_setopt(curl.h, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl.h, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl.h, CURLOPT_POSTFIELDS, body.c_str());
  curl_easy_setopt(curl.h, CURLOPT_POSTFIELDSIZE,
                   static_cast<long>(body.size()));
  curl_easy_setopt(curl.h, CURLOPT_TIMEOUT,
                   static_cast<long>(config_.timeout_seconds()));
  curl_easy_setopt(curl.h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl.h, CURLOPT_WRITEFUNCTION, Discard);
  curl_easy_setopt(curl.h, CURLOPT_PROTOCOLS_STR, "http,https");
  const CURLcode rc = curl_easy_perform(curl.h);
  long http = 0;
  curl_easy_getinfo(curl.h, CURLINFO_RESPONSE_CODE, &http);
  curl_slist_free_all(headers);
  if (rc != CURLE_OK) {
    return absl::UnavailableError(
        absl::StrCat("webhook ", url, ": ", curl_easy_strerror(rc)));
  }
  if (http < 200 || http > 299) {
    return absl::UnavailableError(
        absl::StrCat("webhook ", url, " answered HTTP ", http));
  }
  return absl::OkStatus();
}

MailText AlertMail(const NotificationRecord& n,
                   const std::string& console_url) {
  const truc::v1::Alert& a = n.alert();
  MailText mail;
  mail.subject = absl::StrCat(
      n.cleared() ? "[truc] Đã hết cảnh báo: " : "[truc] CẢNH BÁO: ",
      a.summary());
  mail.text = absl::StrCat(
      n.cleared() ? "Cảnh báo sau đã hết (điều kiện không còn):\n\n"
                  : "Trục liên thông văn bản cảnh báo:\n\n",
      a.summary(), "\n\n", "Mã cảnh báo: ", a.id(), "\n",
      "Phát sinh lúc: ", FormatVietnamTime(a.raised_at().unix_micros()), "\n");
  if (!a.document_id().empty()) {
    absl::StrAppend(
        &mail.text, "Văn bản: ", a.document_id(), " — ", a.subject(), "\n",
        "Nơi gửi: ", a.sender_name().empty() ? a.sender() : a.sender_name(),
        "\n", "Gửi lúc: ", FormatVietnamTime(a.since().unix_micros()), "\n");
  }
  absl::StrAppend(&mail.text, "Đơn vị: ",
                  a.agency_name().empty() ? a.agency() : a.agency_name(), " (",
                  a.agency(), ")\n");
  if (!console_url.empty()) {
    absl::StrAppend(&mail.text, "\nXem trên bảng theo dõi: ", console_url,
                    a.document_id().empty()
                        ? "#/agencies"
                        : absl::StrCat("#/doc/", a.document_id()),
                    "\n");
  }
  absl::StrAppend(&mail.text, "\n-- \ntruc-hub\n");
  return mail;
}

MailText DigestMail(const truc::v1::Digest& d, const std::string& console_url) {
  const std::string who =
      d.agency_name().empty()
          ? d.agency()
          : absl::StrCat(d.agency_name(), " (", d.agency(), ")");
  const std::string date =
      absl::StrCat(d.day().substr(8, 2), "/", d.day().substr(5, 2), "/",
                   d.day().substr(0, 4));
  MailText mail;
  const bool recipient = d.kind() == truc::v1::Digest::KIND_RECIPIENT;
  mail.subject =
      absl::StrCat(recipient ? "[truc] Văn bản chưa nhận, ngày "
                             : "[truc] Văn bản gửi đi chưa đến đủ, ngày ",
                   date, ": ", who, " (", d.items_size(), ")");
  mail.text = absl::StrCat(
      recipient ? "Các văn bản đơn vị sau chưa nhận:\n"
                : "Các văn bản đơn vị sau đã gửi nhưng còn nơi chưa nhận:\n",
      who, "\n\n");
  for (const auto& item : d.items()) {
    absl::StrAppend(&mail.text, "- ", item.subject(), " (", item.document_id(),
                    "), gửi lúc ",
                    FormatVietnamTime(item.sent_at().unix_micros()));
    if (recipient) {
      absl::StrAppend(
          &mail.text, ", nơi gửi ",
          item.sender_name().empty() ? item.sender() : item.sender_name());
    } else {
      absl::StrAppend(&mail.text,
                      "; chưa nhận: ", absl::StrJoin(item.missing(), ", "));
    }
    absl::StrAppend(&mail.text, "\n");
  }
  if (!console_url.empty())
    absl::StrAppend(&mail.text, "\nBảng theo dõi: ", console_url, "\n");
  absl::StrAppend(&mail.text, "\n-- \ntruc-hub\n");
  return mail;
}

std::string FormatMail(const std::string& from,
                       const std::vector<std::string>& to, const MailText& mail,
                       int64_t now_micros, const std::string& message_id) {
  const std::string date =
      absl::FormatTime("%a, %d %b %Y %H:%M:%S +0000",
                       absl::FromUnixMicros(now_micros), absl::UTCTimeZone());
  return absl::StrCat(
      "Date: ", date, "\r\n", "From: ", from, "\r\n",
      "To: ", absl::StrJoin(to, ", "), "\r\n",
      "Subject: ", EncodeHeader(mail.subject), "\r\n", "Message-ID: <",
      message_id, ">\r\n", "MIME-Version: 1.0\r\n",
      "Content-Type: text/plain; charset=utf-8\r\n",
      "Content-Transfer-Encoding: base64\r\n", "\r\n", WrapBase64(mail.text));
}

absl::Status Notifier::SendMail(const std::string& subject,
                                const std::string& text) {
  Curl curl;
  if (curl.h == nullptr) return absl::InternalError("curl_easy_init failed");
  std::vector<std::string> to(config_.smtp_to().begin(),
                              config_.smtp_to().end());
  const int64_t now = clock_();
  const std::string domain =
      config_.smtp_from().substr(config_.smtp_from().find('@') + 1);
  const std::string message =
      FormatMail(config_.smtp_from(), to, {subject, text}, now,
                 absl::StrCat(now, ".truc@", domain));
  curl_slist* rcpt = nullptr;
  for (const std::string& r : to) rcpt = curl_slist_append(rcpt, r.c_str());
  Upload up{&message};
  curl_easy_setopt(curl.h, CURLOPT_URL, config_.smtp_url().c_str());
  curl_easy_setopt(curl.h, CURLOPT_MAIL_FROM, config_.smtp_from().c_str());
  curl_easy_setopt(curl.h, CURLOPT_MAIL_RCPT, rcpt);
  curl_easy_setopt(curl.h, CURLOPT_READFUNCTION, ReadUpload);
  curl_easy_setopt(curl.h, CURLOPT_READDATA, &up);
  curl_easy_setopt(curl.h, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(curl.h, CURLOPT_USE_SSL, static_cast<long>(CURLUSESSL_TRY));
  curl_easy_setopt(curl.h, CURLOPT_TIMEOUT,
                   static_cast<long>(config_.timeout_seconds()));
  curl_easy_setopt(curl.h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl.h, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
  if (!config_.smtp_username().empty()) {
    curl_easy_setopt(curl.h, CURLOPT_USERNAME, config_.smtp_username().c_str());
    curl_easy_setopt(curl.h, CURLOPT_PASSWORD, smtp_password_.c_str());
  }
  const CURLcode rc = curl_easy_perform(curl.h);
  curl_slist_free_all(rcpt);
  if (rc != CURLE_OK) {
    return absl::UnavailableError(absl::StrCat(
        "e-mail through ", config_.smtp_url(), ": ", curl_easy_strerror(rc)));
  }
  return absl::OkStatus();
}

absl::Status Notifier::Deliver(const NotificationRecord& n) {
  const bool digest = n.has_digest();
  if (absl::StartsWith(n.channel(), kWebhookPrefix)) {
    const std::string body =
        digest ? absl::StrCat(R"({"event":"digest","digest":)",
                              ToJson(n.digest(), /*pretty=*/false), "}")
               : absl::StrCat(R"({"event":")",
                              n.cleared() ? "alert_cleared" : "alert_raised",
                              R"(","alert":)",
                              ToJson(n.alert(), /*pretty=*/false), "}");
    return PostWebhook(n.channel().substr(strlen(kWebhookPrefix)), body);
  }
  if (n.channel() == "email") {
    if (config_.smtp_url().empty()) {
      return absl::FailedPreconditionError(
          "no notify.smtp_url configured any more");
    }
    MailText mail = digest ? DigestMail(n.digest(), config_.console_url())
                           : AlertMail(n, config_.console_url());
    return SendMail(mail.subject, mail.text);
  }
  return absl::FailedPreconditionError(
      absl::StrCat("unknown channel \"", n.channel(), "\""));
}

absl::StatusOr<size_t> Notifier::RunOnce() {
  const int64_t now = clock_();
  std::vector<std::pair<std::string, NotificationRecord>> due;
  TRUC_RETURN_IF_ERROR(store_->ScanPrefix(
      keys::kNotificationPrefix, [&](absl::string_view k, absl::string_view v) {
        NotificationRecord n;
        if (!n.ParseFromArray(v.data(), static_cast<int>(v.size()))) {
          LogEvent("notification_unreadable", {{"key", std::string(k)}});
          due.emplace_back(std::string(k), NotificationRecord());
          return due.size() < 100;
        }
        if (n.next_attempt_micros() <= now) due.emplace_back(std::string(k), n);
        return due.size() < 100;
      }));
  size_t delivered = 0;
  for (auto& [key, n] : due) {
    WriteBatch b;
    if (n.channel().empty()) {
      b.Delete(key);
      TRUC_RETURN_IF_ERROR(store_->Write(b, {.sync = false}));
      continue;
    }
    absl::Status sent = Deliver(n);
    const std::string subject =
        n.has_digest() ? absl::StrCat("digest:", n.digest().agency())
                       : n.alert().id();
    const std::string change = n.has_digest() ? "digest"
                               : n.cleared()  ? "cleared"
                                              : "raised";
    const std::string channel = n.channel() == "email" ? "email" : "webhook";
    if (sent.ok()) {
      b.Delete(key);
      ++delivered;
      LogEvent("notification_sent",
               {{"alert", subject}, {"change", change}, {"channel", channel}});
    } else {
      n.set_attempts(n.attempts() + 1);
      n.set_last_error(std::string(sent.message()));
      if (n.attempts() >= config_.max_attempts()) {
        b.Delete(key);
        LogEvent("notification_dropped",
                 {{"alert", subject},
                  {"change", change},
                  {"channel", channel},
                  {"attempts", absl::StrCat(n.attempts())},
                  {"reason", std::string(sent.message())}});
      } else {
        n.set_next_attempt_micros(clock_() + BackoffMicros(n.attempts()));
        b.Put(key, n.SerializeAsString());
        LogEvent("notification_failed",
                 {{"alert", subject},
                  {"change", change},
                  {"channel", channel},
                  {"attempts", absl::StrCat(n.attempts())},
                  {"retry_in", FormatAge(BackoffMicros(n.attempts()))},
                  {"reason", std::string(sent.message())}});
      }
    }
    TRUC_RETURN_IF_ERROR(store_->Write(b, {.sync = false}));
  }
  return delivered;
}

void Notifier::Start() {
  thread_ = std::thread([this] {
    while (true) {
      auto sent = RunOnce();
      if (!sent.ok()) {
        LogEvent("notifier_failed",
                 {{"reason", std::string(sent.status().message())}});
      }
      absl::MutexLock lock(&mu_);
      if (mu_.AwaitWithTimeout(absl::Condition(&stop_), absl::Seconds(1)))
        return;
    }
  });
}

void Notifier::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stop_ = true;
  }
  if (thread_.joinable()) thread_.join();
}

}  // namespace truc::hub
