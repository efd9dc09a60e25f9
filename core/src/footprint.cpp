#include "skb/footprint.hpp"

#include <algorithm>
#include <charconv>

namespace skb {
namespace {

constexpr std::int64_t kMaxExtent = 4097;  // a footprint wider than this is surely a typo
constexpr std::int64_t kMaxElements = std::int64_t{1} << 24;  // 256^3: larger masks would take gigabytes

// The element count of a footprint of this shape, refused beyond kMaxElements (before anything is allocated:
// ball:975 asked for 7.4 GB, a fuzz finding).
std::size_t checked_count(const Shape& shape, const std::string& spec) {
    std::int64_t n = 1;
    for (const std::int64_t extent : shape) {
        n *= extent;  // extents are at most kMaxExtent, and n stays at most kMaxElements: no overflow
        if (n > kMaxElements)
            throw Error("footprint '" + spec.substr(0, 64) + "' has more than " + std::to_string(kMaxElements) +
                        " elements (" + shape_string(shape) + ")");
    }
    return static_cast<std::size_t>(n);
}

std::int64_t parse_extent(std::string_view number, std::string_view whole, std::int64_t minimum) {
    std::int64_t value = 0;
    const auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), value);
    if (number.empty() || ec != std::errc() || end != number.data() + number.size())
        throw Error("footprint '" + std::string(whole) + "': '" + std::string(number) + "' is not an integer");
    if (value < minimum || value > kMaxExtent)
        throw Error("footprint '" + std::string(whole) + "': " + std::to_string(value) + " is out of range [" +
                    std::to_string(minimum) + ", " + std::to_string(kMaxExtent) + "]");
    return value;
}

// "RxC[xD...]": extents of at least 1, separated by 'x'.
Shape parse_extents(std::string_view extents, std::string_view whole) {
    Shape shape;
    std::size_t start = 0;
    while (true) {
        const auto x = extents.find('x', start);
        shape.push_back(parse_extent(extents.substr(start, x - start), whole, 1));
        if (x == std::string_view::npos) return shape;
        start = x + 1;
    }
}

Footprint box(Shape shape, std::string spec) {
    const std::size_t n = checked_count(shape, spec);
    return Footprint{std::move(shape), std::vector<std::uint8_t>(n, 1), std::move(spec)};
}

// Elements with sum of squared offsets <= r^2 (disk: 2 axes, ball: 3), as scikit-image's strict_radius default.
Footprint sphere(int ndim, std::int64_t r, std::string spec) {
    const std::int64_t n = 2 * r + 1;
    Shape shape(ndim, n);
    const std::size_t count = checked_count(shape, spec);
    Footprint f{shape, std::vector<std::uint8_t>(count), std::move(spec)};
    for (std::size_t i = 0; i < f.mask.size(); ++i) {
        std::int64_t rest = static_cast<std::int64_t>(i), sum = 0;
        for (int d = 0; d < ndim; ++d) {
            const std::int64_t k = rest % n - r;
            rest /= n;
            sum += k * k;
        }
        f.mask[i] = sum <= r * r;
    }
    return f;
}

// array:RxC[xD]:bits, the elements in C order as 0/1 characters: any footprint written out (the Python package
// passes NumPy footprints this way).
Footprint explicit_mask(std::string_view arg, const std::string& spec) {
    const auto colon = arg.find(':');
    if (colon == std::string_view::npos)
        throw Error("footprint '" + spec + "' is not of the form array:RxC:bits (one 0/1 per element, C order)");
    const std::string_view extents = arg.substr(0, colon), bits = arg.substr(colon + 1);
    Shape shape = parse_extents(extents, spec);
    if (shape.size() > 3) throw Error("footprint '" + spec.substr(0, 64) + "' has more than 3 axes");
    const std::size_t n = checked_count(shape, spec);
    if (bits.size() != n)
        throw Error("footprint array:" + std::string(extents) + " needs " + std::to_string(n) + " 0/1 elements, got " +
                    std::to_string(bits.size()));
    Footprint f{std::move(shape), std::vector<std::uint8_t>(n), spec};
    for (std::size_t i = 0; i < n; ++i) {
        if (bits[i] != '0' && bits[i] != '1')
            throw Error("footprint array:" + std::string(extents) + ": element " + std::to_string(i) + " is '" +
                        std::string(1, bits[i]) + "', not 0 or 1");
        f.mask[i] = bits[i] == '1';
    }
    return f;
}

}  // namespace

