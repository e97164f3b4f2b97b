#include "tests/federation.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/file_util.h"

namespace truc::testing {

std::string Stored(Province& p, const std::string& code, const std::string& id,
                   const std::string& file) {
  auto bytes =
      ReadFile(p.AgentDir(code) + "/inbox/" + id + "/attachments/" + file);
  return bytes.ok() ? *bytes : std::string("(missing: ") + file + ")";
}

int Times(Province& p, const std::string& id, const std::string& recipient,
          truc::v1::EdxmlStatus status) {
  auto s = p.Status(id);
  if (!s.ok()) return -1;
  int n = 0;
  for (const auto& r : s->recipients()) {
    if (r.organ_id() != recipient) continue;
    for (const auto& e : r.history()) n += e.status() == status;
  }
  return n;
}

std::string ProvinceAxisOrgan(const std::string& agency_code) {
  return absl::StrCat("000.00.00.",
                      agency_code.substr(agency_code.rfind('.') + 1));
}

Country::Country() {
  LoopbackOptions options;
  options.ca_name = "CA trục quốc gia";
  options.operator_name = "quan-tri";
  options.operator_common_name = "Quản trị trục quốc gia";
  national_ = std::make_unique<Province>(options);
}

Country::~Country() {
  for (auto& [name, bridge] : bridges_) {
    if (bridge) bridge->Stop(std::chrono::seconds(3));
  }
}

Province& Country::AddProvince(const std::string& bridge,
                               const std::string& ca_name,
                               std::vector<AgencyEntry> agencies,
                               Upstream upstream) {
  LoopbackOptions options;
  options.ca_name = ca_name;
  auto p = std::make_unique<Province>(options);
  Province& out = *p;
  provinces_[bridge] = std::move(p);
  agencies_[bridge] = std::move(agencies);
  ca_names_[bridge] = ca_name;
  upstreams_[bridge] = upstream;
  return out;
}

bool Country::any_axis() const {
  for (const auto& [bridge, upstream] : upstreams_) {
    if (upstream == Upstream::kAxisApi) return true;
  }
  return false;
}

void Country::AddNational(std::vector<AgencyEntry> agencies) {
  national_agencies_ = std::move(agencies);
}

void Country::Start() {
  // Each hub is given the CAs of the others: a sender's own signature is
  // checked end to end wherever its document arrives.
  auto federated = [&](Province* self) {
    std::string conf;
    for (Province* p : [&] {
           std::vector<Province*> all = {national_.get()};
           for (auto& [b, q] : provinces_) all.push_back(q.get());
           return all;
         }()) {
      if (p != self)
        absl::StrAppend(&conf, "federated_ca_certs: \"", p->Path("ca.crt"),
                        "\"\n");
    }
    return conf;
  };
  // Each hub is named as the others show it: "Trục tỉnh Hải Dương".
  auto named = [](const std::string& ca_name) {
    return absl::StrCat("name: \"Trục ", absl::StripPrefix(ca_name, "CA "),
                        "\"\n");
  };
  // Each hub's OrganId as an axis, in the trace of what it hands on: the
  // national axis's, and each province's from its agencies' codes
  // (000.00.00.<province>).
  auto organ = [](const std::string& code) {
    return absl::StrCat("axis_organ_id: \"", code, "\"\n");
  };
  national_->WriteHubConfig(
      federated(national_.get()) + named("CA trục quốc gia") +
      organ(kNationalAxisOrgan) +
      (any_axis()
           ? absl::StrCat("axis_api { listen_address: \"127.0.0.1:",
                          axis_port_ = FreePort({national_->port()}), "\" }\n")
           : ""));
  for (auto& [bridge, p] : provinces_) {
    const bool axis = upstreams_[bridge] == Upstream::kAxisApi;
    const std::string& code = agencies_[bridge].front().code;
    p->WriteHubConfig((axis ? "" : federated(p.get())) +
                      named(ca_names_[bridge]) +
                      organ(ProvinceAxisOrgan(code)));
  }
  national_->StartHub();
  for (const auto& a : national_agencies_) national_->Register(a.code, a.name);
  for (auto& [bridge, p] : provinces_) {
    p->StartHub();
    // The province's bridge: a certificate from each CA.
    p->IssueFile(absl::StrCat("bridge-", kToNational),
                 {Role::kBridge, kToNational, "Cầu nối trục quốc gia"});
    national_->IssueFile(
        absl::StrCat("bridge-", bridge),
        {Role::kBridge, bridge, absl::StrCat("Cầu nối ", bridge)});
    for (const auto& a : agencies_[bridge]) {
      p->Register(a.code, a.name);
      national_->RegisterRemote(a.code, a.name, bridge);
    }
  }
}

int Country::AgenciesKnown(Province& p) {
  auto op = p.Operator();
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  truc::v1::ListAgenciesResponse list;
  if (!op->ListAgencies(&ctx, truc::v1::ListAgenciesRequest(), &list).ok())
    return -1;
  return list.agencies_size();
}

int Country::AgenciesInCountry() const {
  size_t n = national_agencies_.size();
  for (const auto& [bridge, agencies] : agencies_) n += agencies.size();
  return static_cast<int>(n);
}

std::string Country::BridgeDir(const std::string& bridge) {
  return provinces_[bridge]->Path("bridge");
}

void Country::StartBridge(const std::string& bridge,
                          std::map<std::string, std::string> env, bool wait) {
  Province& p = *provinces_[bridge];
  const std::string dir = BridgeDir(bridge);
  ASSERT_TRUE(MakeDirectories(dir).ok());
  const std::string local = absl::StrCat("bridge-", kToNational);
  const std::string up = absl::StrCat("bridge-", bridge);
  std::string upstream;
  if (upstreams_[bridge] == Upstream::kAxisApi) {
    // A system of the bridge's own at the national hub's API door, added
    // once; its profile is the upstream.
    const std::string profile = dir + "/national.axis";
    if (!ReadFile(profile).ok()) {
      RunResult added = national_->Truc(
          national_->Profile("operator"),
          {"system", "add", "--bridge", bridge, "--name",
           absl::StrCat("truc-bridge ", ca_names_[bridge]), "--profile-out",
           profile, "--url", absl::StrCat("https://127.0.0.1:", axis_port_),
           "--ca", national_->Path("ca.crt")});
      ASSERT_EQ(added.exit_code, 0) << added.out << added.err;
    }
    auto text = ReadFile(profile);
    ASSERT_TRUE(text.ok()) << text.status();
    upstream = absl::StrCat("upstream_axis {\n", *text, "}\nspool_dir: \"", dir,
                            "/spool\"\ncall_timeout_seconds: 3\n");
  } else {
    upstream =
        absl::StrCat("upstream_hub {\n  address: \"", national_->address(),
                     "\"\n  tls { ca_cert: \"", national_->Path("ca.crt"),
                     "\" cert: \"", national_->Path(up + ".crt"), "\" key: \"",
                     national_->Path(up + ".key"), "\" }\n}\n");
  }
  const std::string conf = absl::StrCat(
      "hub {\n  address: \"", p.address(), "\"\n  tls { ca_cert: \"",
      p.Path("ca.crt"), "\" cert: \"", p.Path(local + ".crt"), "\" key: \"",
      p.Path(local + ".key"), "\" }\n}\n", upstream,
      "poll_wait_seconds: 5\nretry_initial_millis: 100\n",
      "retry_max_millis: 1000\nstatus_scan_millis: 200\n",
      "directory_sync_seconds: 1\n");
  ASSERT_TRUE(WriteFileDurably(dir + "/bridge.conf", conf).ok());
  bridges_[bridge] = std::make_unique<Process>(
      std::vector<std::string>{TRUC_BRIDGE_BIN, "run", "--config",
                               dir + "/bridge.conf"},
      dir + "/bridge.log", std::move(env));
  ASSERT_TRUE(bridges_[bridge]->running())
      << "truc-bridge did not start; see " << dir << "/bridge.log";
  if (!wait) return;
  ASSERT_TRUE(WaitFor([&] { return AgenciesKnown(p) == AgenciesInCountry(); },
                      std::chrono::seconds(30)))
      << "the hub of " << bridge << " knows " << AgenciesKnown(p) << " of "
      << AgenciesInCountry() << " agencies; see " << dir << "/bridge.log";
}

void Country::StartBridges() {
  for (auto& [bridge, p] : provinces_) StartBridge(bridge);
}

int Country::StopBridge(const std::string& bridge) {
  auto& b = bridges_[bridge];
  if (!b) return -1;
  int code = b->Stop(std::chrono::seconds(10));
  b.reset();
  return code;
}

void Country::KillBridge(const std::string& bridge) {
  auto& b = bridges_[bridge];
  if (b) b->Kill9();
  b.reset();
}

}  // namespace truc::testing
