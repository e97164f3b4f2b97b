// Reading and writing protobuf text format: configuration files, profiles,
// the agent's outbox envelope and inbox files. Vietnamese text stays
// readable UTF-8 (protobuf escapes it by default; we do not).
#ifndef TRUC_COMMON_TEXT_PROTO_H_
#define TRUC_COMMON_TEXT_PROTO_H_

#include <google/protobuf/message.h>

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace truc {

// Parses `text` into `out`. On failure returns INVALID_ARGUMENT
// "<source>:<line>:<column>: <what>", naming the unknown field or the bad
// value as protobuf reports it; `out` is then unspecified.
absl::Status ParseTextProto(absl::string_view text, absl::string_view source,
                            google::protobuf::Message* out);

// Reads and parses a text-format file. NOT_FOUND if it does not exist.
absl::Status LoadTextProtoFile(const std::string& path,
                               google::protobuf::Message* out);

// A daemon's configuration file: reads `path` (text format) into a
// Config, then `check(config, folder of path)` checks it and makes its
// settings (relative paths resolved against that folder). NOT_FOUND
// "configuration file <path> does not exist"; every other error starts with
// `path` (parse errors: "<path>:<line>:<column>: ...").
absl::Status ReadConfigFile(const std::string& path,
                            google::protobuf::Message* config);
// The folder of a configuration file, against which its paths resolve.
std::string ConfigFolder(const std::string& path);
template <typename Settings, typename Config>
absl::StatusOr<Settings> LoadConfigFile(
    const std::string& path,
    absl::StatusOr<Settings> (*check)(const Config&, const std::string&)) {
  Config config;
  if (absl::Status read = ReadConfigFile(path, &config); !read.ok()) {
    return read;
  }
  absl::StatusOr<Settings> s = check(config, ConfigFolder(path));
  if (!s.ok()) {
    return absl::Status(s.status().code(),
                        absl::StrCat(path, ": ", s.status().message()));
  }
  return s;
}

// A configuration value's range: INVALID_ARGUMENT "<field> must be
// <lo>..<hi>, not <value>" unless lo <= value <= hi.
absl::Status CheckFieldRange(absl::string_view field, uint64_t value,
                             uint64_t lo, uint64_t hi);

// Text format with UTF-8 strings printed as they are.
std::string ToTextProto(const google::protobuf::Message& message);

// JSON (proto3 mapping, field names as in the .proto), UTF-8; indented
// unless `pretty` is false.
std::string ToJson(const google::protobuf::Message& message,
                   bool pretty = true);

// Parses JSON in the proto3 mapping into `out` (either field-name form).
// INVALID_ARGUMENT naming the message and what is wrong (an unknown field,
// a bad value, a syntax error); `out` is then unspecified.
absl::Status ParseJson(absl::string_view json, google::protobuf::Message* out);

}  // namespace truc

#endif  // TRUC_COMMON_TEXT_PROTO_H_
