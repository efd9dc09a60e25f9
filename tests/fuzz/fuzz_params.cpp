// libFuzzer target: op parameters and footprints as the CLI and golden manifests give them. The first byte picks
// an op of the registry; the rest is "name=value" lines, each parsed with the op's declared parameters, then the
// op's output shape worked out for a small image. The whole text is also parsed as a footprint. Bad text must
// end in skb::Error; anything else is a finding.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>
#include <string_view>

#include "skb/error.hpp"
#include "skb/footprint.hpp"
#include "skb/op_spec.hpp"
#include "skb/params.hpp"
#include "skb/registry.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    const auto& registry = skb::Registry::instance();
    static const std::vector<std::string> ops = registry.op_ids();
    const skb::OpSpec& spec = registry.spec(ops[data[0] % ops.size()]);
    const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
    try {
        (void)skb::Footprint::parse(text);
    } catch (const skb::Error&) {
    }
    try {
        skb::ParamTexts given;
        std::size_t start = 0;
        while (start <= text.size()) {
            const std::size_t end = std::min(text.find('\n', start), text.size());
            if (end > start) given.insert(skb::split_param_text(text.substr(start, end - start)));
            start = end + 1;
        }
        const skb::Params params = skb::Params::parse(spec.id, spec.params, given);
        for (const int ndim : spec.spatial_ndims) {
            std::vector<std::int64_t> shape = ndim == 3 ? std::vector<std::int64_t>{4, 5, 6}
                                                        : std::vector<std::int64_t>{5, 6};
            if (spec.stacked_symmetric) shape.insert(shape.begin(), ndim * (ndim + 1) / 2);
            if (spec.channels > 0) shape.push_back(spec.channels);
            for (const skb::DType dtype : spec.input_dtypes) {
                const skb::ArrayMeta image{dtype, shape};
                try {  // the shape rule and the cost model, which a benchmark of these parameters would run
                    (void)spec.output(image, params, skb::Precision::F64);
                    (void)spec.output(image, params, skb::Precision::F32);
                    if (spec.reach) (void)spec.reach(image, params);
                    if (spec.bytes_per_element) (void)spec.bytes_per_element(image, params, skb::Precision::F32);
                    if (spec.flops_per_element) (void)spec.flops_per_element(image, params);
                } catch (const skb::Error&) {
                }
            }
        }
    } catch (const skb::Error&) {
    }
    return 0;
}
