// Crash-safe file output: results are never left half-written under their final name.
#pragma once
#include <filesystem>
#include <string_view>

namespace skb {

// Writes `bytes` to a temporary file beside `path`, then renames it over `path`. Throws skb::Error naming the
// path; no temporary file is left behind on failure.
void write_file_atomic(const std::filesystem::path& path, std::string_view bytes);

}  // namespace skb
