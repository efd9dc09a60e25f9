// The skbench command as a user meets it: bad input gets exactly one line on stderr naming the bad value, a
// non-zero exit (2) and no output file; good input writes the result (and prints scalars).
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "skb/npy.hpp"

namespace {

namespace fs = std::filesystem;

struct Result {
    int exit_code = -1;
    std::string out, err;
};

std::string slurp(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

class Cli : public testing::Test {
protected:
    void SetUp() override {
        dir_ = fs::temp_directory_path() /
               ("skb_cli_" + std::to_string(::getpid()) + "_" + testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::create_directories(dir_);
        skb::Array image(skb::DType::U8, {12, 9});
        for (std::int64_t i = 0; i < image.size(); ++i) image.data<std::uint8_t>()[i] = static_cast<std::uint8_t>(i * 7);
        skb::npy::save(dir_ / "image.npy", image);
        skb::npy::save(dir_ / "line.npy", skb::Array::zeros(skb::DType::U8, {16}));
        skb::npy::save(dir_ / "ints.npy", skb::Array::zeros(skb::DType::I32, {4, 4}));
        skb::npy::save(dir_ / "empty.npy", skb::Array::zeros(skb::DType::F32, {0, 4}));
        skb::Array negative = skb::Array::zeros(skb::DType::I32, {5, 5});
        negative.data<std::int32_t>()[7] = -3;
        skb::npy::save(dir_ / "negative.npy", negative);
        std::ofstream(dir_ / "garbage.npy") << "\x93NUMPY\x01\x00garbage";
    }
    void TearDown() override { fs::remove_all(dir_); }

    Result run(const std::string& args) {
        const std::string cmd = std::string(SKB_CLI_PATH) + " " + args + " >" + (dir_ / "stdout").string() + " 2>" +
                                (dir_ / "stderr").string();
        const int status = std::system(cmd.c_str());
        return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, slurp(dir_ / "stdout"), slurp(dir_ / "stderr")};
    }
    std::string path(const std::string& name) const { return (dir_ / name).string(); }

    // Runs an op expected to fail: exit 2, one stderr line containing `needle`, and no output file.
    void expect_refusal(const std::string& args, const std::string& needle) {
        const Result r = run(args + " --out " + path("out.npy"));
        EXPECT_EQ(r.exit_code, 2) << args;
        EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << "exactly one line, got: " << r.err;
        EXPECT_NE(r.err.find(needle), std::string::npos) << "stderr should name '" << needle << "': " << r.err;
        EXPECT_FALSE(fs::exists(path("out.npy"))) << args;
        for (const auto& e : fs::directory_iterator(dir_))
            EXPECT_EQ(e.path().filename().string().find(".tmp-"), std::string::npos) << "left a temporary file";
    }

    fs::path dir_;
};

TEST_F(Cli, RefusesBadInputWithOneLineAndNoOutput) {
    const std::string img = " --in " + path("image.npy");
    expect_refusal("run filters.gaussian --in " + path("garbage.npy"), "garbage.npy");
    expect_refusal("run filters.gaussian --in " + path("missing.npy"), "missing.npy");
    expect_refusal("run filters.gaussian --in " + path("line.npy"), "shape 16 is 1-d");
    expect_refusal("run filters.gaussian --in " + path("ints.npy"), "int32");
    expect_refusal("run filters.gaussian --in " + path("empty.npy"), "0x4");
    expect_refusal("run filters.gaussain" + img, "filters.gaussain");
    expect_refusal("run filters.gaussian --param sigmaa=1" + img, "sigmaa");
    expect_refusal("run filters.gaussian --param sigma=-1" + img, "sigma=-1");
    expect_refusal("run filters.gaussian --param sigma" + img, "'sigma'");
    expect_refusal("run filters.gaussian --param mode=grid-wrap" + img, "mode=grid-wrap");
    expect_refusal("run filters.gaussian --backend gpu" + img, "'gpu'");
    expect_refusal("run filters.gaussian --backend cuda" + img, "cuda");
    expect_refusal("run morphology.erosion --param footprint=ball:1" + img, "ball:1");
    expect_refusal("run filters.gaussian --threads -2" + img, "-2");
    expect_refusal("run filters.gaussian --bogus" + img, "--bogus");
    expect_refusal("bench --filter '^filters\\.sobel/ref/256x256/f32/threads:1$' --lockstep x:40,41", "'x:40,41'");
    // Issue 14's ops: a property list with an unknown name, a property that needs an absent input, a float label
    // image, a markers-like extra input of another shape, a negative label found while running.
    expect_refusal("run measure.regionprops_table --param properties=label,perimeterr" + img, "'perimeterr'");
    expect_refusal("run measure.regionprops_table --param properties=intensity_mean" + img, "intensity_image");
    expect_refusal("run measure.regionprops_table --in " + path("empty.npy"), "float32");
    expect_refusal("run segmentation.clear_border --in mask=" + path("ints.npy") + img, "mask");
    expect_refusal("run segmentation.clear_border --param buffer_size=9" + img, "buffer_size=9");
    expect_refusal("run morphology.remove_small_objects --in " + path("negative.npy"), "-3");
}

// filters.median's refusals, on every backend: behavior=rank (not implemented), a NaN cval, a NaN in the image
// (named by its flat index; the cuda-emu entry finds it at the download), a footprint of another rank.
TEST_F(Cli, MedianRefusals) {
    skb::Array nan = skb::Array::zeros(skb::DType::F32, {12, 9});
    nan.data<float>()[50] = std::nanf("");
    skb::npy::save(path("nan.npy"), nan);
    const std::string img = " --in " + path("image.npy");
    for (const std::string backend : {"ref", "opt", "cuda-emu"}) {
        const std::string run = "run filters.median --backend " + backend;
        expect_refusal(run + " --param behavior=rank" + img, "behavior=rank");
        expect_refusal(run + " --param mode=constant --param cval=nan" + img, "cval=nan");
        expect_refusal(run + " --in " + path("nan.npy"), "flat index 50");
        expect_refusal(run + " --param footprint=cube:3" + img, "cube:3");
    }
}

// feature.canny's refusals, as scikit-image's: a 3-D image, low above high (after scaling), a quantile outside
// [0, 1], a mask of another shape.
TEST_F(Cli, CannyRefusals) {
    skb::npy::save(path("volume.npy"), skb::Array::zeros(skb::DType::U8, {3, 12, 9}));
    skb::npy::save(path("mask_t.npy"), skb::Array::zeros(skb::DType::Bool, {9, 12}));
    const std::string img = " --in " + path("image.npy");
    expect_refusal("run feature.canny --in " + path("volume.npy"), "3-d");
    expect_refusal("run feature.canny --param low_threshold=60 --param high_threshold=20" + img, "low_threshold=60");
    expect_refusal("run feature.canny --param use_quantiles=true --param high_threshold=1.5" + img,
                   "high_threshold=1.5");
    expect_refusal("run feature.canny --in mask=" + path("mask_t.npy") + img, "mask");
}

// The ridge filters' refusals: a sigma that is not positive (scikit-image runs it through SciPy, which skips the
// axes or builds a negative-radius kernel), a 4-D image (scikit-image's check_nD; meijering takes it there).
TEST_F(Cli, RidgeFilterRefusals) {
    skb::npy::save(path("volume4.npy"), skb::Array::zeros(skb::DType::F64, {2, 3, 4, 5}));
    const std::string img = " --in " + path("image.npy");
    for (const std::string op : {"frangi", "hessian", "sato", "meijering"}) {
        expect_refusal("run filters." + op + " --param sigmas=1,0" + img, "sigmas=1,0");
        expect_refusal("run filters." + op + " --param sigmas=-2" + img, "sigmas=-2");
        expect_refusal("run filters." + op + " --in " + path("volume4.npy"), "4-d");
    }
}

// hessian_matrix's and hessian_matrix_eigvals' refusals: what scikit-image refuses (order xy in 3-D, np.gradient
// along an axis of 1) and where skbench is stricter (4-d images, sigma 0 with Gaussian derivatives, a stack that
// is no symmetric matrix's upper triangle).
TEST_F(Cli, HessianMatrixRefusals) {
    skb::npy::save(path("volume4.npy"), skb::Array::zeros(skb::DType::F64, {2, 3, 4, 5}));
    skb::npy::save(path("volume3.npy"), skb::Array::zeros(skb::DType::F64, {3, 4, 5}));
    skb::npy::save(path("row.npy"), skb::Array::zeros(skb::DType::F64, {1, 7}));
    skb::npy::save(path("stack4.npy"), skb::Array::zeros(skb::DType::F32, {4, 5, 6}));
    skb::npy::save(path("stack_u8.npy"), skb::Array::zeros(skb::DType::U8, {3, 5, 6}));
    const std::string op = "run feature.hessian_matrix --in ";
    expect_refusal(op + path("volume4.npy"), "4-d");
    expect_refusal(op + path("volume3.npy") + " --param order=xy", "order=xy is only supported for 2-d images");
    expect_refusal(op + path("row.npy"), "has an axis shorter than 2");
    expect_refusal(op + path("image.npy") + " --param sigma=0 --param use_gaussian_derivatives=true", "sigma=0");
    expect_refusal(op + path("image.npy") + " --param sigma=-1", "sigma=-1");
    const std::string eig = "run feature.hessian_matrix_eigvals --in ";
    expect_refusal(eig + path("stack4.npy"), "stacks 4 arrays on its first axis");
    expect_refusal(eig + path("stack_u8.npy"), "dtype uint8");
    expect_refusal(eig + path("volume4.npy") + " --backend opt", "stacks 2 arrays");
}

// segmentation.watershed's refusals (markers of another shape or dtype, the parameters skbench refuses where
// scikit-image clamps or floods undefined orders), and an op a backend declines: one line naming why.
TEST_F(Cli, WatershedRefusalsAndDeclinedBackends) {
    skb::Array markers = skb::Array::zeros(skb::DType::I32, {12, 9});
    markers.data<std::int32_t>()[10] = 1;
    markers.data<std::int32_t>()[100] = 2;
    skb::npy::save(path("markers.npy"), markers);
    skb::npy::save(path("markers_t.npy"), skb::Array::zeros(skb::DType::I32, {9, 12}));
    skb::npy::save(path("markers_f.npy"), skb::Array::zeros(skb::DType::F32, {12, 9}));
    skb::Array nan = skb::Array::zeros(skb::DType::F64, {12, 9});
    nan.data<double>()[50] = std::nan("");
    skb::npy::save(path("nan.npy"), nan);
    const std::string op = "run segmentation.watershed --in " + path("image.npy");
    const std::string with_markers = op + " --in markers=" + path("markers.npy");
    for (const std::string backend : {"ref", "opt"}) {
        const std::string b = " --backend " + backend;
        expect_refusal(op + b, "input 'markers' is required");
        expect_refusal(op + b + " --in markers=" + path("markers_t.npy"),
                       "markers has shape 9x12, expected the image's 12x9");
        expect_refusal(op + b + " --in markers=" + path("markers_f.npy"), "markers has dtype float32");
        expect_refusal(with_markers + b + " --param connectivity=3", "connectivity=3 must be in 1..2");
        expect_refusal(with_markers + b + " --param connectivity=0", "connectivity=0");
        expect_refusal(with_markers + b + " --param compactness=inf", "compactness=inf must be finite");
        expect_refusal("run segmentation.watershed --in " + path("nan.npy") + " --in markers=" + path("markers.npy") +
                           b,
                       "NaN (at flat index 50)");
    }
    const Result r = run(with_markers + " --backend opt --out " + path("labels.npy"));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(skb::npy::load(path("labels.npy")).dtype(), skb::DType::I32);
    expect_refusal(with_markers + " --backend cuda-emu",
                   "not implemented on backend cuda-emu: not ported: scikit-image's");
}

// list: every row's columns line up (op ids longer than any old fixed width included), and a declined backend
// shows "-(n)" with footnote n under the table.
TEST_F(Cli, ListAlignsColumnsAndFootnotesDeclinedBackends) {
    const Result r = run("list");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    std::istringstream lines(r.out);
    std::string header, line;
    std::getline(lines, header);
    const auto ref_column = header.find(" ref ");
    const auto summary_column = header.find(" summary");
    ASSERT_NE(ref_column, std::string::npos) << header;
    bool remove_small_objects = false;
    std::string watershed_row;
    while (std::getline(lines, line) && line.rfind("(", 0) != 0) {
        EXPECT_EQ(line.substr(ref_column, 5), " yes ") << "the ref column lines up: " << line;
        EXPECT_EQ(line[summary_column], ' ') << line;
        remove_small_objects = remove_small_objects || line.rfind("morphology.remove_small_objects ", 0) == 0;
        if (line.rfind("segmentation.watershed ", 0) == 0) watershed_row = line;
    }
    EXPECT_TRUE(remove_small_objects);
    const auto mark = watershed_row.find(" -(");
    ASSERT_NE(mark, std::string::npos) << watershed_row;
    const std::string note = watershed_row.substr(mark + 2, watershed_row.find(')', mark) - mark - 1);  // "(n)"
    EXPECT_NE(r.out.find("\n" + note + " segmentation.watershed on cuda, cuda-emu: not ported"), std::string::npos)
        << r.out;
}

TEST_F(Cli, WritesArraysAndPrintsScalars) {
    Result r = run("run filters.gaussian --in " + path("image.npy") + " --out " + path("g.npy") +
                   " --param sigma=0.6,3.2 --param mode=wrap");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const skb::Array g = skb::npy::load(path("g.npy"));
    EXPECT_EQ(g.dtype(), skb::DType::F64);
    EXPECT_EQ(g.shape(), (skb::Shape{12, 9}));

    r = run("run filters.threshold_otsu --in " + path("image.npy") + " --out " + path("t.npy"));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const skb::Array t = skb::npy::load(path("t.npy"));
    EXPECT_EQ(t.ndim(), 0);
    EXPECT_EQ(r.out, std::to_string(*t.data<std::int64_t>()) + "\n");
}

TEST_F(Cli, HelpListAndExitCodes) {
    Result r = run("--help");
    EXPECT_EQ(r.exit_code, 0);
    EXPECT_NE(r.out.find("Exit codes"), std::string::npos);
    r = run("run --help");
    EXPECT_EQ(r.exit_code, 0);
    EXPECT_NE(r.out.find("--param"), std::string::npos);
    r = run("list --params");
    EXPECT_EQ(r.exit_code, 0);
    EXPECT_NE(r.out.find("morphology.binary_closing"), std::string::npos);
    EXPECT_NE(r.out.find("sigma=1.0"), std::string::npos);
    r = run("");
    EXPECT_EQ(r.exit_code, 2);
    r = run("verify --golden " + path("nowhere"));
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.err.find("nowhere"), std::string::npos);
}

// testing.sum_diff, the test-only op with two inputs (and an optional third) and two outputs, as a user runs it.
TEST_F(Cli, TakesExtraInputsByNameAndStacksOutputs) {
    skb::Array other(skb::DType::F32, {12, 9});
    for (std::int64_t i = 0; i < other.size(); ++i) other.data<float>()[i] = 0.25f * static_cast<float>(i % 4);
    skb::npy::save(path("other.npy"), other);
    skb::npy::save(path("other_t.npy"), skb::Array::zeros(skb::DType::F32, {9, 12}));
    skb::npy::save(path("mask.npy"), skb::Array::zeros(skb::DType::Bool, {12, 9}));
    const std::string op = "run testing.sum_diff --in " + path("image.npy");
    for (const std::string backend : {"ref", "opt", "cuda-emu"}) {
        const Result r = run(op + " --in other=" + path("other.npy") + " --out " + path("s.npy") + " --backend " + backend);
        ASSERT_EQ(r.exit_code, 0) << backend << ": " << r.err;
        const skb::Array s = skb::npy::load(path("s.npy"));
        ASSERT_EQ(s.shape(), (skb::Shape{2, 12, 9})) << backend;  // sum, then difference
        const skb::Array image = skb::npy::load(path("image.npy"));
        for (std::int64_t i = 0; i < image.size(); ++i) {
            const double a = image.data<std::uint8_t>()[i] / 255.0, b = other.data<float>()[i];
            const double sum = s.dtype() == skb::DType::F64 ? s.data<double>()[i] : s.data<float>()[i];
            const double diff = s.dtype() == skb::DType::F64 ? s.data<double>()[image.size() + i]
                                                              : s.data<float>()[image.size() + i];
            EXPECT_NEAR(sum, a + b, 1e-6) << backend << " at " << i;
            EXPECT_NEAR(diff, a - b, 1e-6) << backend << " at " << i;
        }
    }
    const Result masked = run(op + " --in other=" + path("other.npy") + " --in mask=" + path("mask.npy") + " --out " +
                              path("m.npy"));
    ASSERT_EQ(masked.exit_code, 0) << masked.err;
    const skb::Array m = skb::npy::load(path("m.npy"));
    for (const double v : m.values<double>()) EXPECT_EQ(v, 0.0);  // an all-False mask zeroes both outputs

    expect_refusal(op, "input 'other' is required");
    expect_refusal(op + " --in other=" + path("other_t.npy"), "other has shape 9x12, expected the image's 12x9");
    expect_refusal(op + " --in others=" + path("other.npy"), "unknown input 'others'");
    expect_refusal(op + " --in other=" + path("mask.npy"), "other has dtype bool");
    expect_refusal(op + " --in other=" + path("other.npy") + " --in other=" + path("other.npy"), "given twice");
    expect_refusal(op + " --in " + path("other.npy"), "the image is given twice");
    expect_refusal("run filters.sobel --in " + path("image.npy") + " --in other=" + path("other.npy"),
                   "unknown input 'other' (it takes the image alone)");
}

// A broken invariant (a backend returning another shape than its spec says) is a bug: exit 3, one line that says
// so, no output file; bad input stays exit 2.
TEST_F(Cli, InternalErrorExitsThree) {
    const std::string cmd = "SKB_PLANT=wrong_shape " + std::string(SKB_PLANTED_PATH) + " run filters.sobel --in " +
                            path("image.npy") + " --out " + path("out.npy") + " 2>" + path("stderr");
    const int status = std::system(cmd.c_str());
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 3);
    const std::string err = slurp(path("stderr"));
    EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << err;
    EXPECT_NE(err.find("internal error"), std::string::npos) << err;
    EXPECT_NE(err.find("produced float64 11x9"), std::string::npos) << "names what it produced: " << err;
    EXPECT_FALSE(fs::exists(path("out.npy")));
}

