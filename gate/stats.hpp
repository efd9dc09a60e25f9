// Statistics for the wall-time gate: the one-sided Mann-Whitney U test (is `current` stochastically larger, i.e.
// slower, than `baseline`?). Exact null distribution without ties for small samples, otherwise the normal
// approximation with tie and continuity corrections (as SciPy's mannwhitneyu does).
#pragma once
#include <vector>

namespace skb::gate {

struct MannWhitney {
    double u = 0;        // U of `current`: pairs where current > baseline, ties counting one half
    double p_greater = 1;  // P(U >= u) under "same distribution"
    bool exact = false;
};

MannWhitney mann_whitney_greater(const std::vector<double>& current, const std::vector<double>& baseline);

double median(std::vector<double> v);

// The Hodges-Lehmann estimate of a ratio: the median of every current/baseline ratio, the effect size that goes
// with the rank test (steadier than a ratio of minima or of medians).
double hodges_lehmann_ratio(const std::vector<double>& current, const std::vector<double>& baseline);

}  // namespace skb::gate
