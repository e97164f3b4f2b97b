#include "tests/bench/scenario_kit.h"

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <map>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "common/evidence.h"
#include "common/exchange_client.h"
#include "common/grpc_status.h"
#include "common/sha256.h"
#include "common/status_macros.h"

namespace truc::bench {

double MillisSince(SteadyClock::time_point t) {
  return std::chrono::duration<double, std::milli>(SteadyClock::now() - t)
      .count();
}

int64_t NowMicros() { return absl::ToUnixMicros(absl::Now()); }

void Progress(const std::string& text) {
  std::fprintf(stderr, "truc-bench: %s\n", text.c_str());
}

DocumentHeader BenchHeader(const std::vector<std::string>& to,
                           truc::v1::Urgency urgency, size_t target_bytes) {
  DocumentHeader h;
  h.mutable_from()->set_organ_id(kOfficeCode);
  for (const auto& t : to) h.add_to()->set_organ_id(t);
  h.mutable_code()->set_code_number("45");
  h.mutable_code()->set_code_notation("UBND-VP");
  h.mutable_promulgation()->set_place("Lạng Sơn");
  h.mutable_document_type()->set_type_name("Công văn");
  h.set_subject(
      "Về việc triển khai phương án ứng phó bão số 3 trên địa bàn tỉnh");
  h.mutable_signer()->set_full_name("Nguyễn Văn An");
  h.mutable_signer()->set_position("Chủ tịch");
  h.set_urgency(urgency);
  std::string content;
  while (h.ByteSizeLong() < target_bytes) {
    content +=
        "Ủy ban nhân dân tỉnh yêu cầu các đơn vị khẩn trương thực hiện. ";
    h.set_content(content);
  }
  (void)CompleteHeader(kOfficeCode, {}, &h);
  return h;
}

std::vector<std::string> Codes(const std::vector<BenchAgency>& agencies,
                               size_t n) {
  std::vector<std::string> out;
  for (size_t i = 0; i < n && i < agencies.size(); ++i)
    out.push_back(agencies[i].code);
  return out;
}

absl::StatusOr<std::string> Send(World* w, truc::v1::Exchange::Stub* stub,
                                 const DocumentHeader& header) {
  TRUC_ASSIGN_OR_RETURN(
      auto r, SendDocument(stub, w->SignerOf(header.from().organ_id()), header,
                           {}, NewIdempotencyKey(), std::chrono::seconds(60)));
  return r.document_id();
}

absl::StatusOr<truc::v1::AcknowledgeRequest> Ack(World* w,
                                                 const std::string& agency,
                                                 const truc::v1::Delivery& d) {
  truc::v1::AcknowledgeRequest ack;
  ack.set_document_id(d.document_id());
  TRUC_ASSIGN_OR_RETURN(
      *ack.mutable_receipt(),
      SignStatusStatement(w->SignerOf(agency), d.document_id(),
                          Sha256::Of(d.envelope().header()),
                          truc::v1::EDXML_STATUS_ARRIVED, "", NowMicros()));
  return ack;
}

absl::StatusOr<truc::v1::DocumentStatus> GetStatus(truc::v1::Operator::Stub* op,
                                                   const std::string& id) {
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  truc::v1::GetDocumentStatusRequest req;
  req.set_document_id(id);
  truc::v1::DocumentStatus status;
  grpc::Status s = op->GetDocumentStatus(&ctx, req, &status);
  if (!s.ok()) return FromGrpcStatus(s);
  return status;
}

absl::StatusOr<truc::v1::DocumentStatus> WaitAllArrived(
    truc::v1::Operator::Stub* op, const std::string& id, absl::Duration timeout,
    absl::Duration every) {
  absl::Time end = absl::Now() + timeout;
  while (true) {
    TRUC_ASSIGN_OR_RETURN(auto status, GetStatus(op, id));
    if (status.received_count() == status.recipient_count()) return status;
    if (absl::Now() > end) {
      return absl::DeadlineExceededError(
          absl::StrCat("document ", id, ": ", status.received_count(), " of ",
                       status.recipient_count(), " received after ",
                       absl::FormatDuration(timeout)));
    }
    absl::SleepFor(every);
  }
}

absl::StatusOr<double> Throughput(int threads, absl::Duration window,
                                  const std::function<absl::Status()>& op) {
  std::atomic<bool> counting{false}, stop{false};
  std::atomic<uint64_t> done{0};
  absl::Mutex mu;
  absl::Status first_error;
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&] {
      while (!stop.load()) {
        absl::Status s = op();
        if (!s.ok()) {
          absl::MutexLock lock(&mu);
          if (first_error.ok()) first_error = s;
          stop = true;
          return;
        }
        if (counting.load()) done.fetch_add(1);
      }
    });
  }
  absl::SleepFor(absl::Milliseconds(300));
  counting = true;
  auto start = SteadyClock::now();
  absl::SleepFor(window);
  uint64_t n = done.load();
  double seconds = MillisSince(start) / 1000;
  stop = true;
  for (auto& t : pool) t.join();
  absl::MutexLock lock(&mu);
  TRUC_RETURN_IF_ERROR(first_error);
  return n / seconds;
}

