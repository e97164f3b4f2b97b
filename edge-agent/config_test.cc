#include "edge-agent/config.h"

#include <unistd.h>

#include "absl/strings/str_cat.h"
#include "common/file_util.h"
#include "common/test_util.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace truc::agent {
namespace {

using truc::testing::StatusIs;
using truc::testing::TempDir;

class ConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // The TLS files the configurations below name: their content is
    // checked only for being PEM here.
    TRUC_ASSERT_OK(MakeDirectories(tmp_.Sub("pki")));
    TRUC_ASSERT_OK(MakeDirectories(tmp_.Sub("keys")));
    for (const char* name :
         {"pki/ca.pem", "pki/so-y-te.pem", "keys/key.pem", "a", "b", "c"}) {
      TRUC_ASSERT_OK(WriteFileDurably(tmp_.Sub(name),
                                      "-----BEGIN CERTIFICATE-----\nAA==\n"
                                      "-----END CERTIFICATE-----\n"));
    }
  }
  std::string Write(const std::string& text) {
    std::string path = tmp_.Sub("agent.conf");
    EXPECT_TRUE(WriteFileDurably(path, text).ok());
    return path;
  }
  // A good configuration; its key is named by an absolute path.
  std::string Good() {
    return absl::StrCat(
        R"pb(
          hub_address: "127.0.0.1:7443"
          tls { ca_cert: "pki/ca.pem" cert: "pki/so-y-te.pem" key: ")pb",
        tmp_.Sub("keys/key.pem"), R"pb(" }
                                       base_dir: "dữ liệu"
                                       sent_dir: "/srv/truc/đã gửi"
        )pb");
  }
  TempDir tmp_;
};

TEST_F(ConfigTest, ResolvesPathsAndAppliesDefaults) {
  absl::StatusOr<AgentSettings> s = LoadAgentConfig(Write(Good()));
  TRUC_ASSERT_OK(s.status());
  const std::string dir = tmp_.path();
  EXPECT_EQ(s->hub_address, "127.0.0.1:7443");
  EXPECT_EQ(s->tls.ca_cert(), dir + "/pki/ca.pem");
  EXPECT_EQ(s->tls.cert(), dir + "/pki/so-y-te.pem");
  EXPECT_EQ(s->tls.key(), dir + "/keys/key.pem");
  EXPECT_EQ(s->folders.inbox, dir + "/dữ liệu/inbox");
  EXPECT_EQ(s->folders.outbox, dir + "/dữ liệu/outbox");
  EXPECT_EQ(s->folders.sent, "/srv/truc/đã gửi");
  EXPECT_EQ(s->folders.failed, dir + "/dữ liệu/failed");
  EXPECT_EQ(s->folders.state, dir + "/dữ liệu/state");
  EXPECT_EQ(s->folders.received(), dir + "/dữ liệu/state/received");
  EXPECT_EQ(s->poll_wait_seconds, 30u);
  EXPECT_EQ(s->outbox_scan, absl::Milliseconds(1000));
  EXPECT_EQ(s->retry_initial, absl::Milliseconds(200));
  EXPECT_EQ(s->retry_max, absl::Milliseconds(30000));
}

TEST_F(ConfigTest, WrongFieldIsNamedWithItsLine) {
  std::string path = Write(
      "hub_adress: \"127.0.0.1:7443\"\n"
      "base_dir: \"data\"\n");
  EXPECT_THAT(LoadAgentConfig(path),
              StatusIs(absl::StatusCode::kInvalidArgument, "agent.conf:1:"));
  EXPECT_THAT(LoadAgentConfig(path),
              StatusIs(absl::StatusCode::kInvalidArgument, "hub_adress"));
}

TEST_F(ConfigTest, MissingHubAddressIsNamed) {
  EXPECT_THAT(
      LoadAgentConfig(Write("base_dir: \"data\"\n")),
      StatusIs(absl::StatusCode::kInvalidArgument, "hub_address is required"));
}

TEST_F(ConfigTest, MissingTlsAndBaseDirAreNamed) {
  EXPECT_THAT(
      LoadAgentConfig(Write("hub_address: \"h:1\"\nbase_dir: \"data\"\n")),
      StatusIs(absl::StatusCode::kInvalidArgument, "tls is required"));
  EXPECT_THAT(
      LoadAgentConfig(Write("hub_address: \"h:1\"\n"
                            "tls { ca_cert: \"a\" cert: \"b\" }\n"
                            "base_dir: \"data\"\n")),
      StatusIs(absl::StatusCode::kInvalidArgument, "tls.key is required"));
  EXPECT_THAT(
      LoadAgentConfig(Write("hub_address: \"h:1\"\n"
                            "tls { ca_cert: \"a\" cert: \"b\" key: \"c\" }\n")),
      StatusIs(absl::StatusCode::kInvalidArgument, "base_dir is required"));
}

TEST_F(ConfigTest, OutOfRangeValuesAreNamed) {
  std::string base = Good();
  EXPECT_THAT(LoadAgentConfig(Write(base + "poll_wait_seconds: 900\n")),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "poll_wait_seconds must be 1..600, not 900"));
  EXPECT_THAT(LoadAgentConfig(Write(base + "retry_initial_millis: 5000\n"
                                           "retry_max_millis: 1000\n")),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "retry_max_millis (1000) must not be less than "
                       "retry_initial_millis (5000)"));
}

