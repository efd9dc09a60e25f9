// libFuzzer target: the results-JSON reader that `gate` and `report` use on files CI produces from untrusted
// branches. Text that is not JSON stops at the JSON parser; JSON that is not a results document must end in
// skb::Error naming the problem; anything else is a finding.
#include <cstddef>
#include <cstdint>

#include <nlohmann/json.hpp>

#include "gate/results.hpp"
#include "skb/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const nlohmann::json doc = nlohmann::json::parse(data, data + size, nullptr, /*allow_exceptions=*/false);
    if (doc.is_discarded()) return 0;
    try {
        const skb::gate::RunRecord run = skb::gate::results_from_json(doc, "fuzz.json");
        (void)skb::gate::machine_fingerprint(run.context);
    } catch (const skb::Error&) {
    }
    return 0;
}