Footprint Footprint::parse(std::string_view text) {
    const auto colon = text.find(':');
    if (colon == std::string_view::npos)
        throw Error("footprint '" + std::string(text) +
                    "' is not of the form square:N, rectangle:RxC, cube:N, disk:R, ball:R or array:RxC:bits");
    const std::string_view kind = text.substr(0, colon), arg = text.substr(colon + 1);
    const std::string spec(text);
    if (kind == "square") {
        const auto n = parse_extent(arg, text, 1);
        return box({n, n}, spec);
    }
    if (kind == "cube") {
        const auto n = parse_extent(arg, text, 1);
        return box({n, n, n}, spec);
    }
    if (kind == "rectangle") {
        Shape shape = parse_extents(arg, text);
        if (shape.size() < 2 || shape.size() > 3)
            throw Error("footprint '" + spec + "' needs 2 or 3 extents (rectangle:RxC or rectangle:AxBxC)");
        return box(std::move(shape), spec);
    }
    if (kind == "array") return explicit_mask(arg, spec);
    if (kind == "disk") return sphere(2, parse_extent(arg, text, 0), spec);
    if (kind == "ball") return sphere(3, parse_extent(arg, text, 0), spec);
    throw Error("unknown footprint kind '" + std::string(kind) + "' in '" + spec +
                "' (expected square, rectangle, cube, disk, ball or array)");
}

Footprint Footprint::cross(int ndim) {
    Footprint f = connectivity_structure(ndim, 1);
    f.spec = "cross";
    return f;
}

Footprint Footprint::connectivity_structure(int ndim, int connectivity) {
    Shape shape(ndim, 3);
    Footprint f{shape, std::vector<std::uint8_t>(static_cast<std::size_t>(element_count(shape))),
                "connectivity:" + std::to_string(connectivity)};
    for (std::size_t i = 0; i < f.mask.size(); ++i) {
        std::int64_t rest = static_cast<std::int64_t>(i), off_centre = 0;
        for (int d = 0; d < ndim; ++d) {
            off_centre += (rest % 3 != 1);
            rest /= 3;
        }
        f.mask[i] = off_centre <= connectivity;
    }
    return f;
}

std::optional<int> Footprint::connectivity() const {
    for (int c = 1; c <= ndim(); ++c)
        if (connectivity_structure(ndim(), c).mask == mask && shape == Shape(ndim(), 3)) return c;
    return std::nullopt;
}

std::vector<std::vector<std::int64_t>> Footprint::offsets(EvenCentre centre) const {
    std::vector<std::int64_t> middle(shape.size());
    for (std::size_t d = 0; d < shape.size(); ++d)
        middle[d] = (shape[d] % 2 == 0 && centre == EvenCentre::Front) ? (shape[d] - 1) / 2 : shape[d] / 2;
    const Shape strides = c_strides(shape);
    std::vector<std::vector<std::int64_t>> result;
    for (std::size_t i = 0; i < mask.size(); ++i) {
        if (!mask[i]) continue;
        std::vector<std::int64_t> offset(shape.size());
        for (std::size_t d = 0; d < shape.size(); ++d)
            offset[d] = (static_cast<std::int64_t>(i) / strides[d]) % shape[d] - middle[d];
        result.push_back(std::move(offset));
    }
    return result;
}

std::vector<std::vector<std::int64_t>> mirrored(std::vector<std::vector<std::int64_t>> offsets) {
    for (auto& offset : offsets)
        for (auto& k : offset) k = -k;
    return offsets;
}

bool is_box(const std::vector<std::vector<std::int64_t>>& offsets, std::int64_t* lo, std::int64_t* hi) {
    std::int64_t volume = 1;
    for (std::size_t d = 0; d < offsets.front().size(); ++d) {
        lo[d] = hi[d] = offsets.front()[d];
        for (const auto& o : offsets) lo[d] = std::min(lo[d], o[d]), hi[d] = std::max(hi[d], o[d]);
        volume *= hi[d] - lo[d] + 1;
    }
    return static_cast<std::int64_t>(offsets.size()) == volume;
}

}  // namespace skb
