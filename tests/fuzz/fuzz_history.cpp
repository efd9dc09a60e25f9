// libFuzzer target: opening a history store whose bytes are arbitrary (a corrupted or foreign file given as
// --db): it must be refused with skb::Error, or open and list its runs, each loading or failing with skb::Error.
// The bytes go to a fresh file per input (SQLite reads files); anything but skb::Error is a finding.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "gate/history.hpp"
#include "skb/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const std::filesystem::path path =
        std::filesystem::temp_directory_path() / ("skb-fuzz-history-" + std::to_string(getpid()) + ".sqlite");
    for (const char* suffix : {"", "-wal", "-shm", "-journal"}) std::filesystem::remove(path.string() + suffix);
    {
        std::ofstream out(path, std::ios::binary);
        out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
    }
    try {
        const skb::gate::History store(path.string());
        for (const auto& run : store.runs()) {
            try {
                (void)store.load(run.id);
            } catch (const skb::Error&) {
            }
        }
    } catch (const skb::Error&) {
    }
    return 0;
}
