// measure.label on cuda-emu against ref, exactly, on images larger than the golden cases: many tiles, many
// blocks of the root numbering, and noise that makes components cross tile borders in every direction (the
// union-find races of border_merge and flatten). Each case also runs with the threads of a block taking turns
// in both orders on a smaller image.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "runtime/emu/vocabulary.hpp"  // emulator schedules (this test binary links the cuda-emu backend)
#include "skb/build_info.hpp"
#include "skb/registry.hpp"

namespace {

// Pixels drawn from {0 .. levels-1} (bool: True with probability `density`), scaled by `scale` (float inputs:
// 1.5 makes values that truncate).
skb::Array noise(skb::DType dtype, const skb::Shape& shape, double density, int levels, double scale, unsigned seed) {
    skb::Array a(dtype, shape);
    std::mt19937 rng(seed);
    std::uniform_real_distribution<double> u(0.0, 1.0);
    skb::visit_dtype(dtype, [&](auto tag) {
        using T = decltype(tag);
        T* p = a.data<T>();
        for (std::int64_t i = 0; i < a.size(); ++i) {
            const double r = u(rng);
            if constexpr (std::is_same_v<T, bool>) p[i] = r < density;
            else p[i] = static_cast<T>(r < density ? (1 + static_cast<int>(u(rng) * (levels - 1))) * scale : 0);
        }
    });
    return a;
}

struct Case {
    skb::DType dtype;
    skb::Shape shape;
    skb::ParamTexts params;
    double density = 0.4;
    int levels = 2;
    double scale = 1;
};

void expect_matches_ref(const Case& c, unsigned seed, const std::string& what) {
    const skb::Array input = noise(c.dtype, c.shape, c.density, c.levels, c.scale, seed);
    const skb::Array ref = skb::run_op("measure.label", "ref", input, c.params);
    const skb::Array emu = skb::run_op("measure.label", "cuda-emu", input, c.params);
    ASSERT_EQ(emu.dtype(), ref.dtype()) << what;
    ASSERT_EQ(emu.shape(), ref.shape()) << what;
    std::int64_t first_difference = -1;
    skb::visit_dtype(ref.dtype(), [&](auto tag) {
        using T = decltype(tag);
        for (std::int64_t i = 0; i < ref.size() && first_difference < 0; ++i)
            if (emu.data<T>()[i] != ref.data<T>()[i]) first_difference = i;
    });
    EXPECT_EQ(first_difference, -1) << what << ": labels differ from ref (first at flat index " << first_difference
                                    << ")";
}

bool sanitized_build() { return !std::string_view(skb::build_info::kSanitize).empty(); }

std::string describe(const Case& c) {
    std::string s = skb::shape_string(c.shape) + " " + std::string(skb::dtype_name(c.dtype));
    for (const auto& [k, v] : c.params) s += " " + k + "=" + v;
    return s;
}

TEST(GpuLabel, LargeNoiseMatchesRefExactly) {
    using skb::DType;
    // The sanitizers run the emulator 5-10x slower and repeat the release build's code: about a quarter of the
    // pixels there, still dozens of tiles to merge in every case.
    const bool sanitized = sanitized_build();
    const auto side = [&](std::int64_t n) { return sanitized ? (n + 1) / 2 : n; };
    const std::vector<Case> cases = {
        {DType::Bool, {side(300), side(500)}, {}},
        {DType::U8, {side(300), side(500)}, {{"connectivity", "1"}, {"background", "2"}}, 0.7, 3},
        {DType::F32, {side(97), side(131)}, {{"background", "1"}}, 0.8, 3, 1.5},  // values that truncate
        {DType::Bool, {side(40), side(50), 60}, {{"connectivity", "1"}}, 0.5},
        {DType::U16, {side(33), side(45), 70}, {{"connectivity", "2"}}, 0.6, 3},
        {DType::U8, {37, side(300), 1}, {{"connectivity", "1"}}, 0.7, 3},  // scikit-image's swapped scan order
    };
    unsigned seed = 11;
    for (const Case& c : cases) expect_matches_ref(c, seed++, describe(c));
}

TEST(GpuLabel, MatchesRefWithEveryThreadSchedule) {
    // Turn-taking serialises a block's threads: under the sanitizers that repeats the release build's run and
    // checks nothing more (TSan sees no race between threads that take turns).
    if (sanitized_build()) GTEST_SKIP() << "the release build runs the schedules";
    using skb::DType;
    using skb::gpu::emu::Schedule;
    const std::vector<Case> cases = {
        {DType::Bool, {70, 90}, {}},
        {DType::U8, {61, 77}, {{"connectivity", "1"}}, 0.7, 3},
        {DType::Bool, {9, 20, 70}, {{"connectivity", "2"}}, 0.5},
    };
    for (Schedule s : {Schedule::Forward, Schedule::Reverse}) {
        const skb::gpu::emu::ScopedEmulatorOptions options({.schedule = s});
        unsigned seed = 23;
        for (const Case& c : cases)
            expect_matches_ref(c, seed++, describe(c) + (s == Schedule::Forward ? " forward" : " reverse"));
    }
}

}  // namespace

namespace {

// Float images whose values have no int64 truncation (NaN, infinities, |v| >= 2^63) are refused by every backend
// with the same message naming the first such element; scikit-image's cast to intp is platform-dependent there.
TEST(LabelKeys, EveryBackendRefusesFloatsWithoutAnIntegerLabel) {
    const double bad_values[] = {std::nan(""), INFINITY, -INFINITY, 1e19, -1e19};
    for (const skb::DType dtype : {skb::DType::F32, skb::DType::F64}) {
        for (const double bad : bad_values) {
            skb::Array image(dtype, {6, 7});
            skb::visit_dtype(dtype, [&](auto tag) {
                using T = decltype(tag);
                if constexpr (std::is_floating_point_v<T>) {
                    T* p = image.data<T>();
                    for (std::int64_t i = 0; i < image.size(); ++i) p[i] = static_cast<T>(i % 3);
                    p[9] = p[30] = static_cast<T>(bad);
                }
            });
            for (const char* backend : {"ref", "opt", "cuda-emu"}) {
                try {
                    (void)skb::run_op("measure.label", backend, image, {});
                    ADD_FAILURE() << backend << " labelled an image holding " << bad;
                } catch (const skb::Error& e) {
                    EXPECT_NE(std::string(e.what()).find("element 9 of the float image"), std::string::npos)
                        << backend << ": " << e.what();
                }
            }
        }
    }
    // The largest magnitudes that do truncate into int64 are labelled.
    skb::Array edge(skb::DType::F64, {1, 3});
    edge.data<double>()[0] = -9223372036854775808.0;
    edge.data<double>()[1] = 9223372036854774784.0;  // the largest double below 2^63
    edge.data<double>()[2] = 0.5;                     // truncates to 0: background
    for (const char* backend : {"ref", "opt", "cuda-emu"}) {
        const skb::Array labels = skb::run_op("measure.label", backend, edge, {});
        EXPECT_EQ(labels.data<std::int64_t>()[0], 1) << backend;
        EXPECT_EQ(labels.data<std::int64_t>()[1], 2) << backend;
        EXPECT_EQ(labels.data<std::int64_t>()[2], 0) << backend;
    }
}

}  // namespace
