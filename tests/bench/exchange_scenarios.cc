// Scenarios 1, 2 and 5: durable sends, the express fan-out and fairness.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/evidence.h"
#include "common/exchange_client.h"
#include "common/file_util.h"
#include "common/grpc_status.h"
#include "common/sha256.h"
#include "common/signature.h"
#include "common/status_macros.h"
#include "hub/exchange/audit_log.h"
#include "hub/exchange/ledger.h"
#include "hub/store/key_layout.h"
#include "tests/bench/rabbit.h"
#include "tests/bench/references.h"
#include "tests/bench/scenario_kit.h"

namespace truc::bench {

using truc::internal::DocumentRecord;

// ---------------------------------------------------------------------------
// 1. Durable sends.

absl::Status DurableSends(const BenchOptions& o, Report* r) {
  const std::string S = "durable-sends";
  // What the hub can store for one sender: its per-agency send limits,
  // which keep one agency from taking the hub from the others (scenario
  // 5), are lifted here.
  TRUC_ASSIGN_OR_RETURN(
      auto w,
      World::Create(JoinPath(o.run_dir, S), o.binaries,
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
  TRUC_ASSIGN_OR_RETURN(auto w,
                        World::Create(JoinPath(o.run_dir, S), o.binaries));
  TRUC_RETURN_IF_ERROR(w->StartHub());
  const auto agencies = BenchAgencies(n);
  TRUC_RETURN_IF_ERROR(w->AddAgencies(agencies));
  // The hub's own part first: the bench's threads long-poll as the n
  // agencies (no agents, no disks of theirs), so that the figure is the
  // hub waking and leasing n parked polls.
  Progress(absl::StrCat("express fan-out: ", n, " long polls, no agents"));
  TRUC_ASSIGN_OR_RETURN(Arrivals polls,
                        ProbeArrivals(w.get(), Codes(agencies, n), rounds,
                                      absl::Milliseconds(500)));
  if (polls.each.size() != static_cast<size_t>(n) * rounds) {
    return absl::InternalError(
        absl::StrCat("express fan-out: ", polls.each.size(), " of ", n * rounds,
                     " polls were answered with their document"));
  }
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
  const std::string polled =
      absl::StrFormat("send -> each of %d polls answered (no agents)", n);
  r->Add(S, polled + ", p99", Percentile(polls.each, 99), "ms", "", 0,
         Goal::None());
  r->Add(S,
         absl::StrFormat("send -> last of %d polls answered, %d sends, "
                         "p99",
                         n, rounds),
         Percentile(polls.last, 99), "ms", "", 0, Goal::None());
  r->Add(S, absl::StrFormat("send -> status shows %d of %d, p99", n, n),
         Percentile(status_all, 99), "ms", "", 0, Goal::None());
  r->Add(S, "agent peak RSS (largest of the agents)", agent_rss / 1e6, "MB", "",
         0, Goal::None());
  if (!have_rabbit) r->Skip(S, rabbit_name, o.rabbit_missing);
  w->StopAgents();
  return w->StopHub();
}

// ---------------------------------------------------------------------------
// 5. Fairness.

namespace {}  // namespace

absl::Status Fairness(const BenchOptions& o, Report* r) {
  const std::string S = "fairness";
  const int probes = o.quick ? 4 : 40;
  TRUC_ASSIGN_OR_RETURN(auto w,
                        World::Create(JoinPath(o.run_dir, S), o.binaries));
  TRUC_RETURN_IF_ERROR(w->StartHub());
  const auto agencies = BenchAgencies(61);
  TRUC_RETURN_IF_ERROR(w->AddAgencies(agencies));
  std::vector<std::string> pollers = Codes(agencies, 50);
  const std::string flooder = agencies[50].code;
  std::vector<std::string> flood_to;
  for (int i = 51; i < 61; ++i) flood_to.push_back(agencies[i].code);

  Progress("fairness: quiet");
  TRUC_ASSIGN_OR_RETURN(auto quiet, ProbeArrivals(w.get(), pollers, probes,
                                                  absl::Milliseconds(250)));

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
  auto busy = ProbeArrivals(w.get(), pollers, probes, absl::Milliseconds(250));
  const double flood_rate = flooded.load() / (MillisSince(s) / 1000);
  stop = true;
  for (auto& t : flooders) t.join();
  TRUC_RETURN_IF_ERROR(busy.status());
  const size_t expected = pollers.size() * probes;
  if (quiet.each.size() != expected || busy->each.size() != expected) {
    return absl::InternalError(
        absl::StrFormat("fairness: %d and %d arrivals of %d expected",
                        quiet.each.size(), busy->each.size(), expected));
  }
  r->Add(S, "50 agencies: send -> poll answer p99, one agency flooding",
         Percentile(busy->each, 99), "ms", "same with no flood",
         Percentile(quiet.each, 99), Goal::RatioAtMost(2));
  r->Add(S, "50 agencies: send -> poll answer p50, one agency flooding",
         Median(busy->each), "ms", "same with no flood", Median(quiet.each),
         Goal::None());
  r->Add(S, "the flood, 32 in flight, 10 recipients", flood_rate, "sends/s", "",
         0, Goal::None());
  return w->StopHub();
}

}  // namespace truc::bench
