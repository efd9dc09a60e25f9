#include "skb/npy.hpp"

#include "skb/files.hpp"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <optional>
#include <string_view>

namespace skb::npy {
namespace {

constexpr char kMagic[] = "\x93NUMPY";
constexpr std::size_t kMagicSize = 6;
constexpr std::size_t kMaxHeaderSize = 1 << 20;  // NumPy itself refuses headers past 10 kB by default

[[noreturn]] void fail(const std::string& source, const std::string& what) {
    throw Error(source + ": not a valid .npy file: " + what);
}

std::uint32_t read_le(const std::byte* p, int n) {
    std::uint32_t v = 0;
    for (int i = n - 1; i >= 0; --i) v = (v << 8) | static_cast<std::uint8_t>(p[i]);
    return v;
}

// The header is a Python dict literal, e.g. {'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }.
// This parser accepts exactly the three keys NumPy writes, with string, bool and int-tuple values.
struct Header {
    std::optional<std::string> descr;
    std::optional<bool> fortran_order;
    std::optional<Shape> shape;
};

class HeaderParser {
public:
    HeaderParser(std::string_view text, const std::string& source) : s_(text), source_(source) {}

    Header parse() {
        Header h;
        expect('{');
        while (true) {
            skip_space();
            if (peek() == '}') break;
            const std::string key = quoted();
            expect(':');
            skip_space();
            if (key == "descr") set_once(h.descr, quoted(), key);
            else if (key == "fortran_order") set_once(h.fortran_order, boolean(), key);
            else if (key == "shape") set_once(h.shape, tuple(), key);
            else fail(source_, "unexpected header key '" + key + "'");
            skip_space();
            if (peek() == ',') ++pos_;
            else if (peek() != '}') fail(source_, "expected ',' or '}' in header at offset " + std::to_string(pos_));
        }
        ++pos_;
        skip_space();
        if (pos_ != s_.size()) fail(source_, "trailing characters after the header dict");
        if (!h.descr || !h.fortran_order || !h.shape) fail(source_, "header lacks descr, fortran_order or shape");
        return h;
    }

private:
    template <class T> void set_once(std::optional<T>& slot, T value, const std::string& key) {
        if (slot) fail(source_, "header key '" + key + "' appears twice");
        slot = std::move(value);
    }
    char peek() const { return pos_ < s_.size() ? s_[pos_] : '\0'; }
    void skip_space() {
        while (pos_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[pos_]))) ++pos_;
    }
    void expect(char c) {
        skip_space();
        if (peek() != c) fail(source_, std::string("expected '") + c + "' in header at offset " + std::to_string(pos_));
        ++pos_;
    }
    std::string quoted() {
        skip_space();
        const char q = peek();
        if (q != '\'' && q != '"') fail(source_, "expected a quoted string in header at offset " + std::to_string(pos_));
        const auto end = s_.find(q, pos_ + 1);
        if (end == std::string_view::npos) fail(source_, "unterminated string in header");
        std::string value(s_.substr(pos_ + 1, end - pos_ - 1));
        pos_ = end + 1;
        return value;
    }
    bool boolean() {
        if (s_.substr(pos_, 4) == "True") return pos_ += 4, true;
        if (s_.substr(pos_, 5) == "False") return pos_ += 5, false;
        fail(source_, "fortran_order is neither True nor False");
    }
    Shape tuple() {
        expect('(');
        Shape shape;
        while (true) {
            skip_space();
            if (peek() == ')') break;
            std::int64_t v = 0;
            std::size_t digits = 0;
            while (std::isdigit(static_cast<unsigned char>(peek()))) {
                if (v > (std::int64_t{1} << 50)) fail(source_, "shape extent is too large");
                v = v * 10 + (s_[pos_++] - '0');
                ++digits;
            }
            if (digits == 0) fail(source_, "shape holds a non-integer at offset " + std::to_string(pos_));
            shape.push_back(v);
            if (shape.size() > 32) fail(source_, "shape has more than 32 axes");
            skip_space();
            if (peek() == ',') ++pos_;
            else if (peek() != ')') fail(source_, "expected ',' or ')' in shape at offset " + std::to_string(pos_));
        }
        ++pos_;
        return shape;
    }

    std::string_view s_;
    const std::string& source_;
    std::size_t pos_ = 0;
};

struct Descr {
    DType dtype;
    bool big_endian;
};

Descr parse_descr(const std::string& descr, const std::string& source) {
    if (descr.size() >= 3) {
        const char order = descr[0];
        const std::string code = descr.substr(1);
        static const std::pair<const char*, DType> kCodes[] = {{"b1", DType::Bool}, {"u1", DType::U8},
                                                               {"u2", DType::U16},  {"i4", DType::I32},
                                                               {"i8", DType::I64},  {"f4", DType::F32},
                                                               {"f8", DType::F64}};
        for (const auto& [c, t] : kCodes) {
            if (code != c) continue;
            const bool one_byte = dtype_size(t) == 1;
            if (order == '|' || order == '<' || (order == '=' && one_byte)) return {t, false};
            if (order == '>') return {t, !one_byte};
        }
    }
    throw Error(source + ": unsupported dtype '" + descr +
                "' (supported: bool, uint8, uint16, int32, int64, float32, float64)");
}

std::string descr_of(DType t) {
    switch (t) {
        case DType::Bool: return "|b1";
        case DType::U8: return "|u1";
        case DType::U16: return "<u2";
        case DType::I32: return "<i4";
        case DType::I64: return "<i8";
        case DType::F32: return "<f4";
        case DType::F64: return "<f8";
    }
    return "";
}

