// Scenario 7, web-doors: the console's answers under a crowd of idle and
// slow connections against the same with none, in one run, and the hub's
// memory and threads with a thousand live boards open.
#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/strip.h"
#include "common/file_util.h"
#include "common/status_macros.h"
#include "tests/bench/scenario_kit.h"
#include "tests/web_abuse.h"

namespace truc::bench {
namespace {

using truc::testing::Ask;
using truc::testing::Boards;
using truc::testing::Crowd;
using truc::testing::Door;
using truc::testing::SizeOf;

constexpr char kPassword[] = "mat-khau-du-dai-2026";

// Logs the operator in; the session cookie ("truc_session=...").
absl::StatusOr<std::string> LogIn(Door door) {
  const std::string body =
      absl::StrCat(R"({"name":"an.op","password":")", kPassword, "\"}");
  TRUC_ASSIGN_OR_RETURN(
      std::string answer,
      Ask(door,
          absl::StrCat("POST /api/login HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                       "Content-Type: application/json\r\n"
                       "Content-Length: ",
                       body.size(), "\r\nConnection: close\r\n\r\n", body)));
  const size_t at = answer.find("Set-Cookie: ");
  if (!absl::StartsWith(answer, "HTTP/1.1 200") || at == std::string::npos) {
    return absl::InternalError(
        absl::StrCat("the console refused the login: ", answer.substr(0, 300)));
  }
  const size_t from = at + 12;
  return answer.substr(from, answer.find_first_of(";\r", from) - from);
}

// The board loaded `n` times, each on a new connection as a browser's
// first load: the times in ms.
absl::StatusOr<std::vector<double>> BoardLoads(Door door,
                                               const std::string& cookie,
                                               int n) {
  std::vector<double> ms;
  for (int i = 0; i < n; ++i) {
    const SteadyClock::time_point start = SteadyClock::now();
    TRUC_ASSIGN_OR_RETURN(
        std::string answer,
        Ask(door, absl::StrCat("GET /api/board HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                               "Cookie: ",
                               cookie, "\r\nConnection: close\r\n\r\n")));
    ms.push_back(MillisSince(start));
    if (!absl::StartsWith(answer, "HTTP/1.1 200")) {
      return absl::InternalError(
          absl::StrCat("the board did not load: ", answer.substr(0, 300)));
    }
  }
  return ms;
}

}  // namespace

absl::Status WebDoors(const BenchOptions& o, Report* r) {
  const std::string S = "web-doors";
  truc::testing::RaiseOpenFileLimit();
  const int idle_n = o.quick ? 100 : 1000;
  const int slow_n = o.quick ? 20 : 200;
  const int boards_n = o.quick ? 50 : 1000;
  const int loads = o.quick ? 20 : 2000;
  const std::string dir = JoinPath(o.run_dir, S);
  TRUC_ASSIGN_OR_RETURN(
      auto w,
      World::Create(dir, o.binaries,
                    absl::StrCat("console { listen_address: "
                                 "\"127.0.0.1:0\" port_file: \"",
                                 JoinPath(dir, "console.port"), "\" }\n")));
  TRUC_RETURN_IF_ERROR(w->StartHub());
  TRUC_ASSIGN_OR_RETURN(std::string port_text,
                        ReadFile(w->Path("console.port"), 64));
  Door door{0, true};
  if (!absl::SimpleAtoi(absl::StripAsciiWhitespace(port_text), &door.port)) {
    return absl::InternalError("the hub wrote no console port");
  }
  {
    truc::v1::AddAccountRequest req;
    req.set_name("an.op");
    req.set_display_name("Nguyễn Văn An");
    req.set_role(truc::v1::ACCOUNT_ROLE_OPERATOR);
    req.set_password(kPassword);
    grpc::ClientContext ctx;
    truc::v1::AccountPassword out;
    const grpc::Status s = w->Operator()->AddAccount(&ctx, req, &out);
    if (!s.ok()) {
      return absl::InternalError(
          absl::StrCat("AddAccount: ", s.error_message()));
    }
  }
  TRUC_ASSIGN_OR_RETURN(const std::string cookie, LogIn(door));

  TRUC_ASSIGN_OR_RETURN(std::vector<double> quiet,
                        BoardLoads(door, cookie, loads));
  Progress(absl::StrFormat("web-doors: %d board loads without a crowd", loads));
  // The boards first, on a hub the crowd has not grown: its memory with
  // them against without. Closed again before the crowd comes.
  TRUC_ASSIGN_OR_RETURN(auto before, SizeOf(w->hub()->pid()));
  {
    Boards boards(door, cookie);
    const int opened = boards.Open(boards_n);
    if (opened != boards_n) {
      return absl::InternalError(absl::StrCat(
          "only ", opened, " of ", boards_n,
          " live boards opened: ", boards.refused().substr(0, 300)));
    }
    TRUC_ASSIGN_OR_RETURN(auto after, SizeOf(w->hub()->pid()));
    r->Add(S,
           absl::StrFormat("hub resident memory, %d live boards open", opened),
           static_cast<double>(after.rss_kib) / 1024, "MiB", "no board open",
           static_cast<double>(before.rss_kib) / 1024, Goal::None());
    r->Add(S, absl::StrFormat("hub threads, %d live boards open", opened),
           after.threads, "threads", "no board open", before.threads,
           Goal::RatioAtMost(1.1));
  }
  {
    Crowd idle(door, Crowd::Options{.kind = Crowd::Kind::kIdle,
                                    .connections = idle_n,
                                    .per_address = 50,
                                    .first_address = 10});
    Crowd slow(door, Crowd::Options{.kind = Crowd::Kind::kSlow,
                                    .connections = slow_n,
                                    .per_address = 50,
                                    .first_address = 40,
                                    .byte_every = absl::Seconds(2)});
    idle.Start();
    slow.Start();
    const absl::Time deadline = absl::Now() + absl::Seconds(60);
    while (absl::Now() < deadline &&
           (idle.counts().opened < static_cast<uint64_t>(idle_n) ||
            slow.counts().opened < static_cast<uint64_t>(slow_n))) {
      absl::SleepFor(absl::Milliseconds(50));
    }
    // Past the first deadlines, so that the loads meet a crowd being
    // dropped and coming back, as it would.
    absl::SleepFor(o.quick ? absl::Seconds(1) : absl::Seconds(6));
    Progress(
        absl::StrFormat("web-doors: the crowd is at the door (%d idle, "
                        "%d slow)",
                        idle.counts().open, slow.counts().open));
    TRUC_ASSIGN_OR_RETURN(std::vector<double> crowded,
                          BoardLoads(door, cookie, loads));
    const Crowd::Counts i = idle.counts();
    r->Add(S,
           absl::StrFormat("console board load p99, %d idle + %d slow "
                           "connections at the door",
                           idle_n, slow_n),
           Percentile(crowded, 99), "ms", "the same, no crowd",
           Percentile(quiet, 99), Goal::RatioAtMost(2),
           absl::StrFormat("%lu idle connections dropped by the hub's "
                           "deadlines meanwhile",
                           static_cast<unsigned long>(i.dropped)));
  }

  return w->StopHub();
}

}  // namespace truc::bench
