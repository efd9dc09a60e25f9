// Every opt op gives bit-identical results for any thread count (tiles and stripes only decide who computes
// what), and agrees with ref at the tolerance table on inputs large enough to span many tiles, stripes and
// histogram blocks. Under the tsan preset this is also the ThreadSanitizer workout of the parallel paths.
#include <gtest/gtest.h>

#include <cstring>

#include "skb/golden.hpp"
#include "skb/registry.hpp"
#include "skb/synthetic.hpp"
#include "opt_cases.hpp"

namespace {

TEST(OptThreads, BitIdenticalAcrossThreadCountsAndCloseToRef) {
    const int checked = skb::testing::for_each_opt_case(7, [](const skb::testing::OptCase& c) {
        const skb::OpInputs input = c.arrays.view();
        const skb::Array one = c.op.run(input, {1});
        const skb::Array three = c.op.run(input, {3});
        ASSERT_EQ(one.nbytes(), three.nbytes()) << c.what();
        EXPECT_EQ(std::memcmp(one.raw(), three.raw(), one.nbytes()), 0) << c.what() << ": 1 vs 3 threads differ";
        const skb::Array ref = skb::run_op(c.id, "ref", input, c.op.spec().bench.params);
        const auto outcome = skb::golden::check_result(c.id, "opt", three, ref, c.op.output().dtype);
        EXPECT_EQ(outcome.status, skb::golden::Status::Pass) << c.what() << ": " << outcome.detail;
    });
    EXPECT_GT(checked, 20);
}

}  // namespace

// Box footprints take the van Herk path (box_filter.hpp), in place for the second pass of opening/closing, with
// halo snapshots between row spans: check it against ref for every border mode, short and long edges (the row
// scan switches from shift-folding to van Herk above 24), several row spans per line, and 1 to 3 threads.
TEST(OptThreads, BoxMorphologyMatchesRefAcrossModesSizesAndThreads) {
    struct Case {
        std::string op;
        skb::Shape shape;
        std::string footprint;
    };
    const std::vector<Case> cases = {
        {"morphology.erosion", {97, 61}, "rectangle:3x30"},  {"morphology.dilation", {97, 61}, "rectangle:31x2"},
        {"morphology.opening", {257, 40}, "square:5"},       {"morphology.closing", {40, 9}, "square:12"},
        {"morphology.closing", {23, 17, 29}, "cube:4"},      {"morphology.opening", {9, 30, 31}, "rectangle:2x7x3"},
        {"morphology.dilation", {6, 5, 40}, "cube:9"},       {"morphology.erosion", {300, 7}, "square:2"},
    };
    int checked = 0;
    for (const auto& c : cases) {
        const std::string& fp = c.footprint;
        for (const std::string mode : {"reflect", "mirror", "nearest", "wrap", "constant", "ignore", "max"}) {
            for (skb::DType dtype : {skb::DType::U8, skb::DType::F32}) {
                const skb::Array input = skb::synthetic_image(skb::SyntheticInput::Smooth, dtype, c.shape, 3);
                const skb::ParamTexts params = {{"footprint", fp}, {"mode", mode}, {"cval", "0.25"}};
                const skb::Array ref = skb::run_op(c.op, "ref", input, params);
                for (int threads : {1, 2, 3}) {
                    const skb::Array opt = skb::run_op(c.op, "opt", input, params, {threads});
                    const auto outcome = skb::golden::check_result(c.op, "opt", opt, ref, ref.dtype());
                    EXPECT_EQ(outcome.status, skb::golden::Status::Pass)
                        << c.op << " " << skb::shape_string(c.shape) << " " << fp << " mode=" << mode << " "
                        << skb::dtype_name(dtype) << " threads=" << threads << ": " << outcome.detail;
                    ++checked;
                }
            }
        }
        const skb::Array mask = skb::synthetic_image(skb::SyntheticInput::Blobs, skb::DType::Bool, c.shape, 5);
        const std::string binary = "morphology.binary_" + c.op.substr(c.op.find('.') + 1);
        for (const std::string mode : {"ignore", "min", "max"}) {
            const skb::ParamTexts params = {{"footprint", fp}, {"mode", mode}};
            const skb::Array ref = skb::run_op(binary, "ref", mask, params);
            for (int threads : {1, 3}) {
                const skb::Array opt = skb::run_op(binary, "opt", mask, params, {threads});
                const auto outcome = skb::golden::check_result(binary, "opt", opt, ref, ref.dtype());
                EXPECT_EQ(outcome.status, skb::golden::Status::Pass)
                    << binary << " " << skb::shape_string(c.shape) << " " << fp << " mode=" << mode
                    << " threads=" << threads << ": " << outcome.detail;
                ++checked;
            }
        }
    }
    EXPECT_GT(checked, 300);
}