// Copies Fortran-ordered elements into C order: element at C index i sits at the F-ordered offset of its coords.
void fortran_to_c(const std::byte* src, std::byte* dst, const Shape& shape, std::size_t item) {
    const std::int64_t n = element_count(shape);
    const int ndim = static_cast<int>(shape.size());
    Shape f_strides(ndim, 1);
    for (int d = 1; d < ndim; ++d) f_strides[d] = f_strides[d - 1] * shape[d - 1];
    std::vector<std::int64_t> coord(ndim, 0);
    for (std::int64_t i = 0; i < n; ++i) {
        std::int64_t offset = 0;
        for (int d = 0; d < ndim; ++d) offset += coord[d] * f_strides[d];
        std::memcpy(dst + i * item, src + offset * item, item);
        for (int d = ndim - 1; d >= 0; --d) {  // advance the C-order odometer
            if (++coord[d] < shape[d]) break;
            coord[d] = 0;
        }
    }
}

}  // namespace

Array parse(std::span<const std::byte> bytes, const std::string& source) {
    if (bytes.size() < kMagicSize + 2 || std::memcmp(bytes.data(), kMagic, kMagicSize) != 0)
        fail(source, "missing the \\x93NUMPY magic");
    const auto major = static_cast<std::uint8_t>(bytes[6]);
    if (major < 1 || major > 3)
        fail(source, "format version " + std::to_string(major) + "." +
                         std::to_string(static_cast<std::uint8_t>(bytes[7])) + " (supported: 1.0, 2.0, 3.0)");
    const std::size_t len_size = major == 1 ? 2 : 4;
    if (bytes.size() < kMagicSize + 2 + len_size) fail(source, "truncated before the header length");
    const std::size_t header_len = read_le(bytes.data() + 8, static_cast<int>(len_size));
    const std::size_t header_start = 8 + len_size;
    if (header_len > kMaxHeaderSize) fail(source, "header length " + std::to_string(header_len) + " is implausible");
    if (bytes.size() < header_start + header_len)
        fail(source, "truncated header (" + std::to_string(header_len) + " bytes declared, " +
                         std::to_string(bytes.size() - header_start) + " present)");
    const std::string_view header_text(reinterpret_cast<const char*>(bytes.data() + header_start), header_len);
    if (header_text.find('\0') != std::string_view::npos) fail(source, "NUL byte in the header");
    const Header header = HeaderParser(header_text, source).parse();
    const Descr descr = parse_descr(*header.descr, source);

    // Check the declared size against the bytes present before allocating anything.
    const std::size_t item = dtype_size(descr.dtype);
    const std::int64_t count = element_count(*header.shape);
    const std::size_t data_start = header_start + header_len, present = bytes.size() - data_start;
    if (static_cast<std::uint64_t>(count) > present / item + 1 || static_cast<std::size_t>(count) * item > present)
        fail(source, "truncated data (" + shape_string(*header.shape) + " " + std::string(dtype_name(descr.dtype)) +
                         " needs " + std::to_string(static_cast<std::uint64_t>(count)) + " x " + std::to_string(item) +
                         " bytes, " + std::to_string(present) + " present)");
    const std::size_t expected = static_cast<std::size_t>(count) * item;
    if (present > expected) fail(source, std::to_string(present - expected) + " unexpected bytes after the data");
    Array array(descr.dtype, *header.shape);

    auto* dst = static_cast<std::byte*>(array.raw());
    const std::byte* src = bytes.data() + data_start;
    if (*header.fortran_order && array.ndim() > 1) fortran_to_c(src, dst, array.shape(), item);
    else if (expected) std::memcpy(dst, src, expected);
    if (descr.big_endian)
        for (std::size_t i = 0; i < expected; i += item) std::reverse(dst + i, dst + i + item);
    if (descr.dtype == DType::Bool)  // NumPy treats any nonzero byte as True; C++ bool must hold 0 or 1
        for (std::size_t i = 0; i < expected; ++i) dst[i] = std::byte{dst[i] != std::byte{0}};
    return array;
}

Array load(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw Error("cannot read " + path.string() + ": " + std::strerror(errno));
    std::vector<char> buffer((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (in.bad()) throw Error("cannot read " + path.string() + ": I/O error");
    return parse(std::as_bytes(std::span(buffer)), path.string());
}

std::string serialize(const Array& array) {
    std::string dict = "{'descr': '" + descr_of(array.dtype()) + "', 'fortran_order': False, 'shape': (";
    for (int d = 0; d < array.ndim(); ++d) dict += (d ? ", " : "") + std::to_string(array.shape()[d]);
    dict += array.ndim() == 1 ? ",), }" : "), }";
    // NumPy pads with spaces and a newline so the data starts on a 64-byte boundary; version 2.0 past 65535.
    const int major = dict.size() + 1 + 10 > 65535 ? 2 : 1;
    const std::size_t preamble = kMagicSize + 2 + (major == 1 ? 2 : 4);
    const std::size_t pad = 64 - (preamble + dict.size() + 1) % 64;
    dict += std::string(pad == 64 ? 0 : pad, ' ') + '\n';
    std::string out(kMagic, kMagicSize);
    out += static_cast<char>(major);
    out += '\0';
    const std::size_t len = dict.size();
    for (std::size_t i = 0; i < (major == 1 ? 2u : 4u); ++i) out += static_cast<char>((len >> (8 * i)) & 0xff);
    out += dict;
    out.append(static_cast<const char*>(array.raw()), array.nbytes());
    return out;
}

void save(const std::filesystem::path& path, const Array& array) { write_file_atomic(path, serialize(array)); }

}  // namespace skb::npy
