#include "skb/case_key.hpp"

#include <algorithm>
#include <charconv>
#include <vector>

#include "skb/error.hpp"

namespace skb {

std::string CaseKey::name() const {
    return workload + "/" + backend + "/" + shape + "/" + dtype + "/threads:" + std::to_string(threads);
}

std::string CaseKey::group() const { return workload + "/" + shape + "/" + dtype; }

std::string CaseKey::series() const {
    return workload + "/" + backend + "/" + dtype + "/threads:" + std::to_string(threads) + "/" +
           std::to_string(ndim()) + "d";
}

int CaseKey::ndim() const { return 1 + static_cast<int>(std::count(shape.begin(), shape.end(), 'x')); }

CaseKey CaseKey::parse(std::string_view name) {
    // The last four '/' separate the fields; the workload before them may hold anything but '/'.
    std::vector<std::string_view> fields;
    std::string_view rest = name;
    for (int i = 0; i < 4; ++i) {
        const auto slash = rest.rfind('/');
        if (slash == std::string_view::npos) break;
        fields.insert(fields.begin(), rest.substr(slash + 1));
        rest = rest.substr(0, slash);
    }
    const std::string_view prefix = "threads:";
    int threads = 0;
    const bool ok = fields.size() == 4 && !rest.empty() && rest.find('/') == std::string_view::npos &&
                    fields[3].starts_with(prefix) &&
                    std::from_chars(fields[3].data() + prefix.size(), fields[3].data() + fields[3].size(), threads).ec ==
                        std::errc{} &&
                    threads > 0;
    if (!ok)
        throw Error("benchmark case name '" + std::string(name) +
                    "' is not of the form workload/backend/shape/dtype/threads:N");
    return {std::string(rest), std::string(fields[0]), std::string(fields[1]), std::string(fields[2]), threads};
}

}  // namespace skb
