// Golden cases (written by golden/generate.py from the pinned scikit-image) and the check of one backend
// against one case: shared by the conformance tests and `skbench verify`.
#pragma once
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "skb/array.hpp"
#include "skb/params.hpp"
#include "skb/registry.hpp"
#include "skb/tolerance.hpp"

namespace skb::golden {

struct Case {
    std::string id;  // "filters.gaussian/0007"
    std::string op;
    ParamTexts params;
    std::filesystem::path input;
    DType input_dtype = DType::F64;
    Shape input_shape;
    std::map<std::string, std::filesystem::path> extra_inputs;  // by scikit-image's parameter name
    std::filesystem::path output;  // empty when expect_error; several outputs: stacked along a new first axis
    bool expect_error = false;
    std::string error;             // scikit-image's exception, when expect_error
    std::string note;
};

struct Manifest {
    std::string skimage_version;
    std::vector<Case> cases;
};

// Reads <dir>/manifest.json; file paths in the cases are made absolute. Throws skb::Error on a bad manifest.
Manifest load_manifest(const std::filesystem::path& dir);

// One case of each stratum (op, input dtype, input rank, refused or not): the first in manifest order, which is
// usually the op's default parameters. Builds that repeat the same code under another instrument (sanitizers,
// the emulator's turn-taking schedules) run these; the release build runs every case.
std::vector<Case> stratified(const std::vector<Case>& cases);

// Element-wise comparison of two arrays of the same shape, as doubles.
struct Comparison {
    bool ok = true;
    double max_abs_error = 0;
    double max_rel_error = 0;
    std::int64_t bad_count = 0;
    std::int64_t allowed_bad = 0;  // the tolerance's outlier_fraction of the elements
    std::int64_t first_bad_index = -1;  // flat C-order index
    double first_bad_actual = 0;
    double first_bad_expected = 0;
    std::string describe(const Shape& shape) const;  // one line: errors and the first bad index
};
Comparison compare(const Array& actual, const Array& expected, const Tolerance& tolerance);

enum class Status { Pass, Fail };
struct Outcome {
    Status status = Status::Pass;
    std::string detail;  // why it failed (one line), or a short note on a pass
};

// Checks a backend's result against scikit-image's (or ref's): same shape, dtype `want` (what the op's spec says
// this backend produces for this input: e.g. float32 where scikit-image gives float64, or the input dtype kept),
// values within the tolerance table. Scalars are held to the dtype's kind only (scikit-image's scalar dtype
// depends on the data path: a constant uint8 image returns a uint8 pixel, others an int64 bin centre).
Outcome check_result(const std::string& op, const std::string& backend, const Array& actual, const Array& expected,
                     DType want);

// The case's image and extra inputs, loaded.
InputArrays load_inputs(const Case& c);

// Runs `backend` on the case's input and checks it with check_result; for error cases the backend must refuse
// the input with an skb::Error.
Outcome check_case(const Case& c, const std::string& backend);

}  // namespace skb::golden
