#include "tests/bench/scenarios.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <random>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/evidence.h"
#include "common/exchange_client.h"
#include "common/file_util.h"
#include "common/grpc_status.h"
#include "common/merkle.h"
#include "common/sha256.h"
#include "common/signature.h"
#include "common/status_macros.h"
#include "hub/exchange/audit_log.h"
#include "hub/store/key_layout.h"
#include "hub/exchange/ledger.h"
#include "hub/store/rocksdb_store.h"
#include "tests/bench/rabbit.h"
#include "tests/bench/references.h"
#include "tests/bench/world.h"

namespace truc::bench {
namespace {

using SteadyClock = std::chrono::steady_clock;
using truc::internal::DeliveryRecord;
using truc::internal::DocumentRecord;
using truc::v1::DocumentHeader;

double MillisSince(SteadyClock::time_point t) {
  return std::chrono::duration<double, std::milli>(SteadyClock::now() - t)
      .count();
}

int64_t NowMicros() { return absl::ToUnixMicros(absl::Now()); }

void Progress(const std::string& text) {
  std::fprintf(stderr, "truc-bench: %s\n", text.c_str());
}

constexpr uint64_t kMB = 1'000'000;

// A header as a clerk fills it, its content padded so that the serialized
// header is about `target_bytes`.
DocumentHeader BenchHeader(const std::vector<std::string>& to,
                           truc::v1::Urgency urgency,
                           size_t target_bytes = 4096) {
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

// The acknowledgement of `d` by `agency`, with its signed statement, as an
// agent makes it.
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

// Asks for the document's status every `every` until all recipients have
// received it. DEADLINE_EXCEEDED after `timeout`, naming how many had.
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

// Runs `threads` loops of `op` for `window` after a 0.3 s warm-up:
// operations per second. Fails with the first operation's error.
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

// ---------------------------------------------------------------------------
// 1. Durable sends.

absl::Status DurableSends(const BenchOptions& o, Report* r) {
  const std::string S = "durable-sends";
  // What the hub can store for one sender: its per-agency send limits,
  // which keep one agency from taking the hub from the others (scenario
  // 5), are lifted here.
  TRUC_ASSIGN_OR_RETURN(
      auto w,
      World::Create(JoinPath(o.run_dir, S),
                    "send_limits { max_in_flight: 64 per_second: 0 }\n"));
  TRUC_RETURN_IF_ERROR(w->StartHub());
  const auto agencies = BenchAgencies(250);
  TRUC_RETURN_IF_ERROR(w->AddAgencies(agencies));

  Progress("durable sends: the disk's own rates");
  TRUC_ASSIGN_OR_RETURN(
      double syncs,
      FdatasyncRate(w->dir(), 512, o.quick ? absl::Seconds(1) : o.window));
  r->Add(S, "disk: 512 B append + fdatasync, 1 writer", syncs, "syncs/s", "", 0,
         Goal::None());
  TRUC_ASSIGN_OR_RETURN(
      double seq,
      SyncedSequentialWriteRate(w->dir(), o.quick ? 32 * kMB : 512 * kMB));
  r->Add(S, "disk: synced sequential write", seq, "MB/s", "", 0, Goal::None());

  auto stub = w->Exchange(kOfficeCode);
  for (int fanout : {10, 250}) {
    const auto to = Codes(agencies, fanout);
    const DocumentHeader header = BenchHeader(to, truc::v1::URGENCY_URGENT);
    const std::string header_bytes = header.SerializeAsString();
    const Signer& office = w->SignerOf(kOfficeCode);
    const Identity& office_id = office.identity();
    truc::v1::Envelope signed_envelope;
    signed_envelope.set_header(header_bytes);
    TRUC_ASSIGN_OR_RETURN(*signed_envelope.mutable_signature(),
                          office.Sign(kHeaderContext, header_bytes));
    // A receipt of the size the hub's are (a P-256 signature and a
    // certificate like the hub's).
    truc::v1::ReceiptBody body;
    body.set_kind(truc::v1::ReceiptBody::KIND_ACCEPTED);
    body.set_document_id("20261122-000000000000");
    body.set_header_sha256(Sha256::Of(header_bytes));
    body.mutable_at()->set_unix_micros(NowMicros());
    body.set_sender(kOfficeCode);
    for (const auto& t : to) body.add_recipients(t);
    TRUC_ASSIGN_OR_RETURN(const truc::v1::Receipt receipt_of_its_size,
                          SignReceipt(office, body));
    for (int in_flight : {1, 8, 32}) {
      const std::string what =
          absl::StrFormat("%d recipients, %d in flight", fanout, in_flight);
      Progress("durable sends: " + what);
      TRUC_ASSIGN_OR_RETURN(double truc, Throughput(in_flight, o.window, [&] {
                              return SendDocument(
                                         stub.get(), w->SignerOf(kOfficeCode),
                                         header, {}, NewIdempotencyKey(),
                                         std::chrono::seconds(60))
                                  .status();
                            }));
      // The very batch a send writes: the document (with the sender's
      // signature and the hub's receipt, of their real sizes), its index
      // entries, and its audit event with the log's hashes and size. The
      // log's right edge is shared, as the hub's is; its keys are made
      // under a lock, the batches written in parallel.
      absl::Mutex frontier_mu;
      merkle::Frontier frontier;
      TRUC_ASSIGN_OR_RETURN(
          double raw,
          RawRocksDbRate(
              w->dir(), in_flight, o.window, [&](int wr, uint64_t i) {
                DocumentRecord doc;
                doc.set_document_id(
                    absl::StrFormat("20261122-%04x%08x", wr, i & 0xffffffff));
                *doc.mutable_envelope() = signed_envelope;
                doc.set_sender(kOfficeCode);
                doc.set_subject(header.subject());
                doc.set_urgency(header.urgency());
                doc.set_accepted_at_micros(NowMicros());
                for (const auto& t : to) doc.add_recipients(t);
                doc.set_idempotency_key(NewIdempotencyKey());
                doc.set_edxml_document_id(doc.document_id());
                doc.set_header_sha256(Sha256::Of(header_bytes));
                *doc.mutable_receipt() = receipt_of_its_size;
                hub::WriteBatch b = hub::Ledger::AcceptBatch(doc);
                std::vector<truc::v1::AuditEvent> events = {
                    hub::Ledger::AcceptedEvent(doc, office_id, header)};
                absl::MutexLock lock(&frontier_mu);
                hub::AuditLog::AppendEvents(&frontier, &events,
                                            doc.accepted_at_micros(), &b);
                b.Put(hub::keys::kAuditSize,
                      hub::keys::EncodeFixed64(frontier.size()));
                return b;
              }));
      r->Add(S, "sends/s, " + what, truc, "sends/s",
             "raw RocksDB, same batches", raw,
             in_flight == 32 ? Goal::RatioAtLeast(0.5) : Goal::None());
      if (o.rabbit == nullptr) {
        r->Skip(S, "RabbitMQ quorum fan-out, " + what, o.rabbit_missing);
        continue;
      }
      TRUC_ASSIGN_OR_RETURN(
          PublishResult rabbit,
          PublishConfirmed(o.rabbit->port(), fanout, in_flight,
                           header_bytes.size(), o.window));
      Goal goal = Goal::None();
      if (in_flight == 32) goal = Goal::RatioAtLeast(fanout == 10 ? 3 : 10);
      r->Add(S, "sends/s, " + what, truc, "sends/s",
             absl::StrFormat("RabbitMQ %d quorum queues", fanout),
             rabbit.per_second, goal);
    }
  }
  return w->StopHub();
}

// ---------------------------------------------------------------------------
// 2. Express fan-out.

absl::Status ExpressFanout(const BenchOptions& o, Report* r) {
  const std::string S = "express-fanout";
  const int n = o.quick ? 10 : o.fanout_agencies;
  const int rounds = o.quick ? 3 : 20;
  TRUC_ASSIGN_OR_RETURN(auto w, World::Create(JoinPath(o.run_dir, S)));
  TRUC_RETURN_IF_ERROR(w->StartHub());
  const auto agencies = BenchAgencies(n);
  TRUC_RETURN_IF_ERROR(w->AddAgencies(agencies));
  Progress(absl::StrCat("express fan-out: starting ", n, " agents"));
  for (const auto& a : agencies) TRUC_RETURN_IF_ERROR(w->StartAgent(a.code));
  auto stub = w->Exchange(kOfficeCode);
  auto op = w->Operator();
  const DocumentHeader header =
      BenchHeader(Codes(agencies, n), truc::v1::URGENCY_EXPRESS);
  // Warm-up: every agent must store one document first (they are all up
  // and polling, and their connections are made).
  TRUC_ASSIGN_OR_RETURN(std::string warm, Send(w.get(), stub.get(), header));
  TRUC_RETURN_IF_ERROR(
      WaitAllArrived(op.get(), warm, absl::Seconds(120), absl::Milliseconds(50))
          .status());

  std::vector<double> per_inbox, last_inbox, status_all;
  for (int round = 0; round < rounds; ++round) {
    absl::SleepFor(absl::Milliseconds(300));  // agents back in their polls
    const int64_t t0 = NowMicros();
    const auto s0 = SteadyClock::now();
    TRUC_ASSIGN_OR_RETURN(std::string id, Send(w.get(), stub.get(), header));
    TRUC_ASSIGN_OR_RETURN(
        auto status,
        WaitAllArrived(op.get(), id, absl::Seconds(60), absl::Milliseconds(2)));
    status_all.push_back(MillisSince(s0));
    double last = 0;
    for (const auto& rs : status.recipients()) {
      double ms = (rs.arrived_at().unix_micros() - t0) / 1000.0;
      per_inbox.push_back(ms);
      last = std::max(last, ms);
    }
    last_inbox.push_back(last);
  }
  uint64_t agent_rss = 0;
  for (Process* p : w->Agents())
    agent_rss = std::max(agent_rss, p->PeakRssBytes());

  std::vector<double> rabbit_each, rabbit_last;
  bool have_rabbit = false;
  if (o.rabbit != nullptr) {
    Progress("express fan-out: RabbitMQ");
    TRUC_ASSIGN_OR_RETURN(auto rounds_us,
                          FanoutLatency(o.rabbit->port(), n, 4096, rounds));
    for (const auto& round : rounds_us) {
      double last = 0;
      for (double us : round) {
        rabbit_each.push_back(us / 1000);
        last = std::max(last, us / 1000);
      }
      rabbit_last.push_back(last);
    }
    have_rabbit = true;
  }
  const std::string rabbit_name = absl::StrFormat("RabbitMQ, %d consumers", n);
  auto add = [&](const std::string& figure, double value, double ref,
                 const Goal& goal) {
    if (have_rabbit) {
      r->Add(S, figure, value, "ms", rabbit_name, ref, goal);
    } else {
      r->Add(S, figure, value, "ms", "", 0, goal);
    }
  };
  const std::string each = absl::StrFormat("send -> each of %d inboxes", n);
  add(each + ", p50", Median(per_inbox), Median(rabbit_each), Goal::None());
  add(each + ", p99", Percentile(per_inbox, 99), Percentile(rabbit_each, 99),
      Goal::None());
  add(each + ", max", Percentile(per_inbox, 100), Percentile(rabbit_each, 100),
      Goal::None());
  const std::string last = absl::StrFormat(
      "send -> last of %d inboxes (fsync'd), %d sends", n, rounds);
  add(last + ", p50", Median(last_inbox), Median(rabbit_last), Goal::None());
  add(last + ", p99", Percentile(last_inbox, 99), Percentile(rabbit_last, 99),
      Goal::ValueAtMost(100, "ms"));
  r->Add(S, absl::StrFormat("send -> status shows %d of %d, p99", n, n),
         Percentile(status_all, 99), "ms", "", 0, Goal::None());
  r->Add(S, "agent peak RSS (largest of the agents)", agent_rss / 1e6, "MB", "",
         0, Goal::None());
  if (!have_rabbit) r->Skip(S, rabbit_name, o.rabbit_missing);
  w->StopAgents();
  return w->StopHub();
}

// ---------------------------------------------------------------------------
// 3. Large attachment.

absl::Status WriteRandomFile(const std::string& path, uint64_t bytes) {
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) return ErrnoStatus(errno, "create " + path);
  std::mt19937_64 rng(42);
  std::vector<uint64_t> block((1 << 20) / 8);
  uint64_t written = 0;
  while (written < bytes) {
    for (auto& x : block) x = rng();
    size_t n = std::min<uint64_t>(block.size() * 8, bytes - written);
    if (std::fwrite(block.data(), 1, n, f) != n) {
      std::fclose(f);
      return ErrnoStatus(errno, "write " + path);
    }
    written += n;
  }
  if (std::fclose(f) != 0) return ErrnoStatus(errno, "close " + path);
  return absl::OkStatus();
}

absl::Status LargeAttachment(const BenchOptions& o, Report* r) {
  const std::string S = "large-attachment";
  const uint64_t size = o.quick ? 8 * kMB : o.large_bytes;
  TRUC_ASSIGN_OR_RETURN(auto w, World::Create(JoinPath(o.run_dir, S)));
  TRUC_RETURN_IF_ERROR(w->StartHub());
  const auto agencies = BenchAgencies(3);
  TRUC_RETURN_IF_ERROR(w->AddAgencies(agencies));
  for (const auto& a : agencies) TRUC_RETURN_IF_ERROR(w->StartAgent(a.code));
  const std::string file = w->Path("ban-do-quy-hoach.pdf");
  TRUC_RETURN_IF_ERROR(WriteRandomFile(file, size));

  Progress("large attachment: the ceilings");
  TRUC_ASSIGN_OR_RETURN(
      double tls, TlsStreamRate(w->Tls("hub"), w->Tls(kOfficeCode), size));
  TRUC_ASSIGN_OR_RETURN(double disk, SyncedSequentialWriteRate(w->dir(), size));
  const uint64_t before = DiskBytes(w->DataDir());

  Progress(absl::StrCat("large attachment: ", size / kMB, " MB to 3"));
  auto stub = w->Exchange(kOfficeCode);
  auto op = w->Operator();
  DocumentHeader header =
      BenchHeader(Codes(agencies, 3), truc::v1::URGENCY_NORMAL, 1024);
  std::vector<AttachmentFile> files = {{file, "", "", "Bản đồ quy hoạch"}};
  TRUC_RETURN_IF_ERROR(CompleteHeader(kOfficeCode, files, &header));
  auto start = SteadyClock::now();
  TRUC_ASSIGN_OR_RETURN(
      auto sent,
      SendDocument(stub.get(), w->SignerOf(kOfficeCode), header, files,
                   NewIdempotencyKey(), std::chrono::seconds(1800)));
  double upload_ms = MillisSince(start);
  TRUC_RETURN_IF_ERROR(WaitAllArrived(op.get(), sent.document_id(),
                                      absl::Minutes(30), absl::Milliseconds(10))
                           .status());
  double seconds = MillisSince(start) / 1000;
  const uint64_t after = DiskBytes(w->DataDir());
  uint64_t agent_rss = 0;
  for (Process* p : w->Agents())
    agent_rss = std::max(agent_rss, p->PeakRssBytes());
  const uint64_t hub_rss = w->hub()->PeakRssBytes();

  const double mbps = size / 1e6 / seconds;
  const std::string what =
      absl::StrFormat("%d MB to 3 agencies, send -> 3 inboxes", size / kMB);
  r->Add(S, what, mbps, "MB/s", "bare gRPC stream, same TLS", tls,
         Goal::None());
  r->Add(S, what, mbps, "MB/s", "synced sequential disk write", disk,
         Goal::None());
  r->Add(S, what, mbps, "MB/s", "slower of the two ceilings",
         std::min(tls, disk), Goal::RatioAtLeast(0.5));
  r->Add(S, "upload alone (send -> hub's answer)", size / 1e3 / upload_ms,
         "MB/s", "", 0, Goal::None());
  r->Add(S, "hub peak RSS", hub_rss / 1e6, "MB", "", 0,
         Goal::ValueAtMost(100, "MB"));
  r->Add(S, "agent peak RSS (largest of 3)", agent_rss / 1e6, "MB", "", 0,
         Goal::ValueAtMost(100, "MB"));
  r->Add(S, "hub store growth / attachment size", (after - before) * 1.0 / size,
         "x", "", 0, Goal::ValueAtMost(1.05, "x"),
         absl::StrFormat("%.1f MB added", (after - before) / 1e6));
  w->StopAgents();
  return w->StopHub();
}

// ---------------------------------------------------------------------------
// 4. Growth.

// Fills the stopped hub's store with `n` documents of 10 recipients each,
// through the storage layer with the batches the ledger writes, spread
// over three years before now. Every document is received by all its
// recipients, except every 100th, which one recipient never received (the
// tail of a real store); those are of normal urgency, so that the express
// answer is the same as on the empty store and the figure shows the cost of
// the store's size, not of a longer answer. The store is then compacted,
// as three years of a running hub's background compactions would have left
// it.
absl::Status Preload(const std::string& data_dir, int64_t n,
                     const std::vector<BenchAgency>& agencies) {
  TRUC_ASSIGN_OR_RETURN(auto store,
                        hub::RocksDbStore::Open(JoinPath(data_dir, "db")));
  const int64_t now = NowMicros();
  const int64_t span = int64_t{3} * 365 * 86400 * 1'000'000;
  const std::string header =
      BenchHeader(Codes(agencies, 10), truc::v1::URGENCY_NORMAL, 1500)
          .SerializeAsString();
  constexpr truc::v1::Urgency kMix[] = {
      truc::v1::URGENCY_EXPRESS, truc::v1::URGENCY_VERY_URGENT,
      truc::v1::URGENCY_URGENT,  truc::v1::URGENCY_URGENT,
      truc::v1::URGENCY_NORMAL,  truc::v1::URGENCY_NORMAL,
      truc::v1::URGENCY_NORMAL,  truc::v1::URGENCY_NORMAL,
      truc::v1::URGENCY_NORMAL,  truc::v1::URGENCY_NORMAL};
  std::mt19937_64 rng(7);
  constexpr int kPerBatch = 500;
  auto start = SteadyClock::now();
  for (int64_t base = 0; base < n; base += kPerBatch) {
    hub::WriteBatch b;
    for (int64_t i = base; i < std::min(n, base + kPerBatch); ++i) {
      DocumentRecord doc;
      const int64_t at = now - span + span * i / n - 3'600'000'000;
      doc.set_document_id(
          absl::StrFormat("20240101-%012x", rng() & 0xffffffffffffULL));
      doc.mutable_envelope()->set_header(header);
      const auto& sender = agencies[rng() % agencies.size()].code;
      doc.set_sender(sender);
      doc.set_subject("Về việc báo cáo định kỳ");
      const bool tail = i % 100 == 99;
      doc.set_urgency(tail ? truc::v1::URGENCY_NORMAL : kMix[i % 10]);
      doc.set_accepted_at_micros(at);
      size_t first = rng() % (agencies.size() - 10);
      for (size_t k = 0; k < 10; ++k)
        doc.add_recipients(agencies[first + k].code);
      doc.set_idempotency_key(NewIdempotencyKey());
      doc.set_edxml_document_id(doc.document_id());
      b.Append(hub::Ledger::AcceptBatch(doc));
      for (int k = tail ? 1 : 0; k < 10; ++k) {
        DeliveryRecord d;
        d.set_document_id(doc.document_id());
        d.set_recipient(doc.recipients(k));
        d.set_state(truc::v1::DELIVERY_STATE_QUEUED);
        d.set_queued_at_micros(at);
        d.set_urgency(doc.urgency());
        d.set_doc_accepted_at_micros(at);
        hub::Ledger::AddArrival(at + 1'000'000 + rng() % 600'000'000, &d, &b);
      }
    }
    TRUC_RETURN_IF_ERROR(store->Write(b, {.sync = false}));
    if ((base / kPerBatch) % 200 == 0 && base > 0) {
      Progress(absl::StrFormat("growth: preloaded %d of %d documents (%.0f s)",
                               base, n, MillisSince(start) / 1000));
    }
  }
  Progress(
      absl::StrFormat("growth: preloaded %d documents (%.0f s); compacting", n,
                      MillisSince(start) / 1000));
  return store->CompactAll();
}

struct GrowthFigures {
  double status_ms = 0;
  double pending_ms = 0;
  double send_ms = 0;
  double poll_ms = 0;
  double restart_ms = 0;
};

absl::StatusOr<GrowthFigures> MeasureGrowth(World* w, const std::string& big,
                                            const std::string& poller,
                                            bool quick) {
  GrowthFigures f;
  auto op = w->Operator();
  auto office = w->Exchange(kOfficeCode);
  auto agent = w->Exchange(poller);
  const int k = quick ? 20 : 200;
  std::vector<double> v;
  for (int i = 0; i < k + 10; ++i) {
    auto s = SteadyClock::now();
    TRUC_ASSIGN_OR_RETURN(auto status, GetStatus(op.get(), big));
    if (status.recipient_count() - status.received_count() != 250) {
      return absl::InternalError("the 250-recipient document changed");
    }
    if (i >= 10) v.push_back(MillisSince(s));
  }
  f.status_ms = Median(v);
  v.clear();
  for (int i = 0; i < k / 4 + 5; ++i) {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() +
                     std::chrono::seconds(30));
    truc::v1::ListPendingRequest req;
    req.set_min_urgency(truc::v1::URGENCY_EXPRESS);
    truc::v1::ListPendingResponse resp;
    auto s = SteadyClock::now();
    grpc::Status gs = op->ListPending(&ctx, req, &resp);
    if (!gs.ok()) return FromGrpcStatus(gs);
    if (i >= 5) v.push_back(MillisSince(s));
  }
  f.pending_ms = Median(v);
  v.clear();
  std::vector<double> polls;
  const DocumentHeader one = BenchHeader({poller}, truc::v1::URGENCY_NORMAL);
  for (int i = 0; i < k / 4 + 5; ++i) {
    auto s = SteadyClock::now();
    TRUC_ASSIGN_OR_RETURN(std::string id, Send(w, office.get(), one));
    if (i >= 5) v.push_back(MillisSince(s));
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() +
                     std::chrono::seconds(30));
    truc::v1::PollRequest req;
    req.set_wait_seconds(5);
    truc::v1::PollResponse resp;
    s = SteadyClock::now();
    grpc::Status gs = agent->Poll(&ctx, req, &resp);
    if (!gs.ok()) return FromGrpcStatus(gs);
    if (i >= 5) polls.push_back(MillisSince(s));
    if (resp.deliveries_size() != 1 || resp.deliveries(0).document_id() != id) {
      return absl::InternalError("the poll did not return the one document");
    }
    grpc::ClientContext actx;
    TRUC_ASSIGN_OR_RETURN(truc::v1::AcknowledgeRequest ack,
                          Ack(w, poller, resp.deliveries(0)));
    truc::v1::AcknowledgeResponse aresp;
    gs = agent->Acknowledge(&actx, ack, &aresp);
    if (!gs.ok()) return FromGrpcStatus(gs);
  }
  f.send_ms = Median(v);
  f.poll_ms = Median(polls);
  TRUC_RETURN_IF_ERROR(w->StopHub());
  auto s = SteadyClock::now();
  TRUC_RETURN_IF_ERROR(w->StartHub());
  f.restart_ms = MillisSince(s);
  return f;
}

