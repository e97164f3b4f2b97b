#include "common/text_proto.h"

#include <google/protobuf/io/tokenizer.h>
#include <google/protobuf/text_format.h>
#include <google/protobuf/util/json_util.h>

#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/file_util.h"
#include "common/status_macros.h"

namespace truc {
namespace {

class Collector : public google::protobuf::io::ErrorCollector {
 public:
  Collector(absl::string_view source, absl::string_view text)
      : source_(source), lines_(absl::StrSplit(text, '\n')) {}
  // Names the line as written, so the message shows the field at fault even
  // where protobuf only says what it expected.
  void AddError(int line, int column, const std::string& message) override {
    std::string where;
    if (line >= 0 && static_cast<size_t>(line) < lines_.size()) {
      where = absl::StrCat(" (in \"", absl::StripAsciiWhitespace(lines_[line]),
                           "\")");
    }
    errors_.push_back(absl::StrCat(source_, ":", line + 1, ":", column + 1,
                                   ": ", message, where));
  }
  void AddWarning(int line, int column, const std::string& message) override {
    AddError(line, column, message);
  }
  const std::vector<std::string>& errors() const { return errors_; }

 private:
  std::string source_;
  std::vector<absl::string_view> lines_;
  std::vector<std::string> errors_;
};

}  // namespace

absl::Status ReadConfigFile(const std::string& path,
                            google::protobuf::Message* config) {
  absl::Status loaded = LoadTextProtoFile(path, config);
  if (absl::IsNotFound(loaded)) {
    return absl::NotFoundError(
        absl::StrCat("configuration file ", path, " does not exist"));
  }
  return loaded;  // already "<path>:<line>:<column>: ..."
}

std::string ConfigFolder(const std::string& path) { return DirName(path); }

absl::Status CheckFieldRange(absl::string_view field, uint64_t value,
                             uint64_t lo, uint64_t hi) {
  if (value < lo || value > hi) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, " must be ", lo, "..", hi, ", not ", value));
  }
  return absl::OkStatus();
}

absl::Status ParseTextProto(absl::string_view text, absl::string_view source,
                            google::protobuf::Message* out) {
  google::protobuf::TextFormat::Parser parser;
  Collector collector(source, text);
  parser.RecordErrorsTo(&collector);
  if (!parser.ParseFromString(std::string(text), out)) {
    if (collector.errors().empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat(source, ": does not parse"));
    }
    return absl::InvalidArgumentError(absl::StrJoin(collector.errors(), "; "));
  }
  return absl::OkStatus();
}

absl::Status LoadTextProtoFile(const std::string& path,
                               google::protobuf::Message* out) {
  TRUC_ASSIGN_OR_RETURN(std::string text, ReadFile(path, 16 << 20));
  return ParseTextProto(text, path, out);
}

std::string ToTextProto(const google::protobuf::Message& message) {
  google::protobuf::TextFormat::Printer printer;
  printer.SetUseUtf8StringEscaping(true);
  std::string out;
  printer.PrintToString(message, &out);
  return out;
}

std::string ToJson(const google::protobuf::Message& message, bool pretty) {
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = pretty;
  options.preserve_proto_field_names = true;
  std::string out;
  (void)google::protobuf::util::MessageToJsonString(message, &out, options);
  return out;
}

absl::Status ParseJson(absl::string_view json, google::protobuf::Message* out) {
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  const auto parsed = google::protobuf::util::JsonStringToMessage(
      google::protobuf::StringPiece(json.data(), json.size()), out, options);
  if (!parsed.ok()) {
    const auto why = parsed.message();
    return absl::InvalidArgumentError(
        absl::StrCat("malformed JSON for ", out->GetDescriptor()->name(), ": ",
                     absl::string_view(why.data(), why.size())));
  }
  return absl::OkStatus();
}

}  // namespace truc