double Median(const std::vector<double>& v) { return Percentile(v, 50); }
absl::StatusOr<Arrivals> ProbeArrivals(World* w,
                                       const std::vector<std::string>& pollers,
                                       int probes, absl::Duration spacing) {
  std::atomic<bool> stop{false};
  absl::Mutex mu;
  std::map<std::string, int64_t> sent_at;  // document -> send start (micros)
  // (document, poll answer time): a poll may answer before the send's own
  // answer reaches the office, so the two are joined at the end.
  std::vector<std::pair<std::string, int64_t>> arrivals;
  absl::Status error;
  std::vector<std::thread> threads;
  for (size_t i = 0; i < pollers.size(); ++i) {
    threads.emplace_back([&, i] {
      auto stub = w->Exchange(pollers[i]);
      while (!stop.load()) {
        grpc::ClientContext ctx;
        ctx.set_deadline(std::chrono::system_clock::now() +
                         std::chrono::seconds(3));
        truc::v1::PollRequest req;
        req.set_wait_seconds(1);
        truc::v1::PollResponse resp;
        grpc::Status s = stub->Poll(&ctx, req, &resp);
        const int64_t now = NowMicros();
        if (!s.ok()) {
          absl::MutexLock lock(&mu);
          if (error.ok()) error = FromGrpcStatus(s);
          return;
        }
        for (const auto& d : resp.deliveries()) {
          {
            absl::MutexLock lock(&mu);
            arrivals.emplace_back(d.document_id(), now);
          }
          grpc::ClientContext actx;
          auto ack = Ack(w, pollers[i], d);
          truc::v1::AcknowledgeResponse aresp;
          if (ack.ok()) (void)stub->Acknowledge(&actx, *ack, &aresp);
        }
      }
    });
  }
  absl::SleepFor(absl::Seconds(1));
  auto office = w->Exchange(kOfficeCode);
  const DocumentHeader header = BenchHeader(pollers, truc::v1::URGENCY_EXPRESS);
  absl::Status send_error;
  for (int p = 0; p < probes && send_error.ok(); ++p) {
    // The send time is known before the answer; record it under the id
    // once known, and count from before the send.
    const int64_t t0 = NowMicros();
    auto id = SendDocument(office.get(), w->SignerOf(kOfficeCode), header, {},
                           NewIdempotencyKey(), std::chrono::seconds(60));
    if (!id.ok()) {
      send_error = id.status();
      break;
    }
    {
      absl::MutexLock lock(&mu);
      sent_at[id->document_id()] = t0;
    }
    absl::SleepFor(spacing);
  }
  absl::SleepFor(absl::Seconds(2));
  stop = true;
  for (auto& t : threads) t.join();
  TRUC_RETURN_IF_ERROR(send_error);
  absl::MutexLock lock(&mu);
  TRUC_RETURN_IF_ERROR(error);
  Arrivals out;
  std::map<std::string, double> last;
  for (const auto& [doc, at] : arrivals) {
    auto it = sent_at.find(doc);
    if (it == sent_at.end()) continue;
    const double ms = (at - it->second) / 1000.0;
    out.each.push_back(ms);
    last[doc] = std::max(last[doc], ms);
  }
  for (const auto& [doc, ms] : last) out.last.push_back(ms);
  return out;
}

}  // namespace truc::bench
