// Scenarios 3 and 4: a large attachment and a store three years old.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <random>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/exchange_client.h"
#include "common/file_util.h"
#include "common/grpc_status.h"
#include "common/signature.h"
#include "common/status_macros.h"
#include "hub/exchange/ledger.h"
#include "hub/store/rocksdb_store.h"
#include "tests/bench/references.h"
#include "tests/bench/scenario_kit.h"

namespace truc::bench {

using truc::internal::DeliveryRecord;
using truc::internal::DocumentRecord;

// ---------------------------------------------------------------------------
// 3. Large attachment.

namespace {

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

}  // namespace

absl::Status LargeAttachment(const BenchOptions& o, Report* r) {
  const std::string S = "large-attachment";
  const uint64_t size = o.quick ? 8 * kMB : o.large_bytes;
  TRUC_ASSIGN_OR_RETURN(auto w,
                        World::Create(JoinPath(o.run_dir, S), o.binaries));
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

namespace {

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

}  // namespace

absl::Status Growth(const BenchOptions& o, Report* r) {
  const std::string S = "growth";
  const int64_t n = o.quick ? 20'000 : o.preload_documents;
  TRUC_ASSIGN_OR_RETURN(auto w,
                        World::Create(JoinPath(o.run_dir, S), o.binaries));
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

}  // namespace truc::bench
