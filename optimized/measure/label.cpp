// Opt measure.label: the run-based union-find of measure/run_labeler.hpp (its file comment has the phases), each
// output row written from its runs' component numbers, which are already scikit-image's (C order of each
// component's first pixel). Shapes where scikit-image scans another order (skb/label_order.hpp) are renumbered in
// one more pass (renumber_in_scan_order).
#include <limits>

#include "measure/run_labeler.hpp"
#include "skb/label_order.hpp"
#include "skb/nvtx.hpp"

namespace skb::opt {
namespace {

// Shapes where scikit-image scans another axis order (skb/label_order.hpp): the labels, 1..components in C order,
// renumbered by first sight in that order, in one more pass.
template <class Label>
void renumber_in_scan_order(Label* out, const Shape& shape, bool bool_input, std::int64_t components) {
    const std::vector<int> scan = label_scan_axes(shape, bool_input);
    if (is_identity(scan)) return;
    const std::int64_t n = element_count(shape);
    std::vector<Label> renumbered(static_cast<std::size_t>(components) + 1, 0);
    Label next = 0;
    for (std::int64_t p = 0; p < n; ++p) {
        Label& l = out[scanned_index(p, shape, scan)];
        if (l == 0) continue;
        if (renumbered[l] == 0) renumbered[l] = ++next;
    }
    for (std::int64_t i = 0; i < n; ++i) out[i] = renumbered[out[i]];
}

// Labels the image (phases in measure/run_labeler.hpp), then renumbers where scikit-image scans another order.
template <class Label, class T>
Array label_typed(const T* in, const Shape& shape, int connectivity, std::int64_t background, bool bool_input,
                  const RunOptions& options) {
    if (element_count(shape) >= static_cast<std::int64_t>(std::numeric_limits<Label>::max()) - 1)
        throw Error("measure.label: " + shape_string(shape) + " has too many pixels for " +
                    std::string(dtype_name(dtype_of<Label>)) + " labels");
    Array result = new_output(options, dtype_of<Label>, shape);
    if (element_count(shape) == 0) return result;
    Label* out = result.data<Label>();
    runs::with_components(in, shape, connectivity, background, options, [&](const auto& labeler) {
        labeler.write_rows(out, Label{0}, [&](const auto& st, auto i) { return static_cast<Label>(labeler.component_id(st, i)); });
        renumber_in_scan_order(out, shape, bool_input, labeler.component_count());
    });
    return result;
}

Array label(const Array& input, const Params& params, const RunOptions& requested) {
    SKB_NVTX_RANGE("measure.label/opt");
    // One operation per pixel, though it makes a run scan and a labelling pass: its phases between them (joining
    // stripes, numbering roots) are serial, and at 256^2 two threads were 10% slower than one.
    const RunOptions options = sized_for_work(requested, input.size());
    const auto [connectivity, background] = label_params(params, input.ndim());
    return visit_dtype(input.dtype(), [&](auto tag) {
        using T = decltype(tag);
        check_int64_keys(input.data<T>(), input.size());
        if constexpr (std::is_same_v<T, bool>)
            return label_typed<std::int32_t>(input.data<T>(), input.shape(), connectivity, background, true, options);
        else
            return label_typed<std::int64_t>(input.data<T>(), input.shape(), connectivity, background, false, options);
    });
}

SKB_REGISTER_IMPL("measure.label", "opt", label);

}  // namespace
}  // namespace skb::opt
