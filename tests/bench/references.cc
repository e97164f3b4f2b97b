#include "tests/bench/references.h"

#include <fcntl.h>
#include <grpcpp/grpcpp.h>
#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/file_util.h"
#include "common/status_macros.h"
#include "common/tls.h"
#include "hub/store/rocksdb_options.h"
#include "tests/process.h"
#include "truc/bench/bench.grpc.pb.h"

namespace truc::bench {
namespace {

using Clock = std::chrono::steady_clock;

double SecondsSince(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

// The Pipe server: counts the bytes of each stream.
class PipeService : public truc::bench::Pipe::CallbackService {
  grpc::ServerReadReactor<Chunk>* Stream(grpc::CallbackServerContext*,
                                         StreamSummary* summary) override {
    class Reactor : public grpc::ServerReadReactor<Chunk> {
     public:
      explicit Reactor(StreamSummary* s) : summary_(s) { StartRead(&chunk_); }
      void OnReadDone(bool ok) override {
        if (!ok) {
          summary_->set_bytes(bytes_);
          Finish(grpc::Status::OK);
          return;
        }
        bytes_ += chunk_.data().size();
        StartRead(&chunk_);
      }
      void OnDone() override { delete this; }

     private:
      StreamSummary* summary_;
      Chunk chunk_;
      uint64_t bytes_ = 0;
    };
    return new Reactor(summary);
  }
};

}  // namespace

absl::StatusOr<double> FdatasyncRate(const std::string& dir,
                                     size_t record_bytes,
                                     absl::Duration duration) {
  std::string path = JoinPath(dir, "fdatasync.bench");
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return ErrnoStatus(errno, "open " + path);
  std::string record(record_bytes, 'x');
  uint64_t n = 0;
  auto start = Clock::now();
  auto end = start + absl::ToChronoNanoseconds(duration);
  while (Clock::now() < end) {
    if (::write(fd, record.data(), record.size()) !=
            static_cast<ssize_t>(record.size()) ||
        ::fdatasync(fd) != 0) {
      absl::Status s = ErrnoStatus(errno, "write " + path);
      ::close(fd);
      return s;
    }
    ++n;
  }
  double rate = n / SecondsSince(start);
  ::close(fd);
  (void)RemoveAll(path);
  return rate;
}

absl::StatusOr<double> SyncedSequentialWriteRate(const std::string& dir,
                                                 uint64_t total_bytes) {
  std::string path = JoinPath(dir, "sequential.bench");
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return ErrnoStatus(errno, "open " + path);
  std::string block(1 << 20, '\0');
  for (size_t i = 0; i < block.size(); ++i) block[i] = static_cast<char>(i * 7);
  auto start = Clock::now();
  uint64_t written = 0;
  absl::Status status;
  while (written < total_bytes && status.ok()) {
    size_t n = std::min<uint64_t>(block.size(), total_bytes - written);
    if (::write(fd, block.data(), n) != static_cast<ssize_t>(n)) {
      status = ErrnoStatus(errno, "write " + path);
      break;
    }
    written += n;
    if (written % (8 << 20) == 0 && ::fdatasync(fd) != 0)
      status = ErrnoStatus(errno, "fdatasync " + path);
  }
  if (status.ok() && ::fdatasync(fd) != 0)
    status = ErrnoStatus(errno, "fdatasync " + path);
  double seconds = SecondsSince(start);
  ::close(fd);
  (void)RemoveAll(path);
  TRUC_RETURN_IF_ERROR(status);
  return written / 1e6 / seconds;
}

absl::StatusOr<double> RawRocksDbRate(const std::string& dir, int writers,
                                      absl::Duration duration,
                                      const BatchFn& make) {
  std::string path = JoinPath(dir, "raw-rocksdb");
  (void)RemoveAll(path);
  rocksdb::Options options = hub::StoreOptions();
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s = rocksdb::DB::Open(options, path, &raw);
  if (!s.ok()) {
    return absl::UnavailableError(
        absl::StrCat("open raw RocksDB ", path, ": ", s.ToString()));
  }
  std::unique_ptr<rocksdb::DB> db(raw);
  std::atomic<bool> counting{false}, stop{false};
  std::atomic<uint64_t> done{0};
  std::vector<std::string> errors(writers);
  std::vector<std::thread> threads;
  for (int w = 0; w < writers; ++w) {
    threads.emplace_back([&, w] {
      rocksdb::WriteOptions wo;
      wo.sync = true;
      for (uint64_t i = 0; !stop.load(); ++i) {
        rocksdb::WriteBatch wb = hub::ToRocksBatch(make(w, i));
        rocksdb::Status ws = db->Write(wo, &wb);
        if (!ws.ok()) {
          errors[w] = ws.ToString();
          return;
        }
        if (counting.load()) done.fetch_add(1);
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  counting = true;
  auto start = Clock::now();
  std::this_thread::sleep_for(absl::ToChronoNanoseconds(duration));
  uint64_t n = done.load();
  double seconds = SecondsSince(start);
  stop = true;
  for (auto& t : threads) t.join();
  (void)db->Close();
  db.reset();
  (void)RemoveAll(path);
  for (const auto& e : errors) {
    if (!e.empty()) return absl::UnavailableError("raw RocksDB write: " + e);
  }
  return n / seconds;
}

absl::StatusOr<double> TlsStreamRate(const truc::v1::TlsFiles& server_tls,
                                     const truc::v1::TlsFiles& client_tls,
                                     uint64_t total_bytes) {
  TRUC_ASSIGN_OR_RETURN(auto creds, MakeServerCredentials(server_tls));
  PipeService service;
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort("127.0.0.1:0", creds, &port);
  builder.RegisterService(&service);
  builder.SetMaxReceiveMessageSize(64 << 20);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (!server || port == 0)
    return absl::UnavailableError("cannot start the TLS stream reference");
  TRUC_ASSIGN_OR_RETURN(
      auto channel, MakeChannel(absl::StrCat("127.0.0.1:", port), client_tls));
  auto stub = truc::bench::Pipe::NewStub(channel);
  Chunk chunk;
  std::string data(1 << 20, '\0');
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>(i * 13);
  chunk.set_data(data);
  // Connect first, so the handshake is not in the figure.
  channel->WaitForConnected(std::chrono::system_clock::now() +
                            std::chrono::seconds(10));
  grpc::ClientContext ctx;
  StreamSummary summary;
  auto start = Clock::now();
  auto writer = stub->Stream(&ctx, &summary);
  uint64_t sent = 0;
  while (sent < total_bytes) {
    size_t n = std::min<uint64_t>(data.size(), total_bytes - sent);
    if (n < data.size()) chunk.set_data(data.substr(0, n));
    if (!writer->Write(chunk)) break;
    sent += n;
  }
  writer->WritesDone();
  grpc::Status s = writer->Finish();
  double seconds = SecondsSince(start);
  server->Shutdown();
  if (!s.ok() || summary.bytes() != total_bytes) {
    return absl::UnavailableError(
        absl::StrCat("TLS stream reference: ", summary.bytes(), " of ",
                     total_bytes, " bytes arrived: ", s.error_message()));
  }
  return total_bytes / 1e6 / seconds;
}

}  // namespace truc::bench