absl::Status Growth(const BenchOptions& o, Report* r) {
  const std::string S = "growth";
  const int64_t n = o.quick ? 20'000 : o.preload_documents;
  TRUC_ASSIGN_OR_RETURN(auto w, World::Create(JoinPath(o.run_dir, S)));
  TRUC_RETURN_IF_ERROR(w->StartHub());
  const auto agencies = BenchAgencies(251);
  TRUC_RETURN_IF_ERROR(w->AddAgencies(agencies));
  auto office = w->Exchange(kOfficeCode);
  TRUC_ASSIGN_OR_RETURN(
      std::string big,
      Send(w.get(), office.get(),
           BenchHeader(Codes(agencies, 250), truc::v1::URGENCY_EXPRESS)));
  const std::string poller = agencies[250].code;
  Progress("growth: the empty store");
  TRUC_ASSIGN_OR_RETURN(GrowthFigures empty,
                        MeasureGrowth(w.get(), big, poller, o.quick));
  TRUC_RETURN_IF_ERROR(w->StopHub());
  Progress(absl::StrFormat("growth: preloading %d documents", n));
  auto s = SteadyClock::now();
  TRUC_RETURN_IF_ERROR(Preload(
      w->DataDir(), n,
      std::vector<BenchAgency>(agencies.begin(), agencies.begin() + 250)));
  const double preload_s = MillisSince(s) / 1000;
  const uint64_t store_bytes = DiskBytes(w->DataDir());
  TRUC_RETURN_IF_ERROR(w->StartHub());
  Progress("growth: the full store");
  TRUC_ASSIGN_OR_RETURN(GrowthFigures full,
                        MeasureGrowth(w.get(), big, poller, o.quick));
  const std::string at = absl::StrFormat("at %d documents", n);
  r->Add(
      S, "preload through the storage layer", n / preload_s, "docs/s", "", 0,
      Goal::None(),
      absl::StrFormat("%.0f s, store %.0f MB", preload_s, store_bytes / 1e6));
  r->Add(S, "who has not received, 250 recipients, " + at, full.status_ms, "ms",
         "empty store", empty.status_ms, Goal::RatioAtMost(2));
  r->Add(S, "who has not received, 250 recipients, " + at, full.status_ms, "ms",
         "", 0, Goal::ValueAtMost(1, "ms"));
  r->Add(S, "pending --urgency express, " + at, full.pending_ms, "ms",
         "empty store", empty.pending_ms, Goal::RatioAtMost(2));
  r->Add(S, "pending --urgency express, " + at, full.pending_ms, "ms", "", 0,
         Goal::ValueAtMost(50, "ms"));
  r->Add(S, "a send, " + at, full.send_ms, "ms", "empty store", empty.send_ms,
         Goal::RatioAtMost(1.5));
  r->Add(S, "a poll, " + at, full.poll_ms, "ms", "empty store", empty.poll_ms,
         Goal::RatioAtMost(1.5));
  r->Add(S, "hub restart until it serves, " + at, full.restart_ms / 1000, "s",
         "empty store", empty.restart_ms / 1000, Goal::ValueAtMost(2, "s"));
  return w->StopHub();
}

