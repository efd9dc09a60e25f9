// .npy reader/writer: round trips, NumPy's exact bytes, the conversions it promises, and refusal (never a crash)
// of malformed, truncated and mutated files.
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>

#include "skb/npy.hpp"

namespace {

using skb::Array;
using skb::DType;

std::string file_bytes(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

Array parse_text(const std::string& bytes) {
    return skb::npy::parse(std::as_bytes(std::span(bytes.data(), bytes.size())), "test.npy");
}

// A hand-built .npy image: magic, version, header length, header text, data.
std::string npy_image(const std::string& header, const std::string& data, int major = 1) {
    std::string out("\x93NUMPY", 6);
    out += static_cast<char>(major);
    out += '\0';
    const std::size_t len = header.size();
    for (int i = 0; i < (major == 1 ? 2 : 4); ++i) out += static_cast<char>((len >> (8 * i)) & 0xff);
    return out + header + data;
}

std::string expect_refused(const std::string& bytes) {
    try {
        parse_text(bytes);
    } catch (const skb::Error& e) {
        return e.what();
    }
    ADD_FAILURE() << "accepted a malformed file";
    return "";
}

TEST(Npy, RoundTripsEveryDtypeAndRank) {
    for (DType t : {DType::Bool, DType::U8, DType::U16, DType::I32, DType::I64, DType::F32, DType::F64}) {
        for (const skb::Shape& shape : {skb::Shape{}, skb::Shape{5}, skb::Shape{3, 4}, skb::Shape{2, 3, 5}, skb::Shape{0, 3}}) {
            Array a(t, shape);
            auto* bytes = static_cast<unsigned char*>(a.raw());
            for (std::size_t i = 0; i < a.nbytes(); ++i) bytes[i] = t == DType::Bool ? i % 2 : static_cast<unsigned char>(i * 37 + 11);
            const std::string s = skb::npy::serialize(a);
            EXPECT_EQ(s.find('\n'), (s.size() - a.nbytes()) - 1) << "header must end in a newline before the data";
            EXPECT_EQ((s.size() - a.nbytes()) % 64, 0u) << "data must start on a 64-byte boundary";
            const Array b = parse_text(s);
            ASSERT_EQ(b.dtype(), t);
            ASSERT_EQ(b.shape(), shape);
            EXPECT_EQ(std::memcmp(a.raw(), b.raw(), a.nbytes()), 0);
        }
    }
}

TEST(Npy, WritesNumPysExactBytes) {
    // Golden files were written by np.save: re-serialising what we read must give the same bytes.
    int checked = 0;
    for (const auto& entry : std::filesystem::directory_iterator(std::filesystem::path(SKB_GOLDEN_DIR) / "inputs")) {
        if (++checked > 40) break;
        const std::string original = file_bytes(entry.path());
        EXPECT_EQ(skb::npy::serialize(skb::npy::load(entry.path())), original) << entry.path();
    }
    EXPECT_GT(checked, 0);
}

TEST(Npy, ReadsVersions2And3) {
    const std::string data("\x01\x00\x02\x00", 4);
    for (int major : {2, 3}) {
        const Array a = parse_text(npy_image("{'descr': '<u2', 'fortran_order': False, 'shape': (2,), }\n", data, major));
        EXPECT_EQ(a.data<std::uint16_t>()[0], 1);
        EXPECT_EQ(a.data<std::uint16_t>()[1], 2);
    }
}

TEST(Npy, ConvertsFortranOrderToCOrder) {
    // 2x3 matrix [[0,1,2],[3,4,5]] stored column-major: 0 3 1 4 2 5.
    const std::string data = {0, 3, 1, 4, 2, 5};
    const Array a = parse_text(npy_image("{'descr': '|u1', 'fortran_order': True, 'shape': (2, 3), }\n", data));
    for (int i = 0; i < 6; ++i) EXPECT_EQ(a.data<std::uint8_t>()[i], i);
}

TEST(Npy, ConvertsBigEndian) {
    const std::string data("\x3f\xf0\x00\x00\x00\x00\x00\x00", 8);  // 1.0 as big-endian float64
    const Array a = parse_text(npy_image("{'descr': '>f8', 'fortran_order': False, 'shape': (), }\n", data));
    EXPECT_EQ(a.data<double>()[0], 1.0);
}

TEST(Npy, NormalisesBoolBytes) {
    const std::string data = {0, 2, static_cast<char>(255)};
    const Array a = parse_text(npy_image("{'descr': '|b1', 'fortran_order': False, 'shape': (3,), }\n", data));
    EXPECT_EQ(static_cast<const unsigned char*>(a.raw())[1], 1);
    EXPECT_EQ(static_cast<const unsigned char*>(a.raw())[2], 1);
}

TEST(Npy, RefusesMalformedFilesWithTheReason) {
    const std::string ok_header = "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }\n";
    const std::string data(8, '\0');
    EXPECT_NE(expect_refused("not a numpy file at all").find("magic"), std::string::npos);
    EXPECT_NE(expect_refused(npy_image(ok_header, data, 4)).find("version 4"), std::string::npos);
    EXPECT_NE(expect_refused(npy_image("{'descr': '<c8', 'fortran_order': False, 'shape': (2,), }\n", data))
                  .find("'<c8'"), std::string::npos);
    EXPECT_NE(expect_refused(npy_image("{'descr': '<f4', 'shape': (2,), }\n", data)).find("lacks"), std::string::npos);
    EXPECT_NE(expect_refused(npy_image("{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", data))
                  .find("twice"), std::string::npos);
    EXPECT_NE(expect_refused(npy_image("{'descr': '<f4', 'fortran_order': False, 'shape': (2, x), }\n", data))
                  .find("non-integer"), std::string::npos);
    EXPECT_NE(expect_refused(npy_image("{'descr': '<f4', 'fortran_order': Maybe, 'shape': (2,), }\n", data))
                  .find("fortran_order"), std::string::npos);
    EXPECT_NE(expect_refused(npy_image(ok_header, data + "xx")).find("unexpected bytes"), std::string::npos);
    EXPECT_NE(expect_refused(npy_image(ok_header, data.substr(0, 7))).find("truncated data"), std::string::npos);
    EXPECT_NE(expect_refused(npy_image("{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999, 99999999999), }",
                                       data)).find("shape"), std::string::npos);
    EXPECT_NE(expect_refused(npy_image(std::string("{'descr': '<f4'\0", 16), data)).find("NUL"), std::string::npos);
    EXPECT_NE(expect_refused(npy_image(ok_header + "junk", data)).find("trailing"), std::string::npos);
}

TEST(Npy, EveryTruncationIsRefused) {
    Array a(DType::F32, {3, 5});
    std::memset(a.raw(), 0, a.nbytes());
    const std::string full = skb::npy::serialize(a);
    for (std::size_t n = 0; n < full.size(); ++n) expect_refused(full.substr(0, n));
}

TEST(Npy, RandomMutationsNeverCrash) {
    // Deterministic fuzzing of the hand-written parser: each mutant is either parsed or refused with skb::Error;
    // run under ASan/UBSan (the asan preset) this also proves no out-of-bounds read.
    Array a(DType::U16, {4, 3});
    std::memset(a.raw(), 7, a.nbytes());
    const std::string seed = skb::npy::serialize(a);
    std::mt19937 rng(12345);
    int parsed = 0, refused = 0;
    for (int iteration = 0; iteration < 20000; ++iteration) {
        std::string mutant = seed;
        const int edits = 1 + static_cast<int>(rng() % 4);
        for (int e = 0; e < edits; ++e) {
            const std::size_t at = rng() % mutant.size();
            switch (rng() % 4) {
                case 0: mutant[at] = static_cast<char>(rng()); break;
                case 1: mutant.erase(at, 1 + rng() % 8); break;
                case 2: mutant.insert(at, 1, "(),:' 0123456789TrueFalse{}<>|"[rng() % 30]); break;
                default: mutant.resize(at); break;
            }
            if (mutant.empty()) break;
        }
        try {
            parse_text(mutant);
            ++parsed;
        } catch (const skb::Error&) {
            ++refused;
        }
    }
    EXPECT_GT(refused, 0);
    EXPECT_EQ(parsed + refused, 20000);
}

TEST(Npy, SaveIsAtomicAndLeavesNoPartialFile) {
    const auto dir = std::filesystem::temp_directory_path() / ("skb_npy_test_" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    Array a(DType::F64, {2, 2});
    std::memset(a.raw(), 0, a.nbytes());
    skb::npy::save(dir / "out.npy", a);
    EXPECT_TRUE(std::filesystem::exists(dir / "out.npy"));
    EXPECT_THROW(skb::npy::save(dir / "missing-dir" / "out.npy", a), skb::Error);
    std::size_t files = 0;
    for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir)) ++files;
    EXPECT_EQ(files, 1u) << "no temporary file may be left behind";
    std::filesystem::remove_all(dir);
}

TEST(Npy, LoadNamesAMissingFile) {
    try {
        skb::npy::load("/nonexistent/input.npy");
        FAIL();
    } catch (const skb::Error& e) {
        EXPECT_NE(std::string(e.what()).find("/nonexistent/input.npy"), std::string::npos);
    }
}

}  // namespace
