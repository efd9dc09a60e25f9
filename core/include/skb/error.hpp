// skb::Error: the one exception type for bad input (exit 2). Its message is a single line that names the bad value.
// skb::InternalError: a broken invariant or an impossible state, i.e. a bug in skbench (exit 3). It deliberately
// does not derive from skb::Error, so that no `catch (const skb::Error&)` can mistake a bug for bad input.
#pragma once
#include <stdexcept>
#include <string>

namespace skb {

class Error : public std::runtime_error {
public:
    explicit Error(const std::string& message) : std::runtime_error(message) {}
};

class InternalError : public std::logic_error {
public:
    explicit InternalError(const std::string& message) : std::logic_error(message) {}
};

}  // namespace skb