// list --json: every op's backends are "yes", "-" (not implemented) or "no device" (built, no CUDA device here),
// and the backend traits are there for programs to use instead of backend names.
TEST_F(Cli, ListsAsJsonWithBackendTraits) {
    const Result r = run("list --json");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto doc = nlohmann::json::parse(r.out);
    int references = 0;
    for (const auto& b : doc.at("backends")) references += b.at("is_reference").get<bool>();
    EXPECT_EQ(references, 1);
    bool found_test_op = false;
    for (const auto& op : doc.at("ops")) {
        for (const auto& [backend, state] : op.at("backends").items()) {
            const std::string s = state.get<std::string>();
            EXPECT_TRUE(s == "yes" || s == "-" || s == "no device") << op.at("id") << "/" << backend << ": " << s;
            if (op.at("declined").contains(backend)) {
                EXPECT_EQ(s, "-") << op.at("id") << "/" << backend;
            }
            // nvcc built the cuda backend, and this machine has no GPU: it must say so, not "not implemented".
            if (backend == "cuda" && SKB_BUILT_CUDA && op.at("backends").at("cuda-emu") == "yes") {
                EXPECT_TRUE(s == "yes" || s == "no device") << op.at("id") << ": " << s;
            }
        }
        if (op.at("id") == "testing.sum_diff") {
            found_test_op = true;
            EXPECT_TRUE(op.at("test_only").get<bool>());
            EXPECT_EQ(op.at("output_names"), (nlohmann::json{"sum", "difference"}));
            EXPECT_EQ(op.at("extra_inputs").size(), 2u);
        }
        if (op.at("id") == "segmentation.watershed") {
            EXPECT_NE(op.at("declined").at("cuda-emu").get<std::string>().find("sequential"), std::string::npos);
        }
    }
    EXPECT_TRUE(found_test_op);
}

