// `skbench profile CASE --tool T`: one benchmark case (the bench's input builder, its output verified against ref
// first) run under callgrind, heaptrack, perf, nsys or ncu, with collection limited to the op calls where the tool
// allows it, then a short summary. The tool runs `skbench profile-target` (hidden), which does the calls.
#pragma once
#include <string>

namespace CLI {
class App;
}  // namespace CLI

namespace skb::cli {

struct ProfileArgs {
    std::string case_name;  // as skbench bench --list prints it
    std::string tool;       // callgrind, heaptrack, perf, nsys, ncu
    std::string out = "profile";
    int calls = 0;          // 0: the tool's default (callgrind 1, heaptrack 3, perf: 2 s worth, nsys 20, ncu 1)
};

struct ProfileTargetArgs {
    std::string case_name, facts;
    int calls = 1;
    double min_seconds = 0;  // more calls than `calls` until this much time has passed in them
};

CLI::App* add_profile_command(CLI::App& app, ProfileArgs& args);
CLI::App* add_profile_target_command(CLI::App& app, ProfileTargetArgs& args);
int run_profile(const ProfileArgs& args);
int run_profile_target(const ProfileTargetArgs& args);

}  // namespace skb::cli
