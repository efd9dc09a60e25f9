// Golden conformance: one test per (golden case x backend registered for its op). A failure prints the max
// abs/rel error and the first bad index. SKB_GOLDEN_DIR (environment) overrides the golden directory.
#include <gtest/gtest.h>

#include <cstdlib>
#include <set>

#include "skb/golden.hpp"
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

}  // namespace

int main(int argc, char** argv) {
    testing::InitGoogleTest(&argc, argv);
    const auto manifest = skb::golden::load_manifest(golden_dir());
    const auto& registry = skb::Registry::instance();
    std::set<std::string> ops_with_cases;
    for (const auto& c : manifest.cases) {
        ops_with_cases.insert(c.op);
        for (const auto& backend : registry.backends_of(c.op)) {
            testing::RegisterTest(("conformance_" + test_name(backend)).c_str(), test_name(c.id).c_str(), nullptr,
                                  nullptr, __FILE__, __LINE__,
                                  [c, backend]() -> testing::Test* { return new GoldenCaseTest(c, backend); });
        }
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