// ---------------------------------------------------------------------------
// 5. Fairness.

// 50 agencies long-poll and acknowledge; the office sends each probe to all
// of them; returns the send -> poll answer times (ms).
absl::StatusOr<std::vector<double>> ProbeArrivals(
    World* w, const std::vector<std::string>& pollers, int probes) {
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
    absl::SleepFor(absl::Milliseconds(250));
  }
  absl::SleepFor(absl::Seconds(2));
  stop = true;
  for (auto& t : threads) t.join();
  TRUC_RETURN_IF_ERROR(send_error);
  absl::MutexLock lock(&mu);
  TRUC_RETURN_IF_ERROR(error);
  std::vector<double> samples;
  for (const auto& [doc, at] : arrivals) {
    auto it = sent_at.find(doc);
    if (it != sent_at.end()) samples.push_back((at - it->second) / 1000.0);
  }
  return samples;
}

absl::Status Fairness(const BenchOptions& o, Report* r) {
  const std::string S = "fairness";
  const int probes = o.quick ? 4 : 40;
  TRUC_ASSIGN_OR_RETURN(auto w, World::Create(JoinPath(o.run_dir, S)));
  TRUC_RETURN_IF_ERROR(w->StartHub());
  const auto agencies = BenchAgencies(61);
  TRUC_RETURN_IF_ERROR(w->AddAgencies(agencies));
  std::vector<std::string> pollers = Codes(agencies, 50);
  const std::string flooder = agencies[50].code;
  std::vector<std::string> flood_to;
  for (int i = 51; i < 61; ++i) flood_to.push_back(agencies[i].code);

  Progress("fairness: quiet");
  TRUC_ASSIGN_OR_RETURN(auto quiet, ProbeArrivals(w.get(), pollers, probes));

  Progress("fairness: one agency floods");
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> flooded{0};
  DocumentHeader flood = BenchHeader(flood_to, truc::v1::URGENCY_NORMAL);
  flood.mutable_from()->set_organ_id(flooder);
  auto flood_stub = w->Exchange(flooder);
  std::vector<std::thread> flooders;
  for (int t = 0; t < 32; ++t) {
    flooders.emplace_back([&] {
      while (!stop.load()) {
        auto s = SendDocument(flood_stub.get(), w->SignerOf(flooder), flood, {},
                              NewIdempotencyKey(), std::chrono::seconds(60));
        if (s.ok()) flooded.fetch_add(1);
      }
    });
  }
  absl::SleepFor(absl::Milliseconds(500));
  auto s = SteadyClock::now();
  auto busy = ProbeArrivals(w.get(), pollers, probes);
  const double flood_rate = flooded.load() / (MillisSince(s) / 1000);
  stop = true;
  for (auto& t : flooders) t.join();
  TRUC_RETURN_IF_ERROR(busy.status());
  const size_t expected = pollers.size() * probes;
  if (quiet.size() != expected || busy->size() != expected) {
    return absl::InternalError(
        absl::StrFormat("fairness: %d and %d arrivals of %d expected",
                        quiet.size(), busy->size(), expected));
  }
  r->Add(S, "50 agencies: send -> poll answer p99, one agency flooding",
         Percentile(*busy, 99), "ms", "same with no flood",
         Percentile(quiet, 99), Goal::RatioAtMost(2));
  r->Add(S, "50 agencies: send -> poll answer p50, one agency flooding",
         Median(*busy), "ms", "same with no flood", Median(quiet),
         Goal::None());
  r->Add(S, "the flood, 32 in flight, 10 recipients", flood_rate, "sends/s", "",
         0, Goal::None());
  return w->StopHub();
}

}  // namespace

const std::vector<Scenario>& Scenarios() {
  static const auto* scenarios = new std::vector<Scenario>{
      {"durable-sends",
       "concurrent 4 KB sends to 10 and 250 recipients, acknowledged once "
       "synced; vs the disk, raw RocksDB and RabbitMQ quorum queues",
       DurableSends},
      {"express-fanout",
       "one express document to 250 real agents, each storing it with "
       "fsync: send -> every inbox; vs RabbitMQ with 250 consumers",
       ExpressFanout},
      {"large-attachment",
       "a 200 MB attachment to 3 agencies: MB/s, peak RSS, store growth; vs "
       "a bare TLS stream and the disk",
       LargeAttachment},
      {"growth",
       "1 M documents preloaded: who has not received, pending, a send, a "
       "poll, a restart; vs the same on an empty store",
       Growth},
      {"fairness",
       "one agency floods sends while 50 others poll: their p99 vs no "
       "flood",
       Fairness},
  };
  return *scenarios;
}

}  // namespace truc::bench
