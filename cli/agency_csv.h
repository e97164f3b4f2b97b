// Reading an agency directory from CSV, as in
// /work/shared/reference/sample-province.csv:
//
//   # comment lines start with '#'
//   code,name,parent,kind
//   000.09.00.H99,"Sở Văn hóa, Thể thao và Du lịch",000.00.00.H99,department
//
// UTF-8 (a leading byte-order mark is ignored), LF or CRLF line ends, blank
// lines skipped. Fields may be quoted ("..." with "" for a quote); a quoted
// field cannot span lines. The header row names the columns, in any order;
// `code` and `name` are required, `parent` and `kind` optional, others are
// refused. Without a header row the order code,name,parent,kind is assumed.
//
// Thread-safety: pure functions, thread-safe.
#ifndef TRUC_CLI_AGENCY_CSV_H_
#define TRUC_CLI_AGENCY_CSV_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace truc::cli {

struct AgencyRow {
  int line = 0;  // 1-based line number in the file
  std::string code;
  std::string name;
  std::string parent;  // empty for the top of the province
  std::string kind;    // informative only ("department", "commune", ...)
  std::string bridge;  // beyond this hub: the bridge that reaches it
};

// Splits one CSV line into fields. Fails INVALID_ARGUMENT on an unterminated
// quote or text after a closing quote.
absl::StatusOr<std::vector<std::string>> SplitCsvLine(absl::string_view line);

// Parses a whole file. Fails INVALID_ARGUMENT "<source>:<line>: <what>" on
// the first malformed line: a CSV syntax error, a wrong number of fields,
// text that is not UTF-8, a malformed agency or parent code, an empty name,
// or a code listed twice. Nothing is returned unless every line is good.
absl::StatusOr<std::vector<AgencyRow>> ParseAgencyCsv(absl::string_view text,
                                                      absl::string_view source);

}  // namespace truc::cli

#endif  // TRUC_CLI_AGENCY_CSV_H_
