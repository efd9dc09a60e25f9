// The gate's pieces on constructed runs: Mann-Whitney U against SciPy's values, each deterministic check, the
// wall-time verdicts, infrastructure problems and exit codes, and the history store's round trip.
#include <gtest/gtest.h>

#include <filesystem>

#include "gate/gate.hpp"
#include "gate/history.hpp"
#include "gate/stats.hpp"

namespace {

using skb::gate::Verdict;

// Expected p-values: scipy.stats.mannwhitneyu(x, y, alternative='greater', method=...) with SciPy 1.16.3.
TEST(GateStats, MannWhitneyMatchesScipy) {
    struct Case {
        std::vector<double> x, y;
        double u, p;
        bool exact;
    };
    const std::vector<Case> cases = {
        {{1.2, 1.3, 1.25, 1.4, 1.5, 1.33, 1.28, 1.31, 1.45}, {1.0, 1.1, 1.05, 1.2, 1.15, 1.12, 1.02, 1.08, 1.11}, 80.5,
         0.00024174863934919313, false},  // a tie: asymptotic
        {{1.0, 1.1, 1.05, 1.2, 1.15, 1.12, 1.02, 1.08, 1.11}, {1.2, 1.3, 1.25, 1.4, 1.5, 1.33, 1.28, 1.31, 1.45}, 0.5,
         0.9998269389661661, false},
        {{3.0, 1.0, 2.5, 4.1, 0.7}, {2.0, 3.5, 1.5, 0.9, 2.2, 2.8}, 16.0, 0.4653679653679653, true},
        {{1, 2, 2, 3, 3, 3, 4}, {2, 2, 3, 4, 4, 5, 5, 6}, 13.5, 0.9621342283589351, false},
    };
    for (const auto& c : cases) {
        const auto r = skb::gate::mann_whitney_greater(c.x, c.y);
        EXPECT_DOUBLE_EQ(r.u, c.u);
        EXPECT_EQ(r.exact, c.exact);
        EXPECT_NEAR(r.p_greater, c.p, 1e-12 + 1e-9 * c.p);
    }
}

skb::gate::RunRecord make_run(double time_scale = 1.0, double jitter_seed = 0) {
    skb::gate::RunRecord run;
    run.context = {{"build_type", "Release"},       {"results_valid", true}, {"cpu_model", "Test CPU"},
                   {"hardware_threads", 2},         {"compiler", "GNU 12.2.0"}, {"cxx_flags", "-O3"},
                   {"stream_triad_GBps", 30.0},     {"git_sha", "abc"}};
    for (const std::string backend : {"opt", "ref"}) {
        skb::gate::CaseRecord c;
        c.name = "filters.gaussian/" + backend + "/1024x1024/f32/threads:1";
        c.op = c.workload = "filters.gaussian";
        c.backend = backend, c.shape = "1024x1024", c.dtype = "float32", c.output_dtype = "float32";
        c.pixels = 1 << 20;
        c.metrics = {{"f64_bytes", backend == "ref" ? 8.0 * (1 << 20) : 0.0}, {"peak_bytes", 8.0 * (1 << 20)},
                     {"bytes_per_call", 8.0 * (1 << 20)}};
        const double base = backend == "ref" ? 100.0 : 5.0;
        for (int i = 0; i < 9; ++i)
            c.real_time_ms.push_back(time_scale * base * (1 + 0.01 * ((i * 7 + static_cast<int>(jitter_seed)) % 5)));
        run.cases.push_back(c);
    }
    run.instructions = {{"filters.gaussian/opt", 1e6}, {"filters.gaussian/ref", 5e6}};
    return run;
}

skb::gate::GateReport gate(const skb::gate::RunRecord& base, const skb::gate::RunRecord& cur, bool det = false) {
    skb::gate::GateOptions o;
    o.deterministic_only = det;
    return skb::gate::run_gate(base, cur, o);
}

Verdict check_verdict(const skb::gate::GateReport& r, const std::string& check) {
    for (const auto& f : r.findings)
        if (f.check == check && f.verdict != Verdict::Pass) return f.verdict;
    return Verdict::Pass;
}

TEST(Gate, UnchangedRunPasses) {
    const auto r = gate(make_run(), make_run(1.0, 3));
    EXPECT_TRUE(r.infrastructure.empty());
    EXPECT_EQ(r.count(Verdict::Regression), 0);
    EXPECT_EQ(r.count(Verdict::Ambiguous), 0);
    EXPECT_EQ(r.exit_code(), skb::gate::kGatePass);
}

TEST(Gate, DeterministicChecksFlagEachPlantedChange) {
    {
        auto cur = make_run();
        cur.cases[0].metrics["f64_bytes"] = 64;  // opt allocates float64
        EXPECT_EQ(check_verdict(gate(make_run(), cur, true), "f64_bytes"), Verdict::Regression);
        cur.cases[0].metrics["f64_result_bytes"] = 64;  // ... which is its float64 result (regionprops_table)
        EXPECT_EQ(check_verdict(gate(make_run(), cur, true), "f64_bytes"), Verdict::Pass);
        cur.cases[0].metrics["f64_bytes"] = 72;  // and 8 bytes of float64 scratch beside it
        EXPECT_EQ(check_verdict(gate(make_run(), cur, true), "f64_bytes"), Verdict::Regression);
    }
    {
        auto cur = make_run();
        cur.cases[0].metrics["peak_bytes"] *= 1.06;
        EXPECT_EQ(check_verdict(gate(make_run(), cur, true), "peak_bytes"), Verdict::Regression);
        cur.cases[0].metrics["peak_bytes"] = 8.0 * (1 << 20) * 1.04;  // within 5%
        EXPECT_EQ(check_verdict(gate(make_run(), cur, true), "peak_bytes"), Verdict::Pass);
    }
    {
        auto cur = make_run();
        cur.cases[0].output_dtype = "float64";
        EXPECT_EQ(check_verdict(gate(make_run(), cur, true), "output_dtype"), Verdict::Regression);
    }
    {
        auto cur = make_run();
        cur.instructions["filters.gaussian/opt"] = 1.025e6;
        const auto r = gate(make_run(), cur, true);
        EXPECT_EQ(check_verdict(r, "instructions"), Verdict::Regression);
        EXPECT_EQ(r.exit_code(), skb::gate::kGateRegression);
        cur.instructions["filters.gaussian/opt"] = 1.015e6;
        EXPECT_EQ(check_verdict(gate(make_run(), cur, true), "instructions"), Verdict::Pass);
    }
    {
        auto base = make_run(), cur = make_run();
        base.cases[0].metrics["h2d_calls"] = 1, cur.cases[0].metrics["h2d_calls"] = 2;
        EXPECT_EQ(check_verdict(gate(base, cur, true), "h2d_calls"), Verdict::Regression);
    }
}

TEST(Gate, WallTimeVerdicts) {
    EXPECT_EQ(check_verdict(gate(make_run(), make_run(1.25)), "wall_time"), Verdict::Regression);
    EXPECT_EQ(check_verdict(gate(make_run(), make_run(0.8)), "wall_time"), Verdict::Improved);
    // Consistently 9% slower: significant beyond the 5% noise margin, but under the 10% effect -> AMBIGUOUS, a
    // warning that does not fail; 3% slower is within the noise margin -> PASS.
    EXPECT_EQ(check_verdict(gate(make_run(), make_run(1.03)), "wall_time"), Verdict::Pass);
    const auto r = gate(make_run(), make_run(1.09));
    EXPECT_EQ(check_verdict(r, "wall_time"), Verdict::Ambiguous);
    EXPECT_EQ(r.exit_code(), skb::gate::kGatePass);
    // Deterministic-only mode never looks at time.
    EXPECT_EQ(gate(make_run(), make_run(1.5), true).exit_code(), skb::gate::kGatePass);
}

TEST(Gate, SameRunRatioFloors) {
    auto cur = make_run();
    for (auto& t : cur.cases[0].real_time_ms) t *= 25;  // opt slower than ref: below the default 2x floor
    const auto r = gate(make_run(), cur);
    EXPECT_EQ(check_verdict(r, "opt_speedup"), Verdict::Regression) << skb::gate::verdict_table(r);
}

TEST(Gate, InfrastructureProblemsAreNeverVerdicts) {
    auto debug = make_run();
    debug.context["build_type"] = "Debug";
    debug.context["results_valid"] = false;
    EXPECT_EQ(gate(make_run(), debug).exit_code(), skb::gate::kGateInfrastructure);
    auto other_machine = make_run(2.0);
    other_machine.context["cpu_model"] = "Other CPU";
    const auto r = gate(other_machine, make_run());
    EXPECT_EQ(r.exit_code(), skb::gate::kGateInfrastructure);
    EXPECT_EQ(r.count(Verdict::Regression), 0);
    // ... but deterministic metrics of the same build compare across machines.
    EXPECT_EQ(gate(other_machine, make_run(), true).exit_code(), skb::gate::kGatePass);
    auto other_build = make_run();
    other_build.context["cxx_flags"] = "-O2";
    EXPECT_EQ(gate(other_build, make_run(), true).exit_code(), skb::gate::kGateInfrastructure);
}

TEST(GateHistory, RecordsAndLoadsRunsAndPicksTheBestBaseline) {
    const auto path = std::filesystem::temp_directory_path() / ("skb_history_test_" + std::to_string(::getpid()) + ".sqlite");
    std::filesystem::remove(path);
    {
        skb::gate::History h(path.string());
        const auto run = make_run();
        const auto first = h.record(run, "a.json");
        auto partial = make_run();
        partial.cases.pop_back();
        const auto second = h.record(partial, "b.json");
        EXPECT_TRUE(h.integrity_ok());
        ASSERT_EQ(h.runs().size(), 2u);
        const std::vector<std::string> names = {run.cases[0].name, run.cases[1].name};
        const std::string machine = skb::gate::machine_fingerprint(run.context);
        EXPECT_EQ(h.best_match(machine, "", names), first);  // the newest run holding every case
        EXPECT_EQ(h.best_match(machine, "", {run.cases[0].name}), second);
        EXPECT_FALSE(h.best_match("another-machine", "", names).has_value());
        const auto loaded = h.load(first);
        ASSERT_EQ(loaded.cases.size(), 2u);
        EXPECT_EQ(loaded.cases[0].real_time_ms, run.cases[0].real_time_ms);
        EXPECT_EQ(loaded.cases[1].metrics, run.cases[1].metrics);
        EXPECT_EQ(loaded.cases[0].output_dtype, "float32");
        EXPECT_EQ(loaded.instructions, run.instructions);
    }
    EXPECT_TRUE(skb::gate::is_history_file(path.string()));
    std::filesystem::remove(path);
}

}  // namespace
