#include "common/event_log.h"

#include "gtest/gtest.h"

namespace truc {
namespace {

TEST(EventLogTest, OneLinePerEventQuotedWhereNeeded) {
  std::string out;
  EventLog log("truc-agent", "000.07.00.H99",
               [&](const std::string& line) { out += line; });
  log.Event("stored", {{"document", "D1"},
                       {"folder", "/srv/Sở Y tế/inbox/D1"},
                       {"error", "dòng 1\ndòng \"2\""},
                       {"empty", ""}});
  EXPECT_EQ(out,
            "truc-agent agency=000.07.00.H99 event=stored document=D1 "
            "folder=\"/srv/Sở Y tế/inbox/D1\" "
            "error=\"dòng 1\\ndòng \\\"2\\\"\" empty=\"\"\n");
}

TEST(EventLogTest, WithoutAnAgencyTheProgramLeads) {
  std::string out;
  EventLog log("truc-hub", "", [&](const std::string& line) { out += line; });
  log.Event(
      "console_login_failed",
      {{"account", "an op"}, {"reason", "wrong account name or password"}});
  EXPECT_EQ(out,
            "truc-hub event=console_login_failed account=\"an op\" "
            "reason=\"wrong account name or password\"\n");
}

}  // namespace
}  // namespace truc
