// libFuzzer target: the .npy reader on arbitrary bytes. Bad files must end in skb::Error (one line naming the
// problem); anything else (a crash, a sanitizer report, another exception, a huge allocation) is a finding.
#include <cstddef>
#include <cstdint>
#include <span>

#include "skb/error.hpp"
#include "skb/npy.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    try {
        const skb::Array array = skb::npy::parse(std::as_bytes(std::span(data, size)), "fuzz.npy");
        // A parsed array must round-trip: serialise it and parse it again to the same bytes.
        const std::string again = skb::npy::serialize(array);
        const skb::Array back = skb::npy::parse(std::as_bytes(std::span(again.data(), again.size())), "again.npy");
        if (skb::npy::serialize(back) != again) __builtin_trap();
    } catch (const skb::Error&) {
    }
    return 0;
}
