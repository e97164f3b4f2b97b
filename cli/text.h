// Text for people: UTF-8 checks, display width, and aligned tables.
//
// Vietnamese names ("Sở Văn hóa, Thể thao và Du lịch") are UTF-8 with many
// two- and three-byte characters, so columns are aligned by displayed
// characters (code points, not counting combining marks), never by bytes.
//
// Thread-safety: pure functions, thread-safe.
#ifndef TRUC_CLI_TEXT_H_
#define TRUC_CLI_TEXT_H_

#include <cstddef>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "google/protobuf/message.h"

namespace truc::cli {

// True if `text` is well-formed UTF-8 (no overlong forms, no surrogates).
bool IsValidUtf8(absl::string_view text);

// The number of characters a terminal shows for `text`: code points, minus
// combining marks (U+0300..U+036F, as in decomposed Vietnamese), so NFC and
// NFD spellings of a name have the same width. Invalid bytes count as one
// each.
size_t DisplayWidth(absl::string_view text);

// `text` followed by spaces up to `width` displayed characters (unchanged
// when already as wide or wider).
std::string PadRight(absl::string_view text, size_t width);

// A table: a header row and the rows under it, columns separated by two
// spaces and aligned by DisplayWidth; no trailing spaces; each line ends
// with '\n'. Rows shorter than the header are padded with empty cells. An
// empty `header` prints no header line (the rows alone, aligned).
std::string RenderTable(const std::vector<std::string>& header,
                        const std::vector<std::vector<std::string>>& rows);

// `text` safe to print on a terminal: tabs and line breaks become spaces,
// other control characters (C0, DEL, C1) become '?', so a name or a
// description from another agency cannot move the cursor, inject escape
// sequences or break a table's rows.
std::string Printable(absl::string_view text);

// Printable() applied to every string field of `message`, recursively
// (bytes fields are left alone).
void MakePrintable(google::protobuf::Message* message);

}  // namespace truc::cli

#endif  // TRUC_CLI_TEXT_H_
