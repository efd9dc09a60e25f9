#include "stats.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <stdexcept>

namespace skb::gate {

double median(std::vector<double> v) {
    if (v.empty()) throw std::invalid_argument("median of no samples");
    std::sort(v.begin(), v.end());
    const std::size_t n = v.size();
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

double hodges_lehmann_ratio(const std::vector<double>& current, const std::vector<double>& baseline) {
    std::vector<double> ratios;
    ratios.reserve(current.size() * baseline.size());
    for (const double x : current)
        for (const double y : baseline) ratios.push_back(x / y);
    return median(std::move(ratios));
}

namespace {

// P(U >= u) for samples of sizes n and m without ties: counts of arrangements by U, from the recurrence
// c(n, m, u) = c(n - 1, m, u - m) + c(n, m - 1, u) (the largest value belongs to one sample or the other).
double exact_greater(int n, int m, double u) {
    const int max_u = n * m;
    // counts[i][j] over u, built up for i <= n, j <= m; doubles hold C(40, 20) exactly enough.
    std::vector<std::vector<std::vector<double>>> c(n + 1, std::vector<std::vector<double>>(m + 1));
    for (int i = 0; i <= n; ++i)
        for (int j = 0; j <= m; ++j) {
            c[i][j].assign(i * j + 1, 0.0);
            if (i == 0 || j == 0) {
                c[i][j][0] = 1;
                continue;
            }
            for (int k = 0; k <= i * j; ++k) {
                double v = 0;
                if (k - j >= 0 && k - j <= (i - 1) * j) v += c[i - 1][j][k - j];
                if (k <= i * (j - 1)) v += c[i][j - 1][k];
                c[i][j][k] = v;
            }
        }
    double total = 0, tail = 0;
    for (int k = 0; k <= max_u; ++k) {
        total += c[n][m][k];
        if (k >= u - 1e-9) tail += c[n][m][k];
    }
    return tail / total;
}

}  // namespace

MannWhitney mann_whitney_greater(const std::vector<double>& current, const std::vector<double>& baseline) {
    const int n = static_cast<int>(current.size()), m = static_cast<int>(baseline.size());
    if (n == 0 || m == 0) throw std::invalid_argument("Mann-Whitney U needs samples on both sides");
    MannWhitney r;
    for (double x : current)
        for (double y : baseline) r.u += x > y ? 1.0 : (x == y ? 0.5 : 0.0);
    std::map<double, int> counts;
    for (double x : current) ++counts[x];
    for (double y : baseline) ++counts[y];
    const bool ties = static_cast<int>(counts.size()) < n + m;
    if (!ties && n <= 30 && m <= 30) {
        r.exact = true;
        r.p_greater = exact_greater(n, m, r.u);
        return r;
    }
    const double N = n + m, mu = 0.5 * n * m;
    double tie_term = 0;
    for (const auto& [value, t] : counts) tie_term += static_cast<double>(t) * t * t - t;
    const double variance = n * m / 12.0 * ((N + 1) - tie_term / (N * (N - 1)));
    if (variance <= 0) {  // every sample equal
        r.p_greater = 1;
        return r;
    }
    const double z = (r.u - mu - 0.5) / std::sqrt(variance);
    r.p_greater = 0.5 * std::erfc(z / std::sqrt(2.0));
    return r;
}

}  // namespace skb::gate