// uint8 otsu on images of a million pixels and more counts adjacent byte pairs per block (threshold_otsu.cpp;
// its exact counts are checked in histogram_test.cpp): the threshold must be ref's at any thread count.
TEST(OptThreads, LargeUint8OtsuMatchesRef) {
    for (const skb::Shape& shape : {skb::Shape{1031, 1029}, skb::Shape{2047, 1023}, skb::Shape{9, 333, 401}}) {
        for (auto kind : {skb::SyntheticInput::Smooth, skb::SyntheticInput::Blobs}) {
            for (std::uint64_t seed : {1, 2}) {
                skb::Array input = skb::synthetic_image(kind, skb::DType::U8, shape, seed);
                if (seed == 2)  // a skewed three-level image
                    for (auto& v : input.values<std::uint8_t>()) v = v < 40 ? 10 : (v < 200 ? 100 : 250);
                const skb::Array ref = skb::run_op("filters.threshold_otsu", "ref", input, {});
                for (int threads : {1, 2, 3}) {
                    const skb::Array opt = skb::run_op("filters.threshold_otsu", "opt", input, {}, {threads});
                    const auto outcome = skb::golden::check_result("filters.threshold_otsu", "opt", opt, ref, ref.dtype());
                    EXPECT_EQ(outcome.status, skb::golden::Status::Pass)
                        << skb::shape_string(shape) << " seed " << seed << " threads " << threads << ": " << outcome.detail;
                }
            }
        }
    }
}

// Float otsu with many bins: every pixel sits exactly on one of NumPy's bin edges (linspace: i * step + min, two
// roundings), where a bin rule computed with a fused multiply-add (the opt tree builds with -ffp-contract=fast)
// would put it one bin lower. The threshold must be ref's, bit for bit.
template <class F> skb::Array pixels_on_bin_edges(F lo, F hi, std::int64_t nbins) {
    const F step = (hi - lo) / static_cast<F>(nbins);
    std::vector<F> values{lo, hi};
    for (std::int64_t i = 1; i < nbins; ++i) {
        volatile F product = static_cast<F>(i) * step;  // rounded on its own, as NumPy does
        const F edge = product + lo;
        for (std::int64_t k = 0; k <= (i * 7919) % 13 + (2 * i > nbins ? 6 : 0); ++k) values.push_back(edge);
    }
    skb::Array input(skb::dtype_of<F>, skb::Shape{1, static_cast<std::int64_t>(values.size())});
    std::copy(values.begin(), values.end(), input.values<F>().begin());
    return input;
}

template <class F> void expect_otsu_on_bin_edges_matches_ref(F lo, F hi, std::int64_t nbins) {
    const skb::Array input = pixels_on_bin_edges(lo, hi, nbins);
    const skb::ParamTexts params{{"nbins", std::to_string(nbins)}};
    const skb::Array ref = skb::run_op("filters.threshold_otsu", "ref", input, params);
    const skb::Array opt = skb::run_op("filters.threshold_otsu", "opt", input, params);
    EXPECT_EQ(static_cast<float>(ref.values<F>()[0]), opt.values<float>()[0])
        << skb::dtype_name(skb::dtype_of<F>) << " [" << lo << ", " << hi << "] nbins " << nbins;
}

TEST(OptThreads, FloatOtsuWithManyBinsMatchesRef) {
    for (std::int64_t nbins : {1000, 10000, 65536}) {
        expect_otsu_on_bin_edges_matches_ref<float>(-0.3f, 0.7f, nbins);
        expect_otsu_on_bin_edges_matches_ref<float>(0.1f, 12.345f, nbins);
        expect_otsu_on_bin_edges_matches_ref<double>(-0.3, 0.7, nbins);
        expect_otsu_on_bin_edges_matches_ref<double>(0.1, 12.345, nbins);
    }
}

