// Reference filters.median: for each pixel, the window's values (cval, converted to the image's dtype as SciPy
// converts it, where constant mode reads outside), std::nth_element at rank count/2 (skb/median.hpp).
#include <algorithm>
#include <cmath>
#include <vector>

#include "skb/median.hpp"
#include "skb/nd.hpp"
#include "skb/registry.hpp"

namespace skb::reference {
namespace {

template <class T> Array median_of(const Array& image, const Params& params) {
    const auto offsets = median::window(params, image.ndim()).offsets(EvenCentre::End);
    const BorderMode mode = parse_border_mode(params.choice("mode"));
    const T cval = median::from_double<T>(params.real("cval"));
    const T* in = image.data<T>();
    for (std::int64_t i = 0; i < image.size(); ++i)
        if constexpr (std::is_floating_point_v<T>)
            if (std::isnan(in[i])) median::throw_nan_at(i);
    Array result(image.dtype(), image.shape());
    T* out = result.data<T>();
    std::vector<std::conditional_t<std::is_same_v<T, bool>, unsigned char, T>> window(offsets.size());  // (not vector<bool>)
    const auto rank = static_cast<std::ptrdiff_t>(offsets.size() / 2);
    for (std::int64_t i = 0; i < image.size(); ++i) {
        const auto coord = unravel(i, image.shape());
        for (std::size_t k = 0; k < offsets.size(); ++k) {
            const std::int64_t j = neighbour_index(coord, offsets[k], image.shape(), mode);
            window[k] = j < 0 ? cval : in[j];
        }
        std::nth_element(window.begin(), window.begin() + rank, window.end());
        out[i] = window[static_cast<std::size_t>(rank)];
    }
    return result;
}

Array median(const Array& image, const Params& params, const RunOptions&) {
    return visit_dtype<kImageDTypes>(image.dtype(), [&](auto tag) { return median_of<decltype(tag)>(image, params); });
}

SKB_REGISTER_IMPL("filters.median", "ref", median);

}  // namespace
}  // namespace skb::reference
