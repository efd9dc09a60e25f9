// Deterministic synthetic images for benchmarks: the same (kind, dtype, shape, seed) gives the same bytes on
// every machine (integer hashing and a fixed trigonometric field, no library RNG).
#pragma once
#include <cstdint>

#include "skb/array.hpp"
#include "skb/op_spec.hpp"
#include "skb/registry.hpp"

namespace skb {

// `shape` is the full array shape (for Rgb, including the trailing 3). Floats lie in [0, 1]; integers span the
// dtype's range; Blobs and bool images hold about 30% foreground; Distance is 1 - the blobs' distance to the
// background over its maximum; Peaks holds seed labels 1.. at that distance's maxima (markers).
Array synthetic_image(SyntheticInput kind, DType dtype, const Shape& shape, std::uint64_t seed = 1);

// Synthetic arrays for every input in `metas` (default_input_metas): the image of `kind` with `seed`, each extra
// input of its spec's bench_input kind with a seed of its own (Peaks: the image's seed, so that they mark its blobs).
InputArrays synthetic_inputs(const OpSpec& spec, SyntheticInput kind, const InputMetas& metas, std::uint64_t seed = 1);

std::string_view synthetic_input_name(SyntheticInput kind);

// splitmix64: a well-mixed hash of a counter, for reproducible noise (the same on every machine).
std::uint64_t splitmix64(std::uint64_t x);

}  // namespace skb
