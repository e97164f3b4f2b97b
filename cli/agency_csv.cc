#include "cli/agency_csv.h"

#include <algorithm>
#include <map>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "cli/text.h"
#include "common/identity.h"

namespace truc::cli {

absl::StatusOr<std::vector<std::string>> SplitCsvLine(absl::string_view line) {
  std::vector<std::string> fields;
  size_t i = 0;
  while (true) {
    // Skip blanks before a field.
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    std::string field;
    if (i < line.size() && line[i] == '"') {
      ++i;
      bool closed = false;
      while (i < line.size()) {
        if (line[i] == '"') {
          if (i + 1 < line.size() && line[i + 1] == '"') {
            field += '"';
            i += 2;
            continue;
          }
          ++i;
          closed = true;
          break;
        }
        field += line[i++];
      }
      if (!closed) {
        return absl::InvalidArgumentError(
            "unterminated quote (a quoted field must end on the same line)");
      }
      while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
      if (i < line.size() && line[i] != ',') {
        return absl::InvalidArgumentError(
            absl::StrCat("unexpected text after a closing quote in field ",
                         fields.size() + 1));
      }
    } else {
      size_t end = line.find(',', i);
      if (end == absl::string_view::npos) end = line.size();
      field = std::string(absl::StripAsciiWhitespace(line.substr(i, end - i)));
      i = end;
    }
    fields.push_back(std::move(field));
    if (i >= line.size()) break;
    ++i;  // the comma
  }
  return fields;
}

absl::StatusOr<std::vector<AgencyRow>> ParseAgencyCsv(
    absl::string_view text, absl::string_view source) {
  absl::ConsumePrefix(&text, "\xEF\xBB\xBF");  // UTF-8 byte-order mark
  std::vector<AgencyRow> rows;
  std::map<std::string, int> seen;  // code -> line
  // Column indices; -1 when absent.
  int col_code = 0, col_name = 1, col_parent = 2, col_kind = 3, col_bridge = -1;
  size_t columns = 4;
  bool header_seen = false;
  int line_no = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++line_no;
    absl::ConsumeSuffix(&line, "\r");
    absl::string_view stripped = absl::StripAsciiWhitespace(line);
    if (stripped.empty() || absl::StartsWith(stripped, "#")) continue;
    const auto fail = [&](absl::string_view what) {
      return absl::InvalidArgumentError(
          absl::StrCat(source, ":", line_no, ": ", what));
    };
    if (!IsValidUtf8(line)) {
      return fail("not UTF-8 text (save the file as \"CSV UTF-8\")");
    }
    auto fields = SplitCsvLine(line);
    if (!fields.ok()) return fail(fields.status().message());

    if (!header_seen) {
      header_seen = true;
      if (absl::AsciiStrToLower((*fields)[0]) == "code" ||
          absl::AsciiStrToLower((*fields)[0]) == "name") {
        col_code = col_name = col_parent = col_kind = col_bridge = -1;
        for (size_t c = 0; c < fields->size(); ++c) {
          std::string h = absl::AsciiStrToLower((*fields)[c]);
          int* col = h == "code"     ? &col_code
                     : h == "name"   ? &col_name
                     : h == "parent" ? &col_parent
                     : h == "kind"   ? &col_kind
                     : h == "bridge" ? &col_bridge
                                     : nullptr;
          if (col == nullptr || *col != -1) {
            return fail(absl::StrCat(
                "unknown or repeated column \"", (*fields)[c],
                "\" in the header (expected code,name,parent,kind[,bridge])"));
          }
          *col = static_cast<int>(c);
        }
        if (col_code < 0 || col_name < 0) {
          return fail("the header must name the columns code and name");
        }
        columns = fields->size();
        continue;
      }
    }

    // Rows of nothing but commas (spreadsheets export them at the end).
    if (std::all_of(fields->begin(), fields->end(), [](const std::string& f) {
          return absl::StripAsciiWhitespace(f).empty();
        })) {
      continue;
    }
    if (fields->size() != columns) {
      return fail(absl::StrCat(
          "expected ", columns, " fields, found ", fields->size(),
          fields->size() == 1 && absl::StrContains((*fields)[0], ";")
              ? " (the file seems to use ';': save it as CSV with ',')"
              : " (quote a name that contains a comma)"));
    }
    const auto get = [&](int col) {
      return col < 0 ? std::string() : (*fields)[static_cast<size_t>(col)];
    };
    AgencyRow row;
    row.line = line_no;
    row.code = get(col_code);
    row.name = std::string(absl::StripAsciiWhitespace(get(col_name)));
    row.parent = get(col_parent);
    row.kind = get(col_kind);
    row.bridge = std::string(absl::StripAsciiWhitespace(get(col_bridge)));
    if (absl::Status s = ValidateAgencyCode(row.code); !s.ok()) {
      return fail(s.message());
    }
    if (row.name.empty()) return fail(absl::StrCat(row.code, ": empty name"));
    if (!row.bridge.empty()) {
      if (absl::Status s = ValidatePrincipalName(row.bridge); !s.ok()) {
        return fail(absl::StrCat("bridge: ", s.message()));
      }
    }
    if (!row.parent.empty()) {
      if (absl::Status s = ValidateAgencyCode(row.parent); !s.ok()) {
        return fail(absl::StrCat("parent: ", s.message()));
      }
      if (row.parent == row.code) {
        return fail(absl::StrCat(row.code, " is its own parent"));
      }
    }
    auto [it, inserted] = seen.emplace(row.code, line_no);
    if (!inserted) {
      return fail(
          absl::StrCat(row.code, " is already listed on line ", it->second));
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

}  // namespace truc::cli
