#include "common/axis/signing.h"

#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "common/secret.h"
#include "common/sha256.h"

namespace truc::axis {
namespace {

constexpr int kVietnamOffsetSeconds = 7 * 3600;

std::string JsonQuote(absl::string_view s) {
  std::string out = "\"";
  for (char ch : s) {
    const unsigned char c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20) {
          out += absl::StrFormat("\\u%04x", c);
        } else {
          out += ch;
        }
    }
  }
  out += "\"";
  return out;
}

std::string Lower(absl::string_view s) { return absl::AsciiStrToLower(s); }

absl::Status Bad(absl::string_view what) {
  return absl::UnauthenticatedError(
      absl::StrCat("the request's signature: ", what));
}

}  // namespace

std::string SignHeaderJson(const Headers& params) {
  std::vector<std::string> pairs;
  for (const auto& [name, value] : params) {
    pairs.push_back(absl::StrCat(JsonQuote(name), ":", JsonQuote(value)));
  }
  return absl::StrCat("{", absl::StrJoin(pairs, ","), "}");
}

Headers SignedHeaders(const Headers& params, absl::string_view secret) {
  Headers out = params;
  std::vector<std::string> names;
  for (const auto& [name, value] : params) {
    out.emplace_back(absl::StrCat(kCopyPrefix, name), value);
    names.push_back(name);
  }
  const std::string json = SignHeaderJson(params);
  out.emplace_back(kSignHeader, json);
  out.emplace_back(kSignHeaderKey, absl::StrJoin(names, ";"));
  out.emplace_back(kHashHeader, HexEncode(HmacSha256(secret, json)));
  return out;
}

std::string AxisTimestamp(int64_t unix_micros) {
  const absl::Time t = absl::FromUnixMicros(unix_micros);
  return absl::StrCat(
      absl::FormatTime("%d%m%YT%H%M%S", t,
                       absl::FixedTimeZone(kVietnamOffsetSeconds)),
      "+", absl::StrFormat("%04d", (unix_micros / 1000) % 1000));
}

absl::StatusOr<int64_t> ParseAxisTimestamp(absl::string_view text) {
  const auto bad = [&] {
    return absl::InvalidArgumentError(absl::StrCat(
        "timestamp \"", text,
        "\" is not ddMMyyyy'T'HHmmss+SSSS (e.g. 07122026T093015+0123)"));
  };
  // ddMMyyyy'T'HHmmss writes 8 digits, a T, 6 digits.
  if (text.size() < 15 || text[8] != 'T') return bad();
  absl::string_view date = text.substr(0, 8);
  absl::string_view time = text.substr(9, 6);
  absl::string_view rest = text.substr(15);
  std::string joined = absl::StrCat(date, time);
  for (char c : joined) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return bad();
  }
  auto num = [&](size_t at, size_t n) {
    int v = 0;
    for (size_t i = at; i < at + n; ++i) v = v * 10 + (joined[i] - '0');
    return v;
  };
  const int day = num(0, 2), month = num(2, 2), year = num(4, 4);
  const int hour = num(8, 2), minute = num(10, 2), second = num(12, 2);
  const absl::CivilSecond civil(year, month, day, hour, minute, second);
  // CivilSecond normalises 32/12 into January: a date that moved is wrong.
  if (civil.year() != year || civil.month() != month || civil.day() != day ||
      civil.hour() != hour || civil.minute() != minute ||
      civil.second() != second) {
    return bad();
  }
  const absl::Time t =
      absl::FromCivil(civil, absl::FixedTimeZone(kVietnamOffsetSeconds));
  int64_t millis = 0;
  if (!rest.empty()) {
    if (rest[0] != '+' || rest.size() < 2 || rest.size() > 5) return bad();
    int v = 0;
    if (!absl::SimpleAtoi(rest.substr(1), &v) || v < 0 || v > 999) {
      return bad();
    }
    millis = v;
  }
  return absl::ToUnixMicros(t) + millis * 1000;
}

absl::StatusOr<Verified> VerifySignedHeaders(
    const std::map<std::string, std::string>& headers, bool with_file,
    const std::function<absl::StatusOr<std::string>(const std::string&)>&
        secret_of) {
  auto get = [&](absl::string_view name) -> const std::string* {
    auto it = headers.find(Lower(name));
    return it == headers.end() ? nullptr : &it->second;
  };
  const std::string* json = get(kSignHeader);
  const std::string* keys = get(kSignHeaderKey);
  const std::string* mac = get(kHashHeader);
  if (json == nullptr || keys == nullptr || mac == nullptr) {
    return Bad(absl::StrCat("the headers ", kSignHeader, ", ", kSignHeaderKey,
                            " and ", kHashHeader, " are required"));
  }
  Verified v;
  std::vector<std::string> names =
      absl::StrSplit(*keys, ';', absl::SkipWhitespace());
  for (const auto& name : names) {
    const std::string* value = get(name);
    const std::string* copy = get(absl::StrCat(kCopyPrefix, name));
    if (value == nullptr || copy == nullptr) {
      return Bad(absl::StrCat("the signed parameter \"", name,
                              "\" must come as the header ", name, " and as ",
                              kCopyPrefix, name));
    }
    if (*value != *copy) {
      return Bad(absl::StrCat("the header ", name, " and its copy ",
                              kCopyPrefix, name, " differ"));
    }
    if (!v.params.emplace(name, *value).second) {
      return Bad(
          absl::StrCat("\"", name, "\" is named twice in ", kSignHeaderKey));
    }
  }
  for (absl::string_view required :
       {absl::string_view(kSystemId), absl::string_view(kTimestamp)}) {
    if (!v.params.count(std::string(required))) {
      return Bad(absl::StrCat(kSignHeaderKey, " must name ", required));
    }
  }
  if (with_file && !v.params.count(kHashFile)) {
    return Bad(absl::StrCat(kSignHeaderKey, " must name ", kHashFile,
                            ", which covers the file"));
  }
  // The JSON must state exactly the signed parameters, with their values.
  google::protobuf::Struct parsed;
  if (!google::protobuf::util::JsonStringToMessage(*json, &parsed).ok()) {
    return Bad(absl::StrCat(kSignHeader, " is not a JSON object"));
  }
  if (static_cast<size_t>(parsed.fields_size()) != v.params.size()) {
    return Bad(absl::StrCat(kSignHeader, " states ", parsed.fields_size(),
                            " parameters; ", kSignHeaderKey, " names ",
                            v.params.size()));
  }
  for (const auto& [name, value] : parsed.fields()) {
    auto it = v.params.find(name);
    if (it == v.params.end() || !value.has_string_value() ||
        value.string_value() != it->second) {
      return Bad(absl::StrCat(kSignHeader, " states \"", name,
                              "\" otherwise than the request's header"));
    }
  }
  v.system_id = v.params[kSystemId];
  auto secret = secret_of(v.system_id);
  if (!secret.ok()) return secret.status();
  const std::string expected = HexEncode(HmacSha256(*secret, *json));
  if (!ConstantTimeEquals(absl::AsciiStrToLower(*mac), expected)) {
    return Bad(absl::StrCat(kHashHeader,
                            " is not the HMAC-SHA256 of the signed "
                            "parameters under system ",
                            v.system_id, "'s secret"));
  }
  return v;
}

}  // namespace truc::axis