// Binary morphology runs its own fused byte kernel (binary.cpp: both passes of opening/closing row by row through
// per-thread row caches): default cross, disks, balls, even boxes and boxes wider than the image, every input
// dtype (nonzero is True), shapes of one row or column, and 1 and 3 threads, against ref.
TEST(OptThreads, BinaryMorphologyMatchesRefForEveryFootprintDtypeAndThreads) {
    struct Case {
        skb::Shape shape;
        std::string footprint;  // "" for the default cross
    };
    const std::vector<Case> cases = {
        {{67, 131}, ""},          {{1, 90}, ""},        {{90, 1}, ""},           {{41, 37}, "disk:3"},
        {{33, 70}, "square:4"},   {{5, 6}, "disk:5"},   {{13, 21, 19}, ""},      {{11, 17, 23}, "ball:2"},
        {{7, 9, 5}, "cube:2"},    {{200, 150}, "rectangle:1x9"},
        // large enough that the grain policy gives 3 threads several blocks each
        {{300, 263}, ""},         {{300, 263}, "disk:2"}, {{40, 50, 60}, ""},
    };
    int checked = 0;
    for (const auto& c : cases) {
        for (const std::string op : {"binary_erosion", "binary_dilation", "binary_opening", "binary_closing"}) {
            for (skb::DType dtype : {skb::DType::Bool, skb::DType::U8, skb::DType::F32}) {
                const skb::Array input = skb::synthetic_image(skb::SyntheticInput::Blobs, dtype, c.shape, 11);
                for (const std::string mode : {"ignore", "min", "max"}) {
                    skb::ParamTexts params = {{"mode", mode}};
                    if (!c.footprint.empty()) params["footprint"] = c.footprint;
                    const std::string id = "morphology." + op;
                    const skb::Array ref = skb::run_op(id, "ref", input, params);
                    for (int threads : {1, 3}) {
                        const skb::Array opt = skb::run_op(id, "opt", input, params, {threads});
                        const auto outcome = skb::golden::check_result(id, "opt", opt, ref, ref.dtype());
                        EXPECT_EQ(outcome.status, skb::golden::Status::Pass)
                            << id << " " << skb::shape_string(c.shape) << " " << c.footprint << " "
                            << skb::dtype_name(dtype) << " mode=" << mode << " threads=" << threads << ": "
                            << outcome.detail;
                        ++checked;
                    }
                }
            }
        }
    }
    EXPECT_EQ(checked, 13 * 4 * 3 * 3 * 2);
}

// Grayscale morphology over non-box footprints and small boxes runs the fused row-tap kernel, whose row caches are
// keyed by position in the volume extended by the footprint's reach (and hold rows reduced along x for boxes):
// every border rule (wrap and reflections map rows far apart), volumes thinner than the footprint, and 1 and 3
// threads, against ref.
TEST(OptThreads, GrayscaleRowTapMorphologyMatchesRefForEveryModeAndThinVolumes) {
    struct Case {
        skb::Shape shape;
        std::string footprint;  // "" for the default cross
    };
    const std::vector<Case> cases = {{{10, 3, 8}, ""}, {{2, 9, 5}, "ball:1"}, {{3, 2, 40}, "ball:2"},
                                     {{5, 7}, "disk:3"},  {{1, 12}, ""},        {{120, 150}, "disk:2"},
                                     {{30, 40, 50}, ""},
                                     // small boxes: rows reduced along x in the caches (row_taps_for_box)
                                     {{50, 60}, "square:3"}, {{50, 60}, "rectangle:2x7"}, {{9, 20, 30}, "rectangle:1x3x5"}};
    int checked = 0;
    for (const auto& c : cases) {
        for (const std::string op : {"erosion", "dilation", "opening", "closing"}) {
            for (const std::string mode : {"reflect", "mirror", "nearest", "wrap", "constant", "ignore", "max", "min"}) {
                skb::ParamTexts params = {{"mode", mode}, {"cval", "0.25"}};
                if (!c.footprint.empty()) params["footprint"] = c.footprint;
                const std::string id = "morphology." + op;
                const skb::Array input = skb::synthetic_image(skb::SyntheticInput::Smooth, skb::DType::F32, c.shape, 4);
                const skb::Array ref = skb::run_op(id, "ref", input, params);
                for (int threads : {1, 3}) {
                    const skb::Array opt = skb::run_op(id, "opt", input, params, {threads});
                    const auto outcome = skb::golden::check_result(id, "opt", opt, ref, ref.dtype());
                    EXPECT_EQ(outcome.status, skb::golden::Status::Pass)
                        << id << " " << skb::shape_string(c.shape) << " " << c.footprint << " mode=" << mode
                        << " threads=" << threads << ": " << outcome.detail;
                    ++checked;
                }
            }
        }
    }
    EXPECT_EQ(checked, 10 * 4 * 8 * 2);
}