// --op is searched in op ids, as bench's --filter is in case names: a part of an id or an alternation selects.
TEST_F(Cli, VerifyOpSearchesOpIds) {
    const Result r = run("verify --backend ref --op 'sobel|threshold_otsu' --golden " + std::string(SKB_GOLDEN_DIR));
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.out.find("filters.sobel"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("filters.threshold_otsu"), std::string::npos) << r.out;
    EXPECT_EQ(r.out.find("filters.gaussian"), std::string::npos) << r.out;
    EXPECT_EQ(r.out.find("0 checks"), std::string::npos) << r.out;
}

TEST_F(Cli, VerifyPassesOnTheGoldens) {
    const Result r = run("verify --backend ref --golden " + std::string(SKB_GOLDEN_DIR));
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.out.find("0 failed"), std::string::npos) << r.out;
}

// skbench report refuses what is not a results file or history store with one line naming it, and writes nothing.
TEST_F(Cli, ReportRefusesBadInputsAndWritesNothing) {
    std::ofstream(path("not-results.json")) << R"({"hello": 1})";
    std::ofstream(path("broken.json")) << R"({"context": {}, "benchmarks": [)";
    const std::pair<std::string, std::string> cases[] = {
        {"report " + path("not-results.json") + " --html " + path("r.html"), "not-results.json"},
        {"report " + path("broken.json") + " --html " + path("r.html"), "broken.json"},
        {"report " + path("garbage.npy") + " --html " + path("r.html"), "garbage.npy"},
        {"report " + path("missing.json") + " --html " + path("r.html"), "missing.json"},
        {"report " + path("not-results.json"), "--html"},
    };
    for (const auto& [args, needle] : cases) {
        const Result r = run(args);
        EXPECT_EQ(r.exit_code, 2) << args;
        EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << "exactly one line, got: " << r.err;
        EXPECT_NE(r.err.find(needle), std::string::npos) << "stderr should name '" << needle << "': " << r.err;
        EXPECT_FALSE(fs::exists(path("r.html"))) << args;
    }
}

}  // namespace
