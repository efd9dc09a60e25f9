// Reference measure.label: scan in C order; each unlabelled foreground pixel starts a new label, flooded
// depth-first to its neighbours (offsets in {-1,0,1}^n differing in at most `connectivity` axes).
// Non-bool images: values are truncated to integers and neighbours join only when equal.
// Label order: skb/label_order.hpp (the scan visits pixels in that order).
#include "skb/label_order.hpp"
#include "skb/nd.hpp"
#include "skb/registry.hpp"

namespace skb::reference {
namespace {

template <class Label> Array label_components(const std::int64_t* values, std::int64_t background,
                                              const Shape& shape, int connectivity, const std::vector<int>& scan_axes) {
    const int ndim = static_cast<int>(shape.size());
    const auto neighbours = neighbourhood(ndim, connectivity);
    Array result = Array::zeros(dtype_of<Label>, shape);
    Label* labels = result.data<Label>();
    Label next = 1;
    std::vector<std::int64_t> stack;
    for (std::int64_t p = 0; p < result.size(); ++p) {
        const std::int64_t start = scanned_index(p, shape, scan_axes);
        if (values[start] == background || labels[start] != 0) continue;
        labels[start] = next;
        stack.push_back(start);
        while (!stack.empty()) {
            const std::int64_t at = stack.back();
            stack.pop_back();
            const auto coord = unravel(at, shape);
            for (const auto& o : neighbours) {
                const std::int64_t n = neighbour_index(coord, o, shape, BorderMode::Constant);  // -1: outside
                if (n >= 0 && labels[n] == 0 && values[n] == values[at]) {
                    labels[n] = next;
                    stack.push_back(n);
                }
            }
        }
        ++next;
    }
    return result;
}

Array label(const Array& input, const Params& params, const RunOptions&) {
    const auto [connectivity, background] = label_params(params, input.ndim());
    visit_dtype(input.dtype(), [&](auto tag) { check_int64_keys(input.data<decltype(tag)>(), input.size()); });
    Array values = cast_array(input, DType::I64);  // floats truncate toward zero, as NumPy's cast to intp
    std::int64_t* v = values.data<std::int64_t>();
    if (input.dtype() == DType::Bool) {
        // scikit-image labels the True pixels (the False ones when background=1) through ndimage.label.
        for (std::int64_t i = 0; i < values.size(); ++i) v[i] = v[i] != (background == 1);
        return label_components<std::int32_t>(v, 0, input.shape(), connectivity, label_scan_axes(input.shape(), true));
    }
    return label_components<std::int64_t>(v, background, input.shape(), connectivity,
                                           label_scan_axes(input.shape(), false));
}

SKB_REGISTER_IMPL("measure.label", "ref", label);

}  // namespace
}  // namespace skb::reference
