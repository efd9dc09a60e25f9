#include "skb/border.hpp"

#include <string>

#include "skb/error.hpp"

namespace skb {

namespace {
constexpr BorderMode kModes[] = {BorderMode::Reflect, BorderMode::Mirror, BorderMode::Nearest, BorderMode::Wrap,
                                 BorderMode::Constant};
}

std::string_view border_mode_name(BorderMode mode) {
    switch (mode) {
        case BorderMode::Reflect: return "reflect";
        case BorderMode::Mirror: return "mirror";
        case BorderMode::Nearest: return "nearest";
        case BorderMode::Wrap: return "wrap";
        case BorderMode::Constant: return "constant";
    }
    return "?";
}

BorderMode parse_border_mode(std::string_view name) {
    for (BorderMode m : kModes)
        if (name == border_mode_name(m)) return m;
    throw Error("unknown boundary mode '" + std::string(name) + "' (expected reflect, mirror, nearest, wrap or constant)");
}

}  // namespace skb
