// The cases the opt-wide unit tests sweep: every op with an opt impl, at a 2-d and a 3-d size large enough to span
// many tiles, stripes and blocks, in each of its benchmark dtypes, with synthetic inputs of its bench kind.
#pragma once
#include <algorithm>
#include <string>

#include "skb/registry.hpp"
#include "skb/synthetic.hpp"

namespace skb::testing {

struct OptCase {
    const std::string& id;
    const Shape& shape;
    DType dtype;
    const PreparedOp& op;      // prepared for backend opt with the spec's bench parameters
    const InputArrays& arrays;
    std::string what() const { return id + " " + shape_string(shape) + " " + std::string(dtype_name(dtype)); }
};

// Calls check(OptCase) for every case; returns how many.
template <class Check> int for_each_opt_case(std::uint64_t seed, const Check& check) {
    const auto& registry = Registry::instance();
    int cases = 0;
    for (const auto& id : registry.op_ids()) {
        if (!registry.find_impl(id, "opt")) continue;
        const OpSpec& spec = registry.spec(id);
        for (const Shape& spatial : {Shape{300, 263}, Shape{19, 70, 67}}) {
            const int ndim = static_cast<int>(spatial.size());
            if (std::ranges::find(spec.spatial_ndims, ndim) == spec.spatial_ndims.end()) continue;  // e.g. canny: 2-d
            const Shape shape = image_shape_for(spec, spatial);
            for (DType dtype : spec.bench.dtypes) {
                const InputMetas metas = default_input_metas(spec, ArrayMeta{dtype, shape});
                const InputArrays arrays = synthetic_inputs(spec, spec.bench.input, metas, seed);
                const PreparedOp op(id, "opt", metas, spec.bench.params);
                check(OptCase{id, shape, dtype, op, arrays});
                ++cases;
            }
        }
    }
    return cases;
}

}  // namespace skb::testing
