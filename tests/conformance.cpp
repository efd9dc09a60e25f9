// Golden conformance: one test per (golden case x backend registered for its op). A failure prints the max
// abs/rel error and the first bad index. SKB_GOLDEN_DIR (environment) overrides the golden directory.
// On a machine with a CUDA device (backend `cuda` registered), device_vs_emulator also runs every golden input
// through `cuda` and `cuda-emu` (the same kernel sources) and holds the device's answer to the emulator's, at
// cuda's tolerance (exact for integral outputs); elsewhere it is one skipped test saying why.
// --stratified: one golden case per stratum (op x input dtype x rank x refused; golden::stratified), for builds
// that repeat the release build's code under another instrument (sanitizers, the emulator's schedules).
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <set>

#include "skb/golden.hpp"
#include "skb/npy.hpp"
#include "skb/registry.hpp"

namespace {

std::string golden_dir() {
    const char* env = std::getenv("SKB_GOLDEN_DIR");
    return env ? env : SKB_GOLDEN_DIR;
}

std::string test_name(std::string s) {
    for (char& ch : s)
        if (ch == '.' || ch == '/' || ch == '-') ch = '_';
    return s;
}

class GoldenCaseTest : public testing::Test {
public:
    GoldenCaseTest(skb::golden::Case c, std::string backend) : case_(std::move(c)), backend_(std::move(backend)) {}
    void TestBody() override {
        const auto outcome = skb::golden::check_case(case_, backend_);
        std::string params;
        for (const auto& [k, v] : case_.params) params += " " + k + "=" + v;
        EXPECT_EQ(outcome.status, skb::golden::Status::Pass)
            << case_.id << "/" << backend_ << " (" << case_.note << ";" << params << "): " << outcome.detail;
    }

private:
    skb::golden::Case case_;
    std::string backend_;
};

class DeviceVsEmulatorTest : public testing::Test {
public:
    explicit DeviceVsEmulatorTest(skb::golden::Case c) : case_(std::move(c)) {}
    void TestBody() override {
        const skb::InputArrays loaded = skb::golden::load_inputs(case_);
        const skb::OpInputs input = loaded.view();
        skb::Array device, emulated;
        try {
            device = skb::run_op(case_.op, "cuda", input, case_.params);
        } catch (const skb::Error& device_error) {  // refused on the device: the emulator must refuse it too
            EXPECT_THROW(skb::run_op(case_.op, "cuda-emu", input, case_.params), skb::Error)
                << case_.id << ": cuda refused (" << device_error.what() << ") but cuda-emu did not";
            return;
        }
        emulated = skb::run_op(case_.op, "cuda-emu", input, case_.params);
        const auto outcome = skb::golden::check_result(case_.op, "cuda", device, emulated, emulated.dtype());
        EXPECT_EQ(outcome.status, skb::golden::Status::Pass) << case_.id << ": cuda vs cuda-emu: " << outcome.detail;
    }

private:
    skb::golden::Case case_;
};

}  // namespace

int main(int argc, char** argv) {
    testing::InitGoogleTest(&argc, argv);
    bool stratified = false;
    for (int i = 1; i < argc; ++i) {
        if (std::string(argv[i]) == "--stratified") stratified = true;
        else {
            std::fprintf(stderr, "skb_conformance: unknown argument '%s' (gtest flags, or --stratified)\n", argv[i]);
            return 2;
        }
    }
    const auto manifest = skb::golden::load_manifest(golden_dir());
    const auto cases = stratified ? skb::golden::stratified(manifest.cases) : manifest.cases;
    const auto& registry = skb::Registry::instance();
    std::set<std::string> ops_with_cases;
    for (const auto& c : cases) {
        ops_with_cases.insert(c.op);
        for (const auto& backend : registry.backends_of(c.op)) {
            testing::RegisterTest(("conformance_" + test_name(backend)).c_str(), test_name(c.id).c_str(), nullptr,
                                  nullptr, __FILE__, __LINE__,
                                  [c, backend]() -> testing::Test* { return new GoldenCaseTest(c, backend); });
        }
    }
    bool any_device_case = false;
    for (const auto& c : cases) {
        if (!registry.find_impl(c.op, "cuda") || !registry.find_impl(c.op, "cuda-emu")) continue;
        any_device_case = true;
        testing::RegisterTest("device_vs_emulator", test_name(c.id).c_str(), nullptr, nullptr, __FILE__, __LINE__,
                              [c]() -> testing::Test* { return new DeviceVsEmulatorTest(c); });
    }
    if (!any_device_case) {
        testing::RegisterTest("device_vs_emulator", "needs_a_cuda_device", nullptr, nullptr, __FILE__, __LINE__,
                              []() -> testing::Test* {
                                  struct T : testing::Test {
                                      void TestBody() override {
                                          GTEST_SKIP() << "backend cuda is not registered (no CUDA device, or built "
                                                          "without nvcc): device outputs not compared";
                                      }
                                  };
                                  return new T;
                              });
    }
    // Every registered op must have golden cases, and every golden op must be registered with a ref backend.
    for (const auto& id : registry.op_ids()) {
        testing::RegisterTest("coverage", test_name(id).c_str(), nullptr, nullptr, __FILE__, __LINE__,
                              [id, has = ops_with_cases.count(id) > 0]() -> testing::Test* {
                                  struct T : testing::Test {
                                      std::string id;
                                      bool has;
                                      void TestBody() override { EXPECT_TRUE(has) << id << " has no golden cases"; }
                                  };
                                  auto* t = new T;
                                  t->id = id;
                                  t->has = has;
                                  return t;
                              });
    }
    for (const auto& op : ops_with_cases) {
        testing::RegisterTest("coverage", ("ref_of_" + test_name(op)).c_str(), nullptr, nullptr, __FILE__, __LINE__,
                              [op]() -> testing::Test* {
                                  struct T : testing::Test {
                                      std::string op;
                                      void TestBody() override {
                                          EXPECT_NE(skb::Registry::instance().find_impl(op, "ref"), nullptr)
                                              << "golden op " << op << " has no ref backend";
                                      }
                                  };
                                  auto* t = new T;
                                  t->op = op;
                                  return t;
                              });
    }
    return RUN_ALL_TESTS();
}
