// The national axis's request signing, in one place for the client
// (common/axis/client.h) and the hub's door (hub/axis/): as VNPT's public
// SDK (SDKVXP 2.0.1) does it, read from its compiled classes
// (docs/AXIS-API.md says what is confirmed and what is assumed).
//
// Every parameter travels as an HTTP header (from, servicetype,
// messagetype, docId, status, to, and the fixed systemid and timestamp;
// hash-file, the hex SHA-256 of the file, for a call that sends one). For
// each of them the client adds a copy named "XroadVnpt-<name>", and then:
//   XroadVnpt-sign-header      the JSON object {"<name>":"<value>",...} of
//                              those parameters, in the order of
//   XroadVnpt-sign-header-key  their names joined by ';'
//   XroadVnpt-hash-header      hex HMAC-SHA256(secret, the sign-header
//                              JSON exactly as sent)
// The body is covered through hash-file, which is inside the MAC.
//
// Thread-safety: pure functions, thread-safe.
#ifndef TRUC_COMMON_AXIS_SIGNING_H_
#define TRUC_COMMON_AXIS_SIGNING_H_

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace truc::axis {

inline constexpr char kCopyPrefix[] = "XroadVnpt-";
inline constexpr char kSignHeader[] = "XroadVnpt-sign-header";
inline constexpr char kSignHeaderKey[] = "XroadVnpt-sign-header-key";
inline constexpr char kHashHeader[] = "XroadVnpt-hash-header";

// The parameter names, as the SDK writes them.
inline constexpr char kFrom[] = "from";
inline constexpr char kTo[] = "to";
inline constexpr char kServiceType[] = "servicetype";
inline constexpr char kMessageType[] = "messagetype";
inline constexpr char kDocId[] = "docId";
inline constexpr char kStatus[] = "status";
inline constexpr char kSystemId[] = "systemid";
inline constexpr char kTimestamp[] = "timestamp";
inline constexpr char kHashFile[] = "hash-file";
inline constexpr char kVersion[] = "version";
// The multipart field that carries the edXML file of sendEdoc.
inline constexpr char kFileField[] = "file_doc";

// Headers in the order they are sent.
using Headers = std::vector<std::pair<std::string, std::string>>;

// `params` (name, value), followed by their XroadVnpt- copies and the
// three signing headers, under `secret`.
Headers SignedHeaders(const Headers& params, absl::string_view secret);

// The string that is MACed: {"name":"value",...} of `params`, in order,
// without spaces, JSON-escaped.
std::string SignHeaderJson(const Headers& params);

// The SDK's format string "ddMMyyyy'T'HHmmss+SSSS" as Java's
// SimpleDateFormat writes it, e.g. "07122026T093015+0123": Vietnam's time,
// then '+' and the milliseconds in four digits.
std::string AxisTimestamp(int64_t unix_micros);
// The same back to Unix microseconds; the part after '+' may be missing
// or 1 to 4 digits. INVALID_ARGUMENT naming the text otherwise.
absl::StatusOr<int64_t> ParseAxisTimestamp(absl::string_view text);

// A request's signed parameters, checked.
struct Verified {
  std::string system_id;
  std::map<std::string, std::string> params;  // name -> value, as signed
};

// Checks a request's headers (`headers`: names in lower case) against the
// scheme: the three signing headers present; sign-header-key names
// systemid and timestamp (and hash-file when `with_file`); each named
// parameter present both as itself and as its XroadVnpt- copy, with one
// value; the sign-header JSON an object of exactly those names and values;
// the MAC right under the secret `secret_of(system id)` gives. Fails
// UNAUTHENTICATED naming what is wrong (the secret_of error as it is).
absl::StatusOr<Verified> VerifySignedHeaders(
    const std::map<std::string, std::string>& headers, bool with_file,
    const std::function<absl::StatusOr<std::string>(const std::string&)>&
        secret_of);

}  // namespace truc::axis

#endif  // TRUC_COMMON_AXIS_SIGNING_H_
