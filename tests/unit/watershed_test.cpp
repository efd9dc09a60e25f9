// segmentation.watershed beyond the golden cases: the shared heap against a literal transcription of scikit-image's
// heappush/heappop (equal keys included), and opt against ref on inputs large enough for opt's phases to matter
// (contested markers late in the flood, the FIFOs after them, a watershed line's re-pushes, both zeros of floats).
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>

#include "skb/registry.hpp"
#include "skb/synthetic.hpp"
#include "skb/watershed.hpp"

namespace {

// heap_general.pxi as written: sift down from the root comparing the node with both children.
struct Literal {
    std::vector<std::pair<int, int>> a;  // (key, payload)
    void push(std::pair<int, int> e) {
        a.push_back(e);
        for (std::size_t c = a.size() - 1; c > 0;) {
            const std::size_t p = (c + 1) / 2 - 1;
            if (!(a[c].first < a[p].first)) break;
            std::swap(a[c], a[p]);
            c = p;
        }
    }
    std::pair<int, int> pop() {
        const auto top = a[0];
        const std::size_t n = a.size() - 1;
        std::swap(a[0], a[n]);
        a.pop_back();
        for (std::size_t i = 0, smallest = 0;; i = smallest) {
            const std::size_t l = 2 * i + 1, r = 2 * i + 2;
            if (l >= n) break;
            if (a[l].first < a[i].first) smallest = l;
            if (r < n && a[r].first < a[smallest].first) smallest = r;
            if (smallest == i) break;
            std::swap(a[i], a[smallest]);
        }
        return top;
    }
};

TEST(Watershed, HeapPopsEqualKeysInScikitImagesOrder) {
    struct ByKey {
        bool operator()(const std::pair<int, int>& x, const std::pair<int, int>& y) const { return x.first < y.first; }
    };
    std::mt19937 rng(5);
    for (int trial = 0; trial < 200; ++trial) {
        Literal literal;
        skb::watershed::BinaryHeap<std::pair<int, int>, ByKey> heap;
        const int keys = 1 + trial % 7;  // few distinct keys: ties everywhere
        for (int op = 0, payload = 0; op < 2000; ++op) {
            if (literal.a.empty() || rng() % 3 != 0) {
                const std::pair<int, int> e{static_cast<int>(rng() % keys), payload++};
                literal.push(e);
                heap.push(e);
            } else {
                ASSERT_EQ(heap.pop(), literal.pop()) << "trial " << trial << ", operation " << op;
            }
            ASSERT_EQ(heap.size(), literal.a.size());
        }
        while (!heap.empty()) ASSERT_EQ(heap.pop(), literal.pop()) << "trial " << trial;
    }
}

skb::Array peaks(const skb::Shape& shape, std::uint64_t seed) {
    return skb::synthetic_image(skb::SyntheticInput::Peaks, skb::DType::I32, shape, seed);
}

void expect_opt_equals_ref(const std::string& what, const skb::Array& image, const skb::Array& markers,
                           const skb::Array* mask, const skb::ParamTexts& params) {
    skb::OpInputs inputs(image);
    inputs.with("markers", markers);
    if (mask) inputs.with("mask", *mask);
    const skb::Array ref = skb::run_op("segmentation.watershed", "ref", inputs, params);
    const skb::Array opt = skb::run_op("segmentation.watershed", "opt", inputs, params);
    ASSERT_EQ(ref.dtype(), markers.dtype()) << what;
    ASSERT_EQ(opt.dtype(), ref.dtype()) << what;
    ASSERT_EQ(opt.shape(), ref.shape()) << what;
    std::int64_t differ = 0, labelled = 0;
    skb::visit_dtype(ref.dtype(), [&](auto tag) {
        using T = decltype(tag);
        for (std::int64_t i = 0; i < ref.size(); ++i) {
            differ += ref.data<T>()[i] != opt.data<T>()[i];
            labelled += ref.data<T>()[i] != 0;
        }
    });
    EXPECT_EQ(differ, 0) << what << ": " << differ << " of " << ref.size() << " labels differ";
    EXPECT_GT(labelled, ref.size() / 4) << what << ": the case should flood most of the image";
}

// u8 and u16 images quantised to few levels put equal-valued markers of different labels near the top of the
// range: opt runs scikit-image's heap almost to the end, then its FIFOs; without ties it starts in the FIFOs. Float
// images of few values flood as their ranks (the u16 path), of many values as their order bits.
TEST(Watershed, OptMatchesRefThroughItsPhases) {
    const skb::Shape shape{301, 257};
    const skb::Array markers = peaks(shape, 3);
    for (const skb::DType dtype : {skb::DType::U8, skb::DType::U16}) {
        skb::Array image = skb::synthetic_image(skb::SyntheticInput::Smooth, dtype, shape, 4);
        skb::visit_dtype(dtype, [&](auto tag) {
            using T = decltype(tag);
            if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>)
                for (auto& v : image.values<T>()) v = static_cast<T>(v / 16 * 16);  // plateaus, tied markers
        });
        for (const std::string connectivity : {"1", "2"})
            expect_opt_equals_ref(std::string(skb::dtype_name(dtype)) + " connectivity " + connectivity, image, markers,
                                  nullptr, {{"connectivity", connectivity}});
    }
    for (const skb::DType dtype : {skb::DType::F32, skb::DType::F64}) {  // > 65536 values: no ranks, wide items
        const skb::Array image = skb::synthetic_image(skb::SyntheticInput::Smooth, dtype, shape, 6);
        expect_opt_equals_ref(std::string(skb::dtype_name(dtype)) + " of many values", image, markers, nullptr, {});
    }
    skb::Array few = skb::Array::zeros(skb::DType::I64, shape);  // distinct values: no contested group at all
    few.data<std::int64_t>()[1000] = 7;
    few.data<std::int64_t>()[50000] = -2;
    few.data<std::int64_t>()[70000] = 1LL << 40;
    expect_opt_equals_ref("uint8, three markers", skb::synthetic_image(skb::SyntheticInput::Smooth, skb::DType::U8,
                                                                       shape, 5), few, nullptr, {});
}

