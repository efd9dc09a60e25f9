// NumPy .npy reader and writer (format versions 1.0, 2.0, 3.0; bool/u8/u16/i32/i64/f32/f64). Fortran-ordered
// and big-endian files are converted to C order, native little-endian on read. Writes are atomic.
#pragma once
#include <cstddef>
#include <filesystem>
#include <span>
#include <string>

#include "skb/array.hpp"

namespace skb::npy {

// Parses a complete .npy image held in memory; `source` names it in error messages.
Array parse(std::span<const std::byte> bytes, const std::string& source);
Array load(const std::filesystem::path& path);

// Serialises as format 1.0 (2.0 if the header needs it), header padded to 64 bytes like NumPy.
std::string serialize(const Array& array);
// Writes to a temporary file beside `path`, then renames: no partial file under `path`, ever.
void save(const std::filesystem::path& path, const Array& array);

}  // namespace skb::npy
