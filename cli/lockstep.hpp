// Turn-taking between two skbench bench processes (--lockstep ID:R,W), so that a baseline and a current build are
// timed side by side, repetition by repetition (ci/interleaved_bench.py sets the pipes up).
#pragma once
#include <string>

namespace skb::cli {

// Turn-taking with another skbench bench process (--lockstep ID:R,W): before each case repetition this process
// waits for one byte on fd R; after it, it writes one to fd W. Two processes whose pipes cross alternate
// repetition by repetition, so repetition i of a case on one side runs within tens of milliseconds of repetition i
// on the other: a baseline and a current build measured that way see the same machine state pairwise, which is
// what the gate's paired effect needs (ci/interleaved_bench.py sets it up). When the other side exits (EOF, or a
// broken pipe), this one runs on alone.
class Lockstep {
public:
    explicit Lockstep(const std::string& spec);
    ~Lockstep();
    Lockstep(const Lockstep&) = delete;
    Lockstep& operator=(const Lockstep&) = delete;

    const std::string& id() const { return id_; }
    void wait();  // blocks until the other side has passed the turn (returns at once when it is gone)
    void pass();  // hands the turn over

private:
    std::string id_;
    int read_fd_ = -1, write_fd_ = -1;
};

// One turn: waits for it on construction, passes it on destruction (also when the work throws).
class Turn {
public:
    explicit Turn(Lockstep& lockstep) : lockstep_(lockstep) { lockstep_.wait(); }
    ~Turn() { lockstep_.pass(); }
    Turn(const Turn&) = delete;
    Turn& operator=(const Turn&) = delete;

private:
    Lockstep& lockstep_;
};

}  // namespace skb::cli
