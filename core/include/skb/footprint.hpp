// Structuring elements ("footprints") with scikit-image's constructors and its even-size centring rules.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "skb/array.hpp"

namespace skb {

// Where the centre of an even-sized axis lies. Odd axes always centre at n/2.
enum class EvenCentre {
    Front,  // grayscale morphology pads even footprints at the front: centre (n-1)/2
    End,    // binary morphology pads at the end: centre n/2
};

struct Footprint {
    Shape shape;                       // one extent per image axis
    std::vector<std::uint8_t> mask;    // C order, 1 = element is part of the footprint
    std::string spec;                  // how it was written: "disk:2", "cross" (the default)

    int ndim() const { return static_cast<int>(shape.size()); }

    // square:N, rectangle:RxC[xD], cube:N, disk:R, ball:R, or any mask written out as array:RxC[xD]:bits (0/1 per
    // element, C order). Throws skb::Error naming the bad text.
    static Footprint parse(std::string_view text);
    // scikit-image's default: generate_binary_structure(ndim, 1), the cross of face neighbours.
    static Footprint cross(int ndim);
    // generate_binary_structure(ndim, connectivity): the centre and the neighbours that move along at most
    // `connectivity` axes (1: the cross, ndim: the 3^n box).
    static Footprint connectivity_structure(int ndim, int connectivity);
    // The c for which this footprint is connectivity_structure(ndim, c) (union-find labelling can then stand in
    // for a flood with it), or none.
    std::optional<int> connectivity() const;

    // Offsets (one per axis) of the footprint's elements relative to its centre, in C order.
    std::vector<std::vector<std::int64_t>> offsets(EvenCentre centre) const;
};

// Negated offsets: the footprint mirrored through its centre.
std::vector<std::vector<std::int64_t>> mirrored(std::vector<std::vector<std::int64_t>> offsets);

// Whether offsets (non-empty, distinct, one entry per axis) fill the box they span; lo and hi receive its
// corners, one entry per axis. Box footprints can run as one line pass per axis.
bool is_box(const std::vector<std::vector<std::int64_t>>& offsets, std::int64_t* lo, std::int64_t* hi);

}  // namespace skb
