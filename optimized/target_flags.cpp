// The linked opt backend's target, reported in every results file's build context (cxx_flags): the gate keeps one
// baseline per build, and a native and a portable opt are two builds.
#include "skb/build_info.hpp"

namespace skb::build_info {
const char* const kOptTargetFlags = SKB_OPT_TARGET_FLAGS;
}  // namespace skb::build_info
