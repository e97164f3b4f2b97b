// The console's static files (hub/console/ui), built into truc-hub by
// cmake/embed_assets.cmake.
//
// Thread-safety: immutable, thread-safe.
#ifndef TRUC_HUB_CONSOLE_ASSETS_H_
#define TRUC_HUB_CONSOLE_ASSETS_H_

#include <vector>

#include "absl/strings/string_view.h"

namespace truc::hub {

struct Asset {
  absl::string_view path;  // "/app.js"
  absl::string_view content_type;
  absl::string_view body;
};

// Every file, index.html as "/index.html".
const std::vector<Asset>& Assets();

}  // namespace truc::hub

#endif  // TRUC_HUB_CONSOLE_ASSETS_H_
