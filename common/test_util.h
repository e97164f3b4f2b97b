// Test helpers shared by the unit tests: a fresh temporary directory and
// status matchers (newer Abseil ships StatusIs; 20220623 does not).
#ifndef TRUC_COMMON_TEST_UTIL_H_
#define TRUC_COMMON_TEST_UTIL_H_

#include <stdlib.h>

#include <string>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "common/file_util.h"
#include "common/pki.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace truc::testing {

// A directory under $TMPDIR (or /tmp) removed when the object dies.
class TempDir {
 public:
  TempDir() {
    const char* base = getenv("TMPDIR");
    std::string tmpl = std::string(base ? base : "/tmp") + "/truc-test-XXXXXX";
    char* p = mkdtemp(tmpl.data());
    if (p == nullptr) abort();
    path_ = p;
  }
  ~TempDir() { (void)RemoveAll(path_); }
  const std::string& path() const { return path_; }
  std::string Sub(absl::string_view name) const {
    return JoinPath(path_, name);
  }
  // Writes `text` as file `name` here (mode 0600); fails the test on an
  // error.
  void Write(const std::string& name, const std::string& text) const {
    absl::Status written = WriteFileDurably(Sub(name), text, 0600);
    ASSERT_TRUE(written.ok()) << written;
  }
  // Issues a certificate from `ca` and writes it and its key here as
  // <file>.crt and <file>.key.
  void Issue(const KeyAndCert& ca, const std::string& file,
             const IssueRequest& req) const {
    auto kc = IssueCertificate(ca, req);
    ASSERT_TRUE(kc.ok()) << kc.status();
    Write(file + ".crt", kc->cert_pem);
    Write(file + ".key", kc->key_pem);
  }

 private:
  std::string path_;
};

MATCHER_P2(StatusIs, code, substring,
           "status " + ::testing::PrintToString(code) + " containing \"" +
               std::string(substring) + "\"") {
  const absl::Status& s = [&]() -> absl::Status {
    if constexpr (std::is_same_v<std::decay_t<decltype(arg)>, absl::Status>) {
      return arg;
    } else {
      return arg.status();
    }
  }();
  *result_listener << "status is " << s;
  return s.code() == code && absl::StrContains(s.message(), substring);
}

#define TRUC_ASSERT_OK(expr)                         \
  do {                                               \
    const ::absl::Status truc_s_ = (expr);           \
    ASSERT_TRUE(truc_s_.ok()) << truc_s_.ToString(); \
  } while (0)

#define TRUC_EXPECT_OK(expr)                         \
  do {                                               \
    const ::absl::Status truc_s_ = (expr);           \
    EXPECT_TRUE(truc_s_.ok()) << truc_s_.ToString(); \
  } while (0)

}  // namespace truc::testing

#endif  // TRUC_COMMON_TEST_UTIL_H_
