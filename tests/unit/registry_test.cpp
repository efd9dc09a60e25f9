// Registry, input validation through PreparedOp, output dtype rules, and the allocation audit.
#include <gtest/gtest.h>

#include <cstring>

#include "skb/audit.hpp"
#include "skb/registry.hpp"

namespace {

using skb::Array;
using skb::DType;

std::string error_of(const std::string& op, const std::string& backend, DType dtype, skb::Shape shape,
                     const skb::ParamTexts& params = {}) {
    try {
        skb::PreparedOp(op, backend, skb::ArrayMeta{dtype, std::move(shape)}, params);
    } catch (const skb::Error& e) {
        return e.what();
    }
    return "(accepted)";
}

TEST(Registry, HoldsEveryWaveOneOpWithARefBackend) {
    const auto& r = skb::Registry::instance();
    for (const char* id :
         {"color.rgb2gray", "filters.gaussian", "filters.sobel", "filters.threshold_otsu", "measure.label",
          "morphology.erosion", "morphology.dilation", "morphology.opening", "morphology.closing",
          "morphology.binary_erosion", "morphology.binary_dilation", "morphology.binary_opening",
          "morphology.binary_closing"}) {
        ASSERT_NE(r.find_spec(id), nullptr) << id;
        EXPECT_NE(r.find_impl(id, "ref"), nullptr) << id;
        EXPECT_FALSE(r.spec(id).summary.empty());
    }
    EXPECT_EQ(r.find_spec("filters.nope"), nullptr);
}

TEST(Registry, RefusesBadInputsNamingTheValue) {
    EXPECT_NE(error_of("filters.nope", "ref", DType::F32, {4, 4}).find("unknown op 'filters.nope'"), std::string::npos);
    EXPECT_NE(error_of("filters.gaussian", "gpu", DType::F32, {4, 4}).find("unknown backend 'gpu'"), std::string::npos);
    EXPECT_NE(error_of("filters.gaussian", "ref", DType::I32, {4, 4}).find("input dtype int32"), std::string::npos);
    EXPECT_NE(error_of("filters.gaussian", "ref", DType::F32, {16}).find("shape 16 is 1-d"), std::string::npos);
    EXPECT_NE(error_of("filters.gaussian", "ref", DType::F32, {2, 2, 2, 2}).find("4-d"), std::string::npos);
    EXPECT_NE(error_of("filters.gaussian", "ref", DType::F32, {0, 5}).find("shape 0x5 is empty"), std::string::npos);
    EXPECT_NE(error_of("filters.gaussian", "ref", DType::F32, {4, 4}, {{"sigma", "1,2,3"}}).find("sigma=1,2,3 has 3 values"),
              std::string::npos);
    EXPECT_NE(error_of("filters.gaussian", "ref", DType::F32, {4, 4}, {{"sigma", "-0.5"}}).find("sigma=-0.5"),
              std::string::npos);
    EXPECT_NE(error_of("filters.gaussian", "ref", DType::F32, {4, 4}, {{"sigma", "1e9"}}).find("kernel radius"),
              std::string::npos);
    EXPECT_NE(error_of("filters.sobel", "ref", DType::F32, {4, 4}, {{"axis", "2"}}).find("axis=2 is out of range"),
              std::string::npos);
    EXPECT_NE(error_of("color.rgb2gray", "ref", DType::U8, {4, 4, 4}).find("channel axis of size 3"), std::string::npos);
    EXPECT_NE(error_of("measure.label", "ref", DType::Bool, {4, 4}, {{"connectivity", "3"}}).find("connectivity=3"),
              std::string::npos);
    EXPECT_NE(error_of("morphology.erosion", "ref", DType::U8, {4, 4, 4}, {{"footprint", "disk:1"}})
                  .find("footprint=disk:1 is 2-d but the image is 3-d"), std::string::npos);
    EXPECT_NE(error_of("morphology.binary_erosion", "ref", DType::Bool, {4, 4}, {{"mode", "reflect"}}).find("mode=reflect"),
              std::string::npos);
}

TEST(Registry, OutputDtypesFollowScikitImageAndThePrecision) {
    auto out = [](const std::string& op, const std::string& backend, DType in, skb::Shape shape = {8, 8}) {
        return skb::PreparedOp(op, backend, skb::ArrayMeta{in, shape}, {}).output().dtype;
    };
    EXPECT_EQ(out("filters.gaussian", "ref", DType::U8), DType::F64);
    EXPECT_EQ(out("filters.gaussian", "ref", DType::F32), DType::F32);
    EXPECT_EQ(out("filters.gaussian", "ref", DType::F64), DType::F64);
    EXPECT_EQ(skb::float_output_dtype(DType::U8, skb::Precision::F32), DType::F32);
    EXPECT_EQ(out("measure.label", "ref", DType::Bool), DType::I32);
    EXPECT_EQ(out("measure.label", "ref", DType::U16), DType::I64);
    EXPECT_EQ(out("morphology.erosion", "ref", DType::U16), DType::U16);
    EXPECT_EQ(out("morphology.binary_erosion", "ref", DType::U8), DType::Bool);
    EXPECT_EQ(out("filters.threshold_otsu", "ref", DType::U8), DType::I64);
    EXPECT_EQ(out("color.rgb2gray", "ref", DType::U8, {4, 5, 3}), DType::F64);
    EXPECT_EQ(skb::PreparedOp("color.rgb2gray", "ref", skb::ArrayMeta{DType::U8, {4, 5, 3}}, {}).output().shape,
              (skb::Shape{4, 5}));
}

// segmentation.watershed's labels have the markers' dtype (OpSpec::output_dtype_from), whatever the image's.
TEST(Registry, WatershedOutputHasTheMarkersDtype) {
    for (DType markers : {DType::U8, DType::U16, DType::I32, DType::I64}) {
        skb::InputMetas metas(skb::ArrayMeta{DType::F32, {6, 7}});
        metas.extras.emplace("markers", skb::ArrayMeta{markers, {6, 7}});
        EXPECT_EQ(skb::PreparedOp("segmentation.watershed", "ref", metas, {}).output().dtype, markers);
        EXPECT_EQ(skb::PreparedOp("segmentation.watershed", "opt", metas, {}).output().dtype, markers);
    }
}

// A spec's declined backends: families that exist, with no implementation registered there, and preparing the op
// on any backend of the family fails with the reason.
TEST(Registry, DeclinedBackendsHaveNoImplAndSayWhy) {
    const auto& r = skb::Registry::instance();
    int declined = 0;
    for (const auto& id : r.op_ids()) {
        for (const auto& [family, why] : r.spec(id).declined) {
            EXPECT_FALSE(why.empty()) << id;
            EXPECT_EQ(why.find('\n'), std::string::npos) << id << ": one line";
            int members = 0;
            for (const auto& b : skb::known_backends()) {
                if (b.family != family) continue;
                ++members;
                ++declined;
                EXPECT_EQ(r.find_impl(id, b.name), nullptr) << id << " declines " << b.name << " but implements it";
                EXPECT_EQ(r.declined_reason(id, b.name), &why);
                const std::string error = error_of(id, b.name, r.spec(id).input_dtypes.front(), {4, 4});
                EXPECT_NE(error.find("not implemented on backend " + b.name + ": " + why), std::string::npos) << error;
            }
            EXPECT_GT(members, 0) << id << " declines '" << family << "', no backend family of that name";
        }
    }
    EXPECT_GE(declined, 2);  // watershed on cuda and cuda-emu
    EXPECT_EQ(r.declined_reason("filters.gaussian", "cuda-emu"), nullptr);
}

TEST(Registry, PreparedOpRefusesAnInputItWasNotPreparedFor) {
    const skb::PreparedOp op("filters.gaussian", "ref", skb::ArrayMeta{DType::F32, {4, 4}}, {});
    Array wrong = Array::zeros(DType::F32, {4, 5});
    EXPECT_THROW(op.run(wrong), skb::Error);
}

TEST(Audit, CountsBytesByDtypeAndPeak) {
    skb::audit::reset_peak();
    const auto before = skb::audit::snapshot();
    {
        Array a(DType::F64, {100, 10});
        Array b(DType::U8, {64});
        const auto during = skb::audit::snapshot();
        EXPECT_EQ(during.current_bytes - before.current_bytes, 8000 + 64);
        EXPECT_EQ(during.allocated_bytes(DType::F64), 8000);
        EXPECT_EQ(during.allocations, 2);
    }
    const auto after = skb::audit::snapshot();
    EXPECT_EQ(after.current_bytes, before.current_bytes);
    EXPECT_EQ(after.peak_bytes - before.current_bytes, 8064);
    EXPECT_EQ(after.allocated_bytes(DType::F64), 8000) << "cumulative until the next reset";
    skb::audit::reset_peak();
    EXPECT_EQ(skb::audit::snapshot().allocated_bytes(DType::F64), 0);
}

TEST(Audit, RefOpOnUint8AllocatesFloat64AsScikitImageDoes) {
    Array image = Array::zeros(DType::U8, {32, 32});
    skb::audit::reset_peak();
    skb::run_op("filters.gaussian", "ref", image, {});
    EXPECT_GE(skb::audit::snapshot().allocated_bytes(DType::F64), 32 * 32 * 8);
}

TEST(Array, TypedAccessIsChecked) {
    Array a(DType::F32, {2});
    EXPECT_THROW(a.data<double>(), skb::Error);
    EXPECT_EQ(reinterpret_cast<std::uintptr_t>(a.raw()) % skb::kArrayAlignment, 0u);
    EXPECT_THROW(Array(DType::F32, {-1}), skb::Error);
}

}  // namespace
