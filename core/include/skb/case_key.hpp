// A benchmark case's identity, and the one place its names are spelled: `skbench bench` writes them, the gate, the
// history store and the report read them back (CaseKey::parse), so no caller rebuilds a name by hand.
#pragma once
#include <string>
#include <string_view>

namespace skb {

struct CaseKey {
    std::string workload;  // "filters.gaussian", "seed.gaussian3d", "morphology.erosion:footprint=cube:10"
    std::string backend;   // ours (ref, opt, cuda, cuda-emu) or a peer (skimage, scipy, opencv)
    std::string shape;     // spatial extents, "4096x4096" (an RGB input's channel axis is not one)
    std::string dtype;     // the input's dtype tag: "f32", "u8", "b1"
    int threads = 1;

    std::string name() const;    // workload/backend/shape/dtype/threads:N
    std::string group() const;   // workload/shape/dtype: the cases that share one input and one answer
    std::string series() const;  // workload/backend/dtype/threads:N/Nd: one line along the size axis
    int ndim() const;            // spatial axes of `shape`
    // The key of a name() (a workload may itself hold ':' and '='); throws skb::Error on another form.
    static CaseKey parse(std::string_view name);
};

}  // namespace skb
