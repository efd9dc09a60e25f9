// skb::Error: the one exception type for bad input. Its message is a single line that names the bad value.
#pragma once
#include <stdexcept>
#include <string>

namespace skb {

class Error : public std::runtime_error {
public:
    explicit Error(const std::string& message) : std::runtime_error(message) {}
};

}  // namespace skb
