// A country on loopback for the federation tests: a national hub (its own
// CA) and province hubs (each its own CA), each province linked to the
// national one by a real truc-bridge process. The national hub's operator
// registers every agency: its own as local, each province's as beyond
// that province's bridge. A province's operator registers only its own;
// its bridge mirrors the rest from the national directory (as beyond its
// bridge to the national tier, "quoc-gia"). The bridge binary comes from
// the build (TRUC_BRIDGE_BIN, set by CMake).
//
// Thread-safety: one controlling thread.
#ifndef TRUC_TESTS_FEDERATION_H_
#define TRUC_TESTS_FEDERATION_H_

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "tests/process.h"
#include "tests/province.h"

namespace truc::testing {

// The bridge's name at a province hub, for everything beyond it.
inline constexpr char kToNational[] = "quoc-gia";
// The national hub's OrganId as an axis (its axis_organ_id), and a
// province hub's: 000.00.00.<the province's part of its agencies' codes>.
inline constexpr char kNationalAxisOrgan[] = "000.00.00.A00";
std::string ProvinceAxisOrgan(const std::string& agency_code);

struct AgencyEntry {
  std::string code;
  std::string name;
};

// The attachment `file` of document `id` as `code`'s agent at `p` stored
// it, or "(missing: <file>)".
std::string Stored(Province& p, const std::string& code, const std::string& id,
                   const std::string& file);
// How many times `recipient` has `status` in the history of `id` at `p`
// (-1 if the status cannot be read).
int Times(Province& p, const std::string& id, const std::string& recipient,
          truc::v1::EdxmlStatus status);

class Country {
 public:
  // Creates the national hub's folder and CA ("CA trục quốc gia").
  Country();
  ~Country();  // stops the bridges, then the provinces' and national hubs

  Province& national() { return *national_; }
  // The national hub's API door (with a province on it), or 0.
  int axis_port() const { return axis_port_; }
  // A province by its bridge's name at the national hub ("lang-son").
  Province& province(const std::string& bridge) { return *provinces_[bridge]; }

  // How a province's bridge reaches the national tier: its Bridge service
  // (a certificate of the national CA), or the national axis's HTTP API
  // that the national hub serves (a system added with `truc system add
  // --bridge`). A province on the API is given no federated CAs: what
  // comes through the API carries no sender's signature to check.
  enum class Upstream { kHub, kAxisApi };

  // Adds a province, its own CA named `ca_name`, whose bridge is `bridge`
  // at the national hub; `agencies` are its own.
  Province& AddProvince(const std::string& bridge, const std::string& ca_name,
                        std::vector<AgencyEntry> agencies,
                        Upstream upstream = Upstream::kHub);
  // The national tier's own agencies.
  void AddNational(std::vector<AgencyEntry> agencies);

  // Starts every hub (each named "Trục" and its CA's name without "CA ",
  // and given the others' CAs as federated_ca_certs),
  // issues the certificates of every agency and bridge, and registers the
  // agencies (above).
  void Start();

  // <province dir>/bridge/bridge.conf, and starts truc-bridge for it (with
  // `env` added to its environment), logging to bridge.log beside it.
  // Unless `wait` is false, waits (30 s at most) until the province's hub
  // knows every agency of the country.
  void StartBridge(const std::string& bridge,
                   std::map<std::string, std::string> env = {},
                   bool wait = true);
  void StartBridges();
  int StopBridge(const std::string& bridge);   // SIGTERM; the exit code
  void KillBridge(const std::string& bridge);  // kill -9
  Process* bridge_process(const std::string& bridge) {
    return bridges_[bridge].get();
  }
  std::string BridgeDir(const std::string& bridge);
  // How many agencies the hub of `p` knows (local and beyond).
  static int AgenciesKnown(Province& p);
  int AgenciesInCountry() const;

 private:
  std::unique_ptr<Province> national_;
  std::vector<AgencyEntry> national_agencies_;
  std::map<std::string, std::unique_ptr<Province>> provinces_;
  std::map<std::string, std::vector<AgencyEntry>> agencies_;
  std::map<std::string, std::string> ca_names_;
  std::map<std::string, Upstream> upstreams_;
  // The national hub's API door, the same port across its restarts.
  int axis_port_ = 0;
  bool any_axis() const;
  std::map<std::string, std::unique_ptr<Process>> bridges_;
};

}  // namespace truc::testing

#endif  // TRUC_TESTS_FEDERATION_H_
