// Fixtures for the hub's unit tests: a province of real names over an
// in-memory store (behind a fault-injecting wrapper), a settable clock, and
// a valid document header.
#ifndef TRUC_HUB_HUB_TEST_UTIL_H_
#define TRUC_HUB_HUB_TEST_UTIL_H_

#include <atomic>
#include <memory>

#include "common/sha256.h"
#include "common/test_util.h"
#include "hub/blob_store.h"
#include "hub/directory.h"
#include "hub/fault_store.h"
#include "hub/ledger.h"
#include "hub/memory_store.h"

namespace truc::hub::testing {

inline constexpr char kOffice[] = "000.01.00.H99";   // Văn phòng UBND tỉnh
inline constexpr char kHealth[] = "000.07.00.H99";   // Sở Y tế
inline constexpr char kFinance[] = "000.03.00.H99";  // Sở Tài chính
inline constexpr char kYTich[] = "000.21.30.H99";    // UBND xã Y Tịch

inline truc::v1::DocumentHeader MakeHeader(
    const std::string& from, const std::vector<std::string>& to,
    truc::v1::Urgency urgency = truc::v1::URGENCY_EXPRESS) {
  truc::v1::DocumentHeader h;
  h.mutable_from()->set_organ_id(from);
  h.mutable_from()->set_organ_name("Văn phòng UBND tỉnh Lạng Sơn");
  for (const auto& t : to) h.add_to()->set_organ_id(t);
  h.mutable_code()->set_code_number("123");
  h.mutable_code()->set_code_notation("UBND-VP");
  auto* date = h.mutable_promulgation()->mutable_promulgation_date();
  date->set_year(2026);
  date->set_month(11);
  date->set_day(22);
  h.mutable_promulgation()->set_place("Lạng Sơn");
  h.mutable_document_type()->set_type_name("Công văn");
  h.set_subject("V/v phòng chống bão số 9");
  h.mutable_signer()->set_full_name("Nguyễn Văn An");
  h.set_urgency(urgency);
  return h;
}

inline truc::v1::AttachmentDescriptor Describe(const std::string& name,
                                               const std::string& bytes) {
  truc::v1::AttachmentDescriptor d;
  d.set_name(name);
  d.set_content_type("application/pdf");
  d.set_size(bytes.size());
  d.set_sha256(Sha256::Of(bytes));
  return d;
}

class HubFixture : public ::testing::Test {
 protected:
  void SetUp() override { Open(); }

  // (Re)opens directory and ledger over the same store contents.
  void Open() {
    store_ = std::make_unique<MemoryStore>(data_);
    faulty_ = std::make_unique<FaultInjectingStore>(store_.get());
    auto dir = Directory::Load(
        faulty_.get(), [this] { return now_.load(); }, 900'000'000);
    ASSERT_TRUE(dir.ok()) << dir.status();
    directory_ = std::move(*dir);
    ledger_ = std::make_unique<Ledger>(
        faulty_.get(), directory_.get(), [this] { return now_.load(); },
        LedgerOptions{.lease_micros = 60'000'000});
    auto blobs = BlobStore::Open(tmp_.path());
    ASSERT_TRUE(blobs.ok()) << blobs.status();
    blobs_ = std::move(*blobs);
    if (directory_->List().empty()) {
      ASSERT_TRUE(
          directory_->Register("000.00.00.H99", "UBND tỉnh Lạng Sơn", "").ok());
      ASSERT_TRUE(directory_
                      ->Register(kOffice, "Văn phòng UBND tỉnh Lạng Sơn",
                                 "000.00.00.H99")
                      .ok());
      ASSERT_TRUE(
          directory_->Register(kHealth, "Sở Y tế", "000.00.00.H99").ok());
      ASSERT_TRUE(
          directory_->Register(kFinance, "Sở Tài chính", "000.00.00.H99").ok());
      ASSERT_TRUE(
          directory_->Register(kYTich, "UBND xã Y Tịch", "000.00.00.H99").ok());
    }
  }

  absl::StatusOr<truc::v1::SendResponse> Accept(
      const truc::v1::DocumentHeader& h, const std::string& key) {
    truc::v1::Envelope env;
    h.SerializeToString(env.mutable_header());
    return ledger_->Accept(h.from().organ_id(), key, env, h);
  }

  // Every key of the store, for "nothing was written" checks.
  std::vector<std::string> AllKeys() {
    std::vector<std::string> keys;
    (void)store_->Scan("", "", [&](auto k, auto) {
      keys.emplace_back(k);
      return true;
    });
    return keys;
  }

  std::atomic<int64_t> now_{1795312994LL * 1000000};
  truc::testing::TempDir tmp_;
  std::shared_ptr<MemoryStore::Data> data_ =
      std::make_shared<MemoryStore::Data>();
  std::unique_ptr<MemoryStore> store_;
  std::unique_ptr<FaultInjectingStore> faulty_;
  std::unique_ptr<Directory> directory_;
  std::unique_ptr<Ledger> ledger_;
  std::unique_ptr<BlobStore> blobs_;
};

}  // namespace truc::hub::testing

#endif  // TRUC_HUB_HUB_TEST_UTIL_H_