// Labelled on pop: compactness (pushes of one pixel from several markers), a watershed line (re-pushes from line
// pixels, which opt drops once no contested markers remain), masks, 3-d.
TEST(Watershed, OptMatchesRefLabellingOnPop) {
    const skb::Shape flat{90, 110}, volume{20, 31, 29};
    skb::Array m2(skb::DType::Bool, flat);
    for (std::int64_t i = 0; i < m2.size(); ++i) m2.data<bool>()[i] = i % 97 != 0;  // scattered holes
    for (const skb::DType dtype : {skb::DType::U8, skb::DType::F32}) {
        const skb::Array image = skb::synthetic_image(skb::SyntheticInput::Smooth, dtype, flat, 7);
        const skb::Array markers = peaks(flat, 8);
        const std::string name(skb::dtype_name(dtype));
        expect_opt_equals_ref(name + " line", image, markers, nullptr, {{"watershed_line", "true"}});
        expect_opt_equals_ref(name + " line, connectivity 2, holes", image, markers, &m2,
                              {{"watershed_line", "true"}, {"connectivity", "2"}});
        expect_opt_equals_ref(name + " compact", image, markers, nullptr, {{"compactness", "0.01"}});
        expect_opt_equals_ref(name + " compact, line ignored, holes", image, markers, &m2,
                              {{"compactness", "2"}, {"watershed_line", "true"}});
    }
    const skb::Array image3 = skb::synthetic_image(skb::SyntheticInput::Smooth, skb::DType::U16, volume, 9);
    const skb::Array markers3 = peaks(volume, 10);
    expect_opt_equals_ref("uint16 3-d compact, connectivity 3", image3, markers3, nullptr,
                          {{"compactness", "0.5"}, {"connectivity", "3"}});
    expect_opt_equals_ref("uint16 3-d line", image3, markers3, nullptr, {{"watershed_line", "true"}});
}

// Floats compare as scikit-image's float64 values: -0 ties with +0, infinities order, nothing is rescaled.
TEST(Watershed, OptMatchesRefOnSignedZerosAndInfinities) {
    const skb::Shape shape{64, 80};
    const skb::Array markers = peaks(shape, 11);
    skb::Array image(skb::DType::F64, shape);
    std::mt19937 rng(12);
    const double values[] = {-0.0, 0.0, 1.5, -1.5, INFINITY, -INFINITY, 1e300, 0.0};
    for (auto& v : image.values<double>()) v = values[rng() % 8];
    for (const std::string line : {"false", "true"})
        expect_opt_equals_ref("float64 zeros and infinities, line " + line, image, markers, nullptr,
                              {{"watershed_line", line}, {"connectivity", "2"}});
    expect_opt_equals_ref("float64 zeros and infinities, compact", image, markers, nullptr, {{"compactness", "3"}});
}

}  // namespace