TEST_F(ConfigTest, AHubAddressWithoutAPortIsRefused) {
  for (const char* bad : {"h", "h:", "h:99999", "h:65536", "h:abc", "h:0"}) {
    EXPECT_THAT(LoadAgentConfig(Write(absl::StrCat(
                    "hub_address: \"", bad,
                    "\"\ntls { ca_cert: \"a\" cert: \"b\" key: \"c\" }\n"
                    "base_dir: \"data\"\n"))),
                StatusIs(absl::StatusCode::kInvalidArgument,
                         absl::StrCat("hub_address \"", bad, "\"")));
  }
}

TEST_F(ConfigTest, AMissingTlsFileIsNamedByItsField) {
  EXPECT_THAT(
      LoadAgentConfig(Write("hub_address: \"h:1\"\n"
                            "tls { ca_cert: \"a\" cert: \"none.crt\" key: "
                            "\"c\" }\nbase_dir: \"data\"\n")),
      StatusIs(absl::StatusCode::kInvalidArgument,
               absl::StrCat("tls.cert: open ", tmp_.Sub("none.crt"))));
  EXPECT_THAT(
      LoadAgentConfig(Write("hub_address: \"h:1\"\n"
                            "tls { ca_cert: \"a\" cert: \"b\" key: \"c\" }\n"
                            "signing { cert: \"b\" key: \"gone.key\" }\n"
                            "base_dir: \"data\"\n")),
      StatusIs(absl::StatusCode::kInvalidArgument, "signing.key: open "));
  TRUC_ASSERT_OK(WriteFileDurably(tmp_.Sub("text.crt"), "not a certificate"));
  EXPECT_THAT(
      LoadAgentConfig(Write("hub_address: \"h:1\"\n"
                            "tls { ca_cert: \"text.crt\" cert: \"b\" key: "
                            "\"c\" }\nbase_dir: \"data\"\n")),
      StatusIs(absl::StatusCode::kInvalidArgument, "is not a PEM file"));
}

TEST_F(ConfigTest, MissingFileIsNotFound) {
  EXPECT_THAT(
      LoadAgentConfig(tmp_.Sub("none.conf")),
      StatusIs(absl::StatusCode::kNotFound, "none.conf does not exist"));
}

TEST_F(ConfigTest, CreateFoldersMakesTheLayout) {
  absl::StatusOr<AgentSettings> s = LoadAgentConfig(
      Write("hub_address: \"h:1\"\ntls { ca_cert: \"a\" cert: \"b\" key: \"c\" "
            "}\nbase_dir: \"Sở Y tế\"\n"));
  TRUC_ASSERT_OK(s.status());
  TRUC_ASSERT_OK(CreateFolders(s->folders));
  for (const std::string& d :
       {s->folders.inbox, s->folders.outbox, s->folders.sent, s->folders.failed,
        s->folders.received(), s->folders.incoming()}) {
    EXPECT_TRUE(PathExists(d)) << d;
  }
  // Keys live in the outbox folders now; no state/outbox-keys.
  EXPECT_FALSE(PathExists(JoinPath(s->folders.state, "outbox-keys")));
}

TEST_F(ConfigTest, FoldersMustBeDistinctAndNotInsideOneAnother) {
  const std::string head =
      "hub_address: \"h:1\"\ntls { ca_cert: \"a\" cert: \"b\" key: \"c\" "
      "}\nbase_dir: \"data\"\n";
  const std::string dir = tmp_.path();
  // The same folder, written differently.
  EXPECT_THAT(
      LoadAgentConfig(Write(head + "inbox_dir: \"chung\"\n"
                                   "outbox_dir: \"./chung/\"\n")),
      StatusIs(absl::StatusCode::kInvalidArgument,
               absl::StrCat("inbox_dir and outbox_dir are the same folder (",
                            dir, "/chung)")));
  // A configured folder equal to a default one.
  EXPECT_THAT(LoadAgentConfig(Write(head + "failed_dir: \"data/sent\"\n")),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "sent_dir and failed_dir are the same folder"));
  // One inside another, either way round.
  EXPECT_THAT(
      LoadAgentConfig(Write(head + "state_dir: \"data/inbox/state\"\n")),
      StatusIs(absl::StatusCode::kInvalidArgument,
               absl::StrCat("state_dir (", dir,
                            "/data/inbox/state) is inside inbox_dir (", dir,
                            "/data/inbox)")));
  EXPECT_THAT(
      LoadAgentConfig(Write(head + "sent_dir: \"data\"\n")),
      StatusIs(absl::StatusCode::kInvalidArgument,
               "inbox_dir (" + dir + "/data/inbox) is inside sent_dir"));
  // Through a symbolic link.
  ASSERT_EQ(::symlink("data", tmp_.Sub("link").c_str()), 0);
  TRUC_ASSERT_OK(MakeDirectories(tmp_.Sub("data")));
  EXPECT_THAT(LoadAgentConfig(Write(head + "outbox_dir: \"link/inbox\"\n")),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "inbox_dir and outbox_dir are the same folder"));
  // A common prefix is not containment.
  TRUC_EXPECT_OK(
      LoadAgentConfig(Write(head + "outbox_dir: \"data/inbox2\"\n")).status());
}

}  // namespace
}  // namespace truc::agent
