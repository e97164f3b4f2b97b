// Small helpers for absl::Status. Abseil 20220623 (Debian 12) lacks
// RETURN_IF_ERROR / ASSIGN_OR_RETURN; newer Abseil and its friends have them.
#ifndef TRUC_COMMON_STATUS_MACROS_H_
#define TRUC_COMMON_STATUS_MACROS_H_

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define TRUC_CONCAT_INNER_(a, b) a##b
#define TRUC_CONCAT_(a, b) TRUC_CONCAT_INNER_(a, b)

// Returns the status from the enclosing function if `expr` is not OK.
#define TRUC_RETURN_IF_ERROR(expr)               \
  do {                                           \
    ::absl::Status truc_status_ = (expr);        \
    if (!truc_status_.ok()) return truc_status_; \
  } while (0)

// `lhs = *expr` if `expr` (a StatusOr) is OK, else returns its status.
#define TRUC_ASSIGN_OR_RETURN(lhs, expr) \
  TRUC_ASSIGN_OR_RETURN_IMPL_(TRUC_CONCAT_(truc_statusor_, __LINE__), lhs, expr)
#define TRUC_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                                \
  if (!tmp.ok()) return tmp.status();               \
  lhs = std::move(*tmp)

#endif  // TRUC_COMMON_STATUS_MACROS_H_
