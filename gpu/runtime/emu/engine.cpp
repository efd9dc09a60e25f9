// The emulator's execution engine: persistent slots of worker threads run the grid, several blocks at once
// (EmulatorOptions::resident_blocks); worker t of a slot is thread t of each block the slot runs, and slots meet
// only at the launch's start and end. Synchronisation is mutexes and condition variables only (so ThreadSanitizer sees
// every ordering the kernel relies on, and nothing more):
// - each worker waits on its own mutex for work, so the threads of a block are not ordered by their start;
// - __syncthreads is a barrier on the block's mutex; warp calls meet on their warp's own mutex;
// - a barrier records its site: threads arriving at different sites, a thread arriving after another returned,
//   or a thread returning while others wait all fail the launch at once, naming the sites; any wait longer
//   than the watchdog fails it as a hang;
// - a failed block wakes every waiter, whose kernel threads unwind (an exception) at their next barrier, warp
//   call or atomic; run_grid then throws skb::Error. Should a thread never get there (a loop with none of them),
//   the pool is abandoned after a grace period and a fresh one serves later launches;
// - the first failure stops the other slots at their next block; the lowest failed block names the error.
// With a Forward or Reverse schedule one token passes between the threads of a block: only its holder runs,
// until it blocks or returns; the token then goes to the first runnable thread in schedule order, so a
// deadlock (no runnable thread left) is also reported at once.
// The fiber engine (EmulatorOptions::Engine::Fibers, the default) keeps all of the above but the OS threads: a
// slot's thread runs its block's threads as ucontext fibers, always in schedule order as the token would
// (Concurrent as Forward), switching where a thread would wait; the mutexes stay (uncontended) and the waits
// become "switch to the next runnable fiber". Blocks of different slots still run on different threads. Under the
// sanitizers each switch is announced (FiberSet::switch_context): ASan learns which stack is live; TSan gets a
// context per kernel thread and switches that order nothing, so, as with OS threads, only the block's mutexes
// (barriers, warp calls), its atomics and the block's start and end order its threads.
#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <sys/mman.h>
#include <ucontext.h>

#if defined(__SANITIZE_ADDRESS__)
#include <dlfcn.h>
#include <sanitizer/asan_interface.h>
#include <sanitizer/common_interface_defs.h>
#define SKB_EMU_POISON_SHARED(p, n) ASAN_POISON_MEMORY_REGION(p, n)
#define SKB_EMU_UNPOISON_SHARED(p, n) ASAN_UNPOISON_MEMORY_REGION(p, n)
#else
#define SKB_EMU_POISON_SHARED(p, n) ((void)(p), (void)(n))
#define SKB_EMU_UNPOISON_SHARED(p, n) ((void)(p), (void)(n))
#endif
#if defined(__SANITIZE_THREAD__)
#include <sanitizer/tsan_interface.h>
#endif

#include "runtime/emu/vocabulary.hpp"
#include "runtime/launch.hpp"
#include "skb/error.hpp"
#include "skb/transfer_stats.hpp"

namespace skb::gpu::emu {
namespace {

using Clock = std::chrono::steady_clock;

EmulatorOptions options_from_environment() {
    EmulatorOptions options;
    if (const char* s = std::getenv("SKB_EMU_SCHEDULE")) {
        const std::string_view v(s);
        if (v == "forward") options.schedule = Schedule::Forward;
        else if (v == "reverse") options.schedule = Schedule::Reverse;
        else if (v == "concurrent" || v.empty()) options.schedule = Schedule::Concurrent;
        else throw Error("SKB_EMU_SCHEDULE=" + std::string(v) + " (expected concurrent, forward or reverse)");
    }
    if (const char* s = std::getenv("SKB_EMU_WATCHDOG_MS")) options.watchdog = std::chrono::milliseconds(std::atol(s));
    if (const char* s = std::getenv("SKB_EMU_BLOCKS")) {
        const long blocks = std::atol(s);
        if (blocks < 1 || blocks > 64) throw Error("SKB_EMU_BLOCKS=" + std::string(s) + " (expected 1 to 64)");
        options.resident_blocks = static_cast<unsigned>(blocks);
    }
    if (const char* s = std::getenv("SKB_EMU_ENGINE")) {
        const std::string_view v(s);
        if (v == "threads") options.engine = EmulatorOptions::Engine::Threads;
        else if (v == "fibers" || v.empty()) options.engine = EmulatorOptions::Engine::Fibers;
        else throw Error("SKB_EMU_ENGINE=" + std::string(v) + " (expected fibers or threads)");
    }
    return options;
}

std::mutex g_options_mutex;

EmulatorOptions& current_options() {
    static EmulatorOptions options = options_from_environment();
    return options;
}

}  // namespace

EmulatorOptions emulator_options() {
    const std::lock_guard lock(g_options_mutex);
    return current_options();
}

void set_emulator_options(const EmulatorOptions& options) {
    const std::lock_guard lock(g_options_mutex);
    current_options() = options;
}

namespace detail {
namespace {

// Unwinds one kernel thread of a failed block.
struct Abort {};

std::string site_text(Site site) {
    std::string_view file(site.file);
    for (std::string_view root : {"/tests/", "/gpu/"}) {
        if (const auto at = file.rfind(root); at != std::string_view::npos) {
            file.remove_prefix(at + 1);
            break;
        }
    }
    return std::string(file) + ":" + std::to_string(site.line);
}

bool same_site(Site a, Site b) { return a.line == b.line && std::string_view(a.file) == b.file; }

// A thread or block index: "(x,y,z)".
std::string dim_text(Dim3 d) {
    std::string text("(");
    for (unsigned v : {d.x, d.y, d.z}) text += std::to_string(v) + ",";
    text.back() = ')';
    return text;
}

}  // namespace

class Block;
struct Job;

// The threads of one resident block as fibers on its slot's thread (the fiber engine). Stacks are mapped once
// per slot (committed as touched, a guard page below) and reused by every block.
class FiberSet {
public:
    FiberSet() = default;
    ~FiberSet();
    FiberSet(const FiberSet&) = delete;
    FiberSet& operator=(const FiberSet&) = delete;

    // Runs every thread of the job's block, in its schedule's order, until all have returned (or unwound).
    void run_block(const Job& job);
    // From inside a fiber: wait until wake() (back to the scheduler, which runs the next runnable fiber).
    void wait_for_wake();
    // From inside a fiber that completed a barrier or warp call: back to the scheduler, still runnable; the first
    // runnable thread in schedule order runs next, as the token would go.
    void pass_on();
    // Threads first..first+count-1 that wait become runnable (a barrier or warp call completed; a failure).
    void wake(unsigned first, unsigned count);
    void wake_all() { wake(0, count_); }
    // Every 1024th atomic of a thread lets the others run (it may be spinning on a flag another thread of the
    // block sets); every 20 ms of that, waiting threads run too and check their watchdog.
    void count_atomic();

private:
    enum class State : unsigned char { Runnable, Waiting, Done };
    // A stack as the sanitizers want it: its lowest address and size.
    struct Stack {
        const void* bottom = nullptr;
        std::size_t size = 0;
    };
    struct Fiber {
        ucontext_t context;
        Stack stack;  // its mapping starts kGuardBytes below
        void* tsan_fiber = nullptr;  // TSan's context of this kernel thread (TSan builds)
        ThreadContext thread;
        State state = State::Runnable;
        unsigned atomics = 0;
    };
#if defined(__SANITIZE_ADDRESS__)
    static constexpr std::size_t kStackBytes = 1024 * 1024;  // ASan's red zones widen every frame
#else
    static constexpr std::size_t kStackBytes = 256 * 1024;
#endif
    static constexpr std::size_t kGuardBytes = 4096;
    static void entry(unsigned high, unsigned low);
    // Saves the running context in `from` and continues `to`, whose stack is `stack` and TSan context
    // `tsan_fiber`; returns when something switches back to `from`.
    static void switch_context(ucontext_t& from, const ucontext_t& to, const Stack& stack, void* tsan_fiber);
    // Switches from the running fiber to the scheduler.
    void to_scheduler();
    unsigned tid_at(unsigned position) const { return reverse_ ? count_ - 1 - position : position; }
    int next();  // the tid to run next, -1 when no thread is runnable

    std::vector<std::unique_ptr<Fiber>> fibers_;
    ucontext_t scheduler_;
    Stack scheduler_stack_;              // the slot thread's stack (ASan builds: told by the first fiber's start)
    void* scheduler_tsan_fiber_ = nullptr;
    // TSan builds: the launcher's work for a block happens before its threads run (they acquire `started_`), and
    // theirs before the launcher's next (it acquires `ended_`); two addresses, so a thread that returned orders
    // nothing for a thread that starts after it.
    char started_ = 0, ended_ = 0;
    const Job* job_ = nullptr;
    unsigned count_ = 0, done_ = 0;
    bool reverse_ = false, yielded_ = false;
    unsigned scan_ = 0;  // schedule position to look from: no thread before it is runnable
    unsigned current_ = 0;
    Clock::time_point last_sweep_;
};

// The synchronisation state of one resident block (reused from block to block of its slot).
constexpr std::size_t kSharedRedZone = 16;
constexpr std::size_t kSharedArenaBytes = kSharedMemoryLimit + 16 * 1024;

class Block {
public:
    // `fibers`: the slot's fiber set with the fiber engine, null with OS threads.
    void configure(const LaunchConfig& config, const EmulatorOptions& options, FiberSet* fibers) {
        fibers_ = fibers;
        threads_ = static_cast<unsigned>(config.block.count());
        dynamic_bytes_ = config.dynamic_shared_bytes;
        block_dim_ = config.block;
        serial_ = options.schedule != Schedule::Concurrent;
        reverse_ = options.schedule == Schedule::Reverse;
        watchdog_ = options.watchdog;
        for (unsigned w = 0; w * kWarpSize < threads_; ++w)
            warps_[w].lanes = std::min<unsigned>(kWarpSize, threads_ - w * kWarpSize);
        ready_.assign(threads_, 1);
        returned_.assign(threads_, 0);
        waiting_at_.assign(threads_, Waiting{});
    }

    // Called by the launcher between blocks (no kernel thread is running).
    void begin() {
        {
            const std::lock_guard lock(error_mutex_);
            failed_.store(false, std::memory_order_relaxed);
            error_.clear();
        }
        arrived_ = returned_count_ = 0;
        for (unsigned w = 0; w * kWarpSize < threads_; ++w) warps_[w].arrived = warps_[w].returned = 0;
        done_ = 0;
        std::fill(ready_.begin(), ready_.end(), 1);
        std::fill(returned_.begin(), returned_.end(), 0);
        holder_ = serial_ ? first_ready() : -1;
        // Poison: a read of shared memory nobody wrote in this block gives a signalling NaN.
        // Under ASan, every byte beyond the launch's dynamic shared memory is also unaddressable until a
        // SKB_SHARED declaration claims it: reads and writes past an array trap (each array gets a red zone).
        SKB_EMU_UNPOISON_SHARED(shared_, sizeof shared_);
        auto* words = reinterpret_cast<std::uint32_t*>(shared_);
        std::fill(words, words + sizeof shared_ / 4, kPoison32);
        SKB_EMU_POISON_SHARED(shared_ + dynamic_bytes_, sizeof shared_ - dynamic_bytes_);
    }

    std::byte* shared() { return shared_; }
    Dim3 block_dim() const { return block_dim_; }
    unsigned threads() const { return threads_; }
    bool reverse() const { return reverse_; }
    FiberSet* fibers() const { return fibers_; }  // null with the thread engine
    bool failed() const { return failed_.load(std::memory_order_relaxed); }
    std::string error() {
        const std::lock_guard lock(error_mutex_);
        return error_;
    }

    void check_abort() const {
        if (failed()) throw Abort{};
    }

    // Records the block's first failure, wakes every waiter and unwinds the calling kernel thread. Never
    // called with one of the block's mutexes held.
    [[noreturn]] void fail(const std::string& message) {
        record_failure(message);
        throw Abort{};
    }

    // The block's first failure, without unwinding the caller (the fiber scheduler's deadlock).
    void record_failure(const std::string& message) {
        {
            const std::lock_guard lock(error_mutex_);
            if (!failed()) error_ = message;
            failed_.store(true, std::memory_order_relaxed);
        }
        wake_everyone();
    }

    void count_atomic() {
        if (fibers_) fibers_->count_atomic();
    }

    // What every waiting thread waits at, for the deadlock message.
    std::string deadlock_message() const {
        std::map<std::string, int> waiting;
        for (unsigned t = 0; t < threads_; ++t)
            if (!returned_[t] && waiting_at_[t].what)
                ++waiting[std::string(waiting_at_[t].what) + " " + site_text(waiting_at_[t].site)];
        std::string sites;
        for (const auto& [where, count] : waiting) sites += (sites.empty() ? "" : ", ") + std::to_string(count) + " at " + where;
        return "deadlock: every thread of the block waits (" + sites + ")";
    }

    void thread_start(unsigned tid) {
        if (serial_ && !fibers_) {
            std::unique_lock lock(turn_mutex_);
            wait_for_turn(lock, tid);
        }
    }

    void syncthreads(Site site, unsigned tid) {
        check_abort();
        std::unique_lock lock(mutex_);
        if (returned_count_ > 0) {
            lock.unlock();
            fail("divergent __syncthreads at " + site_text(site) + ": thread " + thread_text(tid) +
                 " arrived after other threads of its block returned");
        }
        if (arrived_ == 0) {
            site_ = site;
        } else if (!same_site(site_, site)) {
            const Site other = site_;
            lock.unlock();
            fail("divergent __syncthreads: threads of one block wait at " + site_text(other) + " and at " +
                 site_text(site));
        }
        const std::uint64_t generation = generation_;
        const bool completes = ++arrived_ == threads_;
        if (completes) {
            arrived_ = 0;
            ++generation_;
            if (fibers_) fibers_->wake(0, threads_);
            else if (serial_) make_ready(0, threads_);
            cv_.notify_all();
        }
        lock.unlock();
        const bool token = serial_ && !fibers_;
        if (token) give_up_turn(tid, !completes, site, "__syncthreads");
        if (fibers_ && completes) fibers_->pass_on();
        if (!completes) {
            lock.lock();
            if (fibers_) waiting_at_[tid] = Waiting{site, "__syncthreads"};
            wait(lock, cv_, [&] { return generation_ != generation; }, [&] {
                return "hang at __syncthreads " + site_text(site) + ": " + std::to_string(arrived_) + " of " +
                       std::to_string(threads_) + " threads arrived within the " +
                       std::to_string(watchdog_.count()) + " ms watchdog";
            });
            if (fibers_) waiting_at_[tid] = Waiting{};
            lock.unlock();
        }
        if (token) resume(tid);
    }

    void warp_exchange(Site site, const char* what, unsigned tid, unsigned mask, std::uint64_t mine,
                       std::uint64_t* all) {
        check_abort();
        const unsigned w = tid / kWarpSize, lane = tid % kWarpSize;
        Warp& warp = warps_[w];
        if (mask != kFullMask)
            fail(std::string(what) + " at " + site_text(site) + " with mask " + hex(mask) +
                 ": the emulator (and skbench's kernels) use full-mask warp calls only");
        if (warp.lanes != kWarpSize)
            fail(std::string(what) + " at " + site_text(site) + " in a partial warp: warp " + std::to_string(w) +
                 " has " + std::to_string(warp.lanes) + " threads (block of " + std::to_string(threads_) + ")");
        std::unique_lock lock(warp.mutex);
        if (warp.returned > 0) {
            lock.unlock();
            fail(std::string("divergent ") + what + " at " + site_text(site) + ": lane " + std::to_string(lane) +
                 " of warp " + std::to_string(w) + " arrived after other lanes returned");
        }
        if (warp.arrived == 0) {
            warp.site = site;
            warp.what = what;
        } else if (!same_site(warp.site, site)) {
            const Site other = warp.site;
            const char* other_what = warp.what;
            lock.unlock();
            fail(std::string("divergent warp: lanes of warp ") + std::to_string(w) + " wait at " + other_what + " " +
                 site_text(other) + " and at " + what + " " + site_text(site));
        }
        const std::uint64_t generation = warp.generation;
        auto& slots = warp.slots[generation & 1];  // double-buffered: the next call writes the other half
        slots[lane] = mine;
        const bool completes = ++warp.arrived == warp.lanes;
        if (completes) {
            warp.arrived = 0;
            ++warp.generation;
            if (fibers_) fibers_->wake(w * kWarpSize, warp.lanes);
            else if (serial_) make_ready(w * kWarpSize, warp.lanes);
            warp.cv.notify_all();
        }
        lock.unlock();
        const bool token = serial_ && !fibers_;
        if (token) give_up_turn(tid, !completes, site, what);
        if (fibers_ && completes) fibers_->pass_on();
        lock.lock();
        if (!completes) {
            if (fibers_) waiting_at_[tid] = Waiting{site, what};
            wait(lock, warp.cv, [&] { return warp.generation != generation; }, [&] {
                return std::string("hang at ") + what + " " + site_text(site) + ": " + std::to_string(warp.arrived) +
                       " of 32 lanes of warp " + std::to_string(w) + " arrived within the " +
                       std::to_string(watchdog_.count()) + " ms watchdog";
            });
            if (fibers_) waiting_at_[tid] = Waiting{};
        }
        std::copy(slots, slots + kWarpSize, all);
        lock.unlock();
        if (token) resume(tid);
    }

    // A kernel thread returned normally.
    void thread_return(unsigned tid) {
        std::string problem;
        {
            const std::lock_guard lock(mutex_);
            ++returned_count_;
            if (arrived_ > 0)
                problem = "divergent __syncthreads at " + site_text(site_) + ": thread " + thread_text(tid) +
                          " returned while " + std::to_string(arrived_) + " threads of its block wait there";
        }
        if (!problem.empty()) fail(problem);
        Warp& warp = warps_[tid / kWarpSize];
        {
            const std::lock_guard lock(warp.mutex);
            ++warp.returned;
            if (warp.arrived > 0)
                problem = std::string("divergent ") + warp.what + " at " + site_text(warp.site) + ": lane " +
                          std::to_string(tid % kWarpSize) + " of warp " + std::to_string(tid / kWarpSize) +
                          " returned while " + std::to_string(warp.arrived) + " lanes wait there";
        }
        if (!problem.empty()) fail(problem);
        if (fibers_) {
            returned_[tid] = 1;
        } else if (serial_) {
            std::unique_lock lock(turn_mutex_);
            returned_[tid] = 1;
            ready_[tid] = 0;
            pass_turn(lock);
        }
    }

    // A kernel thread is done, normally or not (the launcher waits for all of them).
    void thread_done() {
        const std::lock_guard lock(done_mutex_);
        if (++done_ == threads_) done_cv_.notify_all();
    }

    // Waits for every thread; false when the block failed and some thread did not unwind within `grace`.
    bool wait_done(std::chrono::milliseconds grace) {
        std::unique_lock lock(done_mutex_);
        // No limit while the block is healthy: a long kernel is not a hang (waits at barriers have the watchdog).
        done_cv_.wait(lock, [&] { return done_ == threads_ || failed(); });
        return done_cv_.wait_for(lock, grace, [&] { return done_ == threads_; });
    }

private:
    struct Warp {
        std::mutex mutex;
        std::condition_variable cv;
        unsigned lanes = 0, arrived = 0, returned = 0;
        std::uint64_t generation = 0;
        Site site;
        const char* what = "";
        std::uint64_t slots[2][kWarpSize] = {};
    };
    struct Waiting {
        Site site;
        const char* what = nullptr;
    };

    static std::string hex(unsigned v) {
        char text[16];
        std::snprintf(text, sizeof text, "0x%08x", v);
        return text;
    }

    std::string thread_text(unsigned tid) const {
        return dim_text(Dim3{tid % block_dim_.x, tid / block_dim_.x % block_dim_.y, tid / (block_dim_.x * block_dim_.y)});
    }

    // Waits on cv (lock held) until done(); throws Abort when the block fails meanwhile, and fails the block
    // with hang_message() when the watchdog runs out first.
    template <class Done, class HangMessage>
    void wait(std::unique_lock<std::mutex>& lock, std::condition_variable& cv, Done done, HangMessage hang_message) {
        const auto deadline = Clock::now() + watchdog_;
        if (fibers_) {  // one OS thread runs the block: the mutex must be free while other fibers run
            while (!done()) {
                if (failed()) {
                    lock.unlock();
                    throw Abort{};
                }
                if (Clock::now() >= deadline) {
                    const std::string message = hang_message();
                    lock.unlock();
                    fail(message);
                }
                lock.unlock();
                fibers_->wait_for_wake();
                lock.lock();
            }
            return;
        }
        while (!done()) {
            if (failed()) {
                lock.unlock();
                throw Abort{};
            }
            if (cv.wait_until(lock, deadline) == std::cv_status::timeout && !done() && !failed()) {
                const std::string message = hang_message();
                lock.unlock();
                fail(message);
            }
        }
    }

    void wake_everyone() {
        if (fibers_) fibers_->wake_all();
        { const std::lock_guard lock(mutex_); }
        cv_.notify_all();
        for (Warp& warp : warps_) {
            { const std::lock_guard lock(warp.mutex); }
            warp.cv.notify_all();
        }
        {
            const std::lock_guard lock(turn_mutex_);
            for (unsigned t = 0; t < threads_; ++t) turn_cv_[t].notify_all();
        }
        { const std::lock_guard lock(done_mutex_); }
        done_cv_.notify_all();
    }

    // --- the serial schedules' token ---

    int first_ready() const {
        for (unsigned i = 0; i < threads_; ++i) {
            const unsigned t = reverse_ ? threads_ - 1 - i : i;
            if (ready_[t]) return static_cast<int>(t);
        }
        return -1;
    }

    void make_ready(unsigned first, unsigned count) {
        const std::lock_guard lock(turn_mutex_);
        for (unsigned t = first; t < first + count; ++t) ready_[t] = !returned_[t];
    }

    // Hands the token on (turn_mutex_ held); when nobody can run and not everyone returned, that is a deadlock.
    void pass_turn(std::unique_lock<std::mutex>& lock) {
        holder_ = first_ready();
        if (holder_ >= 0) {
            turn_cv_[holder_].notify_one();
            return;
        }
        if (std::all_of(returned_.begin(), returned_.end(), [](char r) { return r != 0; })) return;
        const std::string message = deadlock_message();
        lock.unlock();
        fail(message);
    }

    void give_up_turn(unsigned tid, bool blocked, Site site, const char* what) {
        std::unique_lock lock(turn_mutex_);
        if (blocked) {
            ready_[tid] = 0;
            waiting_at_[tid] = Waiting{site, what};
        }
        pass_turn(lock);
    }

    void resume(unsigned tid) {
        std::unique_lock lock(turn_mutex_);
        waiting_at_[tid] = Waiting{};
        wait_for_turn(lock, tid);
    }

    void wait_for_turn(std::unique_lock<std::mutex>& lock, unsigned tid) {
        wait(lock, turn_cv_[tid], [&] { return holder_ == static_cast<int>(tid); }, [&] {
            return "hang: thread " + thread_text(tid) + " waited for its turn (" +
                   std::string(reverse_ ? "reverse" : "forward") + " schedule) longer than the " +
                   std::to_string(watchdog_.count()) + " ms watchdog";
        });
    }

    FiberSet* fibers_ = nullptr;
    unsigned threads_ = 0;
    Dim3 block_dim_;
    bool serial_ = false, reverse_ = false;
    std::chrono::milliseconds watchdog_{0};

    std::atomic<bool> failed_{false};
    std::mutex error_mutex_;
    std::string error_;

    // __syncthreads
    std::mutex mutex_;
    std::condition_variable cv_;
    unsigned arrived_ = 0, returned_count_ = 0;
    std::uint64_t generation_ = 0;
    Site site_;

    Warp warps_[kMaxThreadsPerBlock / kWarpSize];

    // serial schedules
    std::mutex turn_mutex_;
    std::unique_ptr<std::condition_variable[]> turn_cv_ = std::make_unique<std::condition_variable[]>(kMaxThreadsPerBlock);
    std::vector<char> ready_, returned_;
    std::vector<Waiting> waiting_at_;
    int holder_ = -1;

    // completion
    std::mutex done_mutex_;
    std::condition_variable done_cv_;
    unsigned done_ = 0;

    std::size_t dynamic_bytes_ = 0;  // the launch's dynamic shared memory: addressable from block start
    // The 48 KiB CUDA allows plus room for the red zones between static arrays (kSharedRedZone each).
    alignas(256) std::byte shared_[kSharedArenaBytes];
};

namespace {

Block& current_block(const char* what) {
    if (!t_ctx) throw Error(std::string(what) + " called outside a kernel");
    return *t_ctx->block;
}

}  // namespace

struct Job {
    Block* block = nullptr;
    Dim3 block_idx, grid_dim;
    std::size_t dynamic_shared_bytes = 0;
    void (*invoke)(const void*) = nullptr;
    const void* bound = nullptr;
};

namespace {

ThreadContext thread_context(const Job& job, unsigned tid) {
    const Dim3 dim = job.block->block_dim();
    ThreadContext c;
    c.thread_idx = Dim3{tid % dim.x, tid / dim.x % dim.y, tid / (dim.x * dim.y)};
    c.block_idx = job.block_idx;
    c.block_dim = dim;
    c.grid_dim = job.grid_dim;
    c.block = job.block;
    c.linear = tid;
    c.shared = job.block->shared();
    c.dynamic_shared_bytes = job.dynamic_shared_bytes;
    c.shared_cursor = job.dynamic_shared_bytes;
    c.shared_declared = (job.dynamic_shared_bytes + 15) / 16 * 16;
    return c;
}

// One kernel thread, t_ctx already set (by its caller, who also resets it): an OS thread's or a fiber's whole
// life in the block.
void run_kernel_thread(const Job& job, unsigned tid) {
    Block& block = *job.block;
    try {
        block.thread_start(tid);
        job.invoke(job.bound);
        block.thread_return(tid);
    } catch (const Abort&) {
    } catch (const std::exception& e) {
        try {
            block.fail(std::string("a kernel thread threw: ") + e.what());
        } catch (const Abort&) {
        }
    }
    block.thread_done();
}

}  // namespace

// --- the sanitizers' view of the fibers ---
#if defined(__SANITIZE_THREAD__)
extern "C" void __tsan_ignore_thread_begin();
extern "C" void __tsan_ignore_thread_end();
#endif

namespace {

// TSan builds: the engine's own bookkeeping of a slot's fibers (states, the next choice, t_ctx) is shared by all of
// them, and TSan, which sees each fiber as a thread of its own, would read it as races between kernel threads
// that the engine in fact orders. Those accesses go unrecorded; the kernels' own are checked as before.
class EngineBookkeeping {
public:
#if defined(__SANITIZE_THREAD__)
    EngineBookkeeping() { __tsan_ignore_thread_begin(); }
    ~EngineBookkeeping() { __tsan_ignore_thread_end(); }
#else
    EngineBookkeeping() {}  // user-provided: no unused-variable warning where it does nothing
#endif
    EngineBookkeeping(const EngineBookkeeping&) = delete;
    EngineBookkeeping& operator=(const EngineBookkeeping&) = delete;
};

void tsan_release([[maybe_unused]] void* address) {
#if defined(__SANITIZE_THREAD__)
    __tsan_release(address);
#endif
}

void tsan_acquire([[maybe_unused]] void* address) {
#if defined(__SANITIZE_THREAD__)
    __tsan_acquire(address);
#endif
}

// libc's swapcontext itself: ASan's interceptor of it prints a warning (it cannot know the stacks) on stderr,
// where skbench's one-line errors go; the switches here tell ASan the stacks themselves.
using SwapContext = int (*)(ucontext_t*, const ucontext_t*);
SwapContext libc_swapcontext() {
#if defined(__SANITIZE_ADDRESS__)
    static const SwapContext libc_swap = [] {
        void* libc = dlopen("libc.so.6", RTLD_NOW | RTLD_NOLOAD);
        void* symbol = libc ? dlsym(libc, "swapcontext") : nullptr;
        if (!symbol) throw Error("emulator: libc's swapcontext not found");
        return reinterpret_cast<SwapContext>(symbol);
    }();
    return libc_swap;
#else
    return &swapcontext;
#endif
}

}  // namespace

void FiberSet::switch_context(ucontext_t& from, const ucontext_t& to, [[maybe_unused]] const Stack& stack,
                              [[maybe_unused]] void* tsan_fiber) {
    // Nothing instrumented may run between TSan's switch and the swap (its call-stack record would go to the
    // other fiber's), so the swap is an uninstrumented libc call through a pointer taken before.
    const SwapContext swap = libc_swapcontext();
#if defined(__SANITIZE_ADDRESS__)
    void* fake_stack = nullptr;
    __sanitizer_start_switch_fiber(&fake_stack, stack.bottom, stack.size);
#endif
#if defined(__SANITIZE_THREAD__)
    __tsan_switch_to_fiber(tsan_fiber, __tsan_switch_to_fiber_no_sync);
#endif
    swap(&from, &to);
#if defined(__SANITIZE_ADDRESS__)
    __sanitizer_finish_switch_fiber(fake_stack, nullptr, nullptr);
#endif
}

FiberSet::~FiberSet() {
    for (const auto& f : fibers_) {
        munmap(static_cast<char*>(const_cast<void*>(f->stack.bottom)) - kGuardBytes, kStackBytes + kGuardBytes);
#if defined(__SANITIZE_THREAD__)
        __tsan_destroy_fiber(f->tsan_fiber);
#endif
    }
}

// Not instrumented by TSan: its exit would run after the switch to the scheduler below and pop the scheduler's
// call stack, not this fiber's.
#if defined(__SANITIZE_THREAD__)
__attribute__((no_sanitize("thread")))
#endif
void FiberSet::entry(unsigned high, unsigned low) {
    auto* self = reinterpret_cast<FiberSet*>((static_cast<std::uintptr_t>(high) << 32) | low);
#if defined(__SANITIZE_ADDRESS__)
    __sanitizer_finish_switch_fiber(nullptr, &self->scheduler_stack_.bottom, &self->scheduler_stack_.size);
#endif
    unsigned tid;
    const Job* job;
    {
        const EngineBookkeeping bookkeeping;
        tid = self->current_;
        job = self->job_;
    }
    tsan_acquire(&self->started_);
    run_kernel_thread(*job, tid);
    tsan_release(&self->ended_);
    {
        const EngineBookkeeping bookkeeping;
        self->fibers_[tid]->state = State::Done;
        ++self->done_;
    }
    // Back to the scheduler by returning (uc_link); this fiber's fake stack (ASan) is done with.
#if defined(__SANITIZE_ADDRESS__)
    __sanitizer_start_switch_fiber(nullptr, self->scheduler_stack_.bottom, self->scheduler_stack_.size);
#endif
#if defined(__SANITIZE_THREAD__)
    __tsan_switch_to_fiber(self->scheduler_tsan_fiber_, __tsan_switch_to_fiber_no_sync);
#endif
}

void FiberSet::run_block(const Job& job) {
    Block& block = *job.block;
    const unsigned n = block.threads();
    while (fibers_.size() < n) {
        auto f = std::make_unique<Fiber>();
        void* memory = mmap(nullptr, kStackBytes + kGuardBytes, PROT_READ | PROT_WRITE,
                            MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK, -1, 0);
        if (memory == MAP_FAILED) throw Error("emulator: cannot map a fiber stack");
        mprotect(memory, kGuardBytes, PROT_NONE);  // an overflow faults instead of writing into another stack
        f->stack = Stack{static_cast<char*>(memory) + kGuardBytes, kStackBytes};
#if defined(__SANITIZE_THREAD__)
        f->tsan_fiber = __tsan_create_fiber(0);
        __tsan_set_fiber_name(f->tsan_fiber, "emulated GPU thread");
#endif
        fibers_.push_back(std::move(f));
    }
#if defined(__SANITIZE_THREAD__)
    scheduler_tsan_fiber_ = __tsan_get_current_fiber();
#endif
    job_ = &job;
    count_ = n;
    done_ = 0;
    reverse_ = block.reverse();
    yielded_ = false;
    scan_ = 0;
    last_sweep_ = Clock::now();
    const auto self = reinterpret_cast<std::uintptr_t>(this);
    for (unsigned t = 0; t < n; ++t) {
        Fiber& f = *fibers_[t];
        f.state = State::Runnable;
        f.atomics = 0;
        f.thread = thread_context(job, t);
        getcontext(&f.context);
        f.context.uc_stack.ss_sp = const_cast<void*>(f.stack.bottom);
        f.context.uc_stack.ss_size = f.stack.size;
        f.context.uc_link = &scheduler_;
        makecontext(&f.context, reinterpret_cast<void (*)()>(&FiberSet::entry), 2, static_cast<unsigned>(self >> 32),
                    static_cast<unsigned>(self & 0xffffffffu));
    }
    tsan_release(&started_);
    {
        const EngineBookkeeping bookkeeping;
        ThreadContext* const outside = t_ctx;
        for (;;) {
            const int t = next();
            if (t < 0) {
                if (done_ == n) break;
                block.record_failure(block.deadlock_message());  // wakes every fiber: each unwinds where it waits
                continue;
            }
            current_ = static_cast<unsigned>(t);
            Fiber& f = *fibers_[current_];
            t_ctx = &f.thread;
            switch_context(scheduler_, f.context, f.stack, f.tsan_fiber);
        }
        t_ctx = outside;
    }
    tsan_acquire(&ended_);
#if defined(__SANITIZE_ADDRESS__)
    // A thread that unwound (a failed block) may leave its frames' red zones poisoned on a stack the next
    // block reuses.
    if (block.failed())
        for (const auto& f : fibers_) ASAN_UNPOISON_MEMORY_REGION(f->stack.bottom, f->stack.size);
#endif
}

int FiberSet::next() {
    if (yielded_) {  // round robin after the thread that yielded, so a spinning thread lets the others run
        yielded_ = false;
        const unsigned from = reverse_ ? count_ - 1 - current_ : current_;
        for (unsigned i = 1; i <= count_; ++i) {
            const unsigned t = tid_at((from + i) % count_);
            if (fibers_[t]->state == State::Runnable) return static_cast<int>(t);
        }
        return -1;
    }
    for (; scan_ < count_; ++scan_)
        if (fibers_[tid_at(scan_)]->state == State::Runnable) return static_cast<int>(tid_at(scan_));
    return -1;
}

void FiberSet::wait_for_wake() {
    const EngineBookkeeping bookkeeping;
    fibers_[current_]->state = State::Waiting;
    to_scheduler();
}

void FiberSet::pass_on() {
    const EngineBookkeeping bookkeeping;
    to_scheduler();
}

void FiberSet::to_scheduler() {
    switch_context(fibers_[current_]->context, scheduler_, scheduler_stack_, scheduler_tsan_fiber_);
}

void FiberSet::wake(unsigned first, unsigned count) {
    const EngineBookkeeping bookkeeping;
    for (unsigned t = first; t < first + count && t < count_; ++t) {
        Fiber& f = *fibers_[t];
        if (f.state != State::Waiting) continue;
        f.state = State::Runnable;
        scan_ = std::min(scan_, reverse_ ? count_ - 1 - t : t);
    }
}

void FiberSet::count_atomic() {
    const EngineBookkeeping bookkeeping;
    Fiber& f = *fibers_[current_];
    if (++f.atomics % 1024 != 0) return;
    if (const auto now = Clock::now(); now - last_sweep_ > std::chrono::milliseconds(20)) {
        last_sweep_ = now;
        wake_all();
    }
    yielded_ = true;
    to_scheduler();
}

namespace {

// Thread `tid` of every block. Each worker waits on its own mutex, so starting a block orders each of its
// threads after the launcher only, never after one another.
class Worker {
public:
    explicit Worker(unsigned tid) : tid_(tid), thread_([this] { main(); }) {}
    ~Worker() {
        {
            const std::lock_guard lock(mutex_);
            stop_ = true;
        }
        cv_.notify_one();
        if (thread_.joinable()) thread_.join();
    }
    void post(const Job& job) {
        {
            const std::lock_guard lock(mutex_);
            job_ = job;
            ++posted_;
        }
        cv_.notify_one();
    }
private:
    void main() {
        std::uint64_t seen = 0;
        for (;;) {
            Job job;
            {
                std::unique_lock lock(mutex_);
                cv_.wait(lock, [&] { return posted_ != seen || stop_; });
                if (stop_) return;
                seen = posted_;
                job = job_;
            }
            run(job);
        }
    }

    void run(const Job& job) {
        context_ = thread_context(job, tid_);
        t_ctx = &context_;
        run_kernel_thread(job, tid_);
        t_ctx = nullptr;
    }

    unsigned tid_;
    ThreadContext context_;  // this worker's kernel thread's, what t_ctx points to while it runs
    std::mutex mutex_;
    std::condition_variable cv_;
    Job job_;
    std::uint64_t posted_ = 0;
    bool stop_ = false;
    std::thread thread_;
};

// A failed block: its linear index in the grid, the message, and whether a kernel thread never returned.
struct BlockFailure {
    std::uint64_t block = 0;
    std::string message;
    bool stuck = false;
};

// One resident block: its synchronisation state, its shared memory and its kernel threads.
struct Slot {
    std::unique_ptr<Block> block = std::make_unique<Block>();
    std::vector<std::unique_ptr<Worker>> workers;  // the thread engine's
    std::unique_ptr<FiberSet> fibers;              // the fiber engine's

    // Runs blocks first, first + stride, ... of the grid one after another; stops at the first failure of its own
    // or once another slot has failed (`grid_failed`, relaxed: it orders nothing between slots).
    std::optional<BlockFailure> run_blocks(const LaunchConfig& config, Job job, std::uint64_t first,
                                           std::uint64_t stride, std::atomic<bool>& grid_failed) {
        const std::uint64_t gx = config.grid.x, gy = config.grid.y, total = config.grid.count();
        const auto threads = static_cast<unsigned>(config.block.count());
        for (std::uint64_t b = first; b < total && !grid_failed.load(std::memory_order_relaxed); b += stride) {
            job.block_idx = Dim3{static_cast<unsigned>(b % gx), static_cast<unsigned>(b / gx % gy),
                                 static_cast<unsigned>(b / (gx * gy))};
            block->begin();
            bool finished = true;
            if (FiberSet* fiber_set = block->fibers()) {
                fiber_set->run_block(job);
            } else {
                for (unsigned t = 0; t < threads; ++t) workers[t]->post(job);
                finished = block->wait_done(std::chrono::milliseconds(1000));
            }
            if (block->failed() || !finished) {
                grid_failed.store(true, std::memory_order_relaxed);
                return BlockFailure{b, block->error() + " (block " + dim_text(job.block_idx) + ")", !finished};
            }
        }
        return std::nullopt;
    }
};

// Drives one slot other than the first from its own thread, so that slots are ordered only by the grid's start
// and end, as blocks on a GPU are (ThreadSanitizer then sees a race between blocks of different slots).
class SlotDriver {
public:
    explicit SlotDriver(Slot& slot) : slot_(slot), thread_([this] { main(); }) {}
    ~SlotDriver() {
        {
            const std::lock_guard lock(mutex_);
            stop_ = true;
        }
        cv_.notify_one();
        if (thread_.joinable()) thread_.join();
    }
    void start(const LaunchConfig& config, const Job& job, std::uint64_t first, std::uint64_t stride,
               std::atomic<bool>& grid_failed) {
        {
            const std::lock_guard lock(mutex_);
            task_ = Task{&config, job, first, stride, &grid_failed};
            running_ = true;
        }
        cv_.notify_one();
    }
    std::optional<BlockFailure> wait() {
        std::unique_lock lock(mutex_);
        cv_.wait(lock, [&] { return !running_; });
        return std::move(result_);
    }

private:
    struct Task {
        const LaunchConfig* config = nullptr;
        Job job;
        std::uint64_t first = 0, stride = 1;
        std::atomic<bool>* grid_failed = nullptr;
    };
    void main() {
        for (;;) {
            Task task;
            {
                std::unique_lock lock(mutex_);
                cv_.wait(lock, [&] { return (running_ && !taken_) || stop_; });
                if (stop_) return;
                taken_ = true;
                task = task_;
            }
            auto result = slot_.run_blocks(*task.config, task.job, task.first, task.stride, *task.grid_failed);
            {
                const std::lock_guard lock(mutex_);
                result_ = std::move(result);
                running_ = taken_ = false;
            }
            cv_.notify_all();
        }
    }

    Slot& slot_;
    std::mutex mutex_;
    std::condition_variable cv_;
    Task task_;
    bool running_ = false, taken_ = false, stop_ = false;
    std::optional<BlockFailure> result_;
    std::thread thread_;
};

class Engine {
public:
    // Runs the grid with up to options.resident_blocks blocks at once (slot k runs blocks k, k + K, ...); returns
    // false when a kernel thread never returned (the caller then abandons this engine and its threads).
    bool run(const LaunchConfig& config, void (*invoke)(const void*), const void* bound, std::string& error) {
        const EmulatorOptions options = emulator_options();
        const unsigned threads = static_cast<unsigned>(config.block.count());
        const auto resident = static_cast<std::uint64_t>(
            std::min<std::uint64_t>(std::max(options.resident_blocks, 1u), config.grid.count()));
        while (slots_.size() < resident) {
            slots_.push_back(std::make_unique<Slot>());
            if (slots_.size() > 1) drivers_.push_back(std::make_unique<SlotDriver>(*slots_.back()));
        }
        const bool use_fibers = options.engine == EmulatorOptions::Engine::Fibers;
        for (std::uint64_t k = 0; k < resident; ++k) {
            Slot& slot = *slots_[k];
            if (use_fibers && !slot.fibers) slot.fibers = std::make_unique<FiberSet>();
            while (!use_fibers && slot.workers.size() < threads)
                slot.workers.push_back(std::make_unique<Worker>(static_cast<unsigned>(slot.workers.size())));
            slot.block->configure(config, options, use_fibers ? slot.fibers.get() : nullptr);
        }
        const Job job{nullptr, Dim3{}, config.grid, config.dynamic_shared_bytes, invoke, bound};
        std::atomic<bool> grid_failed{false};
        auto with_block = [&](std::uint64_t k) {
            Job j = job;
            j.block = slots_[k]->block.get();
            return j;
        };
        for (std::uint64_t k = 1; k < resident; ++k) drivers_[k - 1]->start(config, with_block(k), k, resident, grid_failed);
        std::vector<BlockFailure> failures;
        if (auto f = slots_[0]->run_blocks(config, with_block(0), 0, resident, grid_failed)) failures.push_back(*f);
        for (std::uint64_t k = 1; k < resident; ++k)
            if (auto f = drivers_[k - 1]->wait()) failures.push_back(*f);
        if (failures.empty()) return true;
        // The failure of the lowest block decides the message, whichever slot reached it first.
        const auto first = std::min_element(failures.begin(), failures.end(),
                                            [](const auto& a, const auto& b) { return a.block < b.block; });
        error = first->message;
        const bool stuck = std::any_of(failures.begin(), failures.end(), [](const auto& f) { return f.stuck; });
        if (stuck) error += "; a kernel thread never returned, the emulator's thread pool was replaced";
        return !stuck;
    }

private:
    std::vector<std::unique_ptr<Slot>> slots_;
    std::vector<std::unique_ptr<SlotDriver>> drivers_;  // slot k > 0 is driven by drivers_[k - 1]
};

std::mutex g_engine_mutex;  // one grid at a time

std::unique_ptr<Engine>& engine_slot() {
    static std::unique_ptr<Engine> engine;
    return engine;
}

}  // namespace

void run_grid(const LaunchConfig& config, void (*invoke)(const void*), const void* bound) {
    if (t_ctx) throw Error(std::string("launch of kernel '") + config.name + "' from inside a kernel");
    const std::lock_guard lock(g_engine_mutex);
    auto& engine = engine_slot();
    if (!engine) engine = std::make_unique<Engine>();
    std::string error;
    const auto start = Clock::now();
    if (!engine->run(config, invoke, bound, error)) {
        // Stuck kernel threads still use the old engine: leave it to them.
        (void)engine.release();
    }
    record_kernel(std::chrono::duration<double, std::milli>(Clock::now() - start).count());
    // A kernel that faults (a divergent barrier, a hang, an exception in a thread) is a bug in skbench, not bad input.
    if (!error.empty()) throw InternalError(std::string("kernel '") + config.name + "': " + error);
}

void syncthreads(Site site) { current_block("__syncthreads").syncthreads(site, t_ctx->linear); }

void warp_exchange(Site site, const char* what, unsigned mask, std::uint64_t mine, std::uint64_t* all) {
    current_block(what).warp_exchange(site, what, t_ctx->linear, mask, mine, all);
}

void check_abort() {
    if (!t_ctx) return;
    t_ctx->block->check_abort();
    t_ctx->block->count_atomic();
}

void check_width(Site site, const char* what, int width) {
    if (width < 1 || width > kWarpSize || (width & (width - 1)) != 0)
        current_block(what).fail(std::string(what) + " at " + site_text(site) + " with width " +
                                 std::to_string(width) + ": a power of two up to 32");
}

void* static_shared(Site site, std::size_t bytes, std::size_t align) {
    Block& block = current_block("SKB_SHARED");
    ThreadContext& c = *t_ctx;
    align = std::max<std::size_t>(align, 16);
    // CUDA's bound: the declared arrays packed at their alignment after the dynamic part, within 48 KiB. The
    // arena places them further apart (a red zone before each), which only ASan sees.
    const std::size_t declared_at = (c.shared_declared + align - 1) / align * align;
    if (declared_at + bytes > kSharedMemoryLimit)
        block.fail("SKB_SHARED at " + site_text(site) + ": " + std::to_string(bytes) + " bytes more than the 48 KiB of shared memory (" +
                   std::to_string(declared_at) + " bytes in use, " + std::to_string(c.dynamic_shared_bytes) + " of them dynamic)");
    c.shared_declared = declared_at + bytes;
    const std::size_t offset = (c.shared_cursor + kSharedRedZone + align - 1) / align * align;
    if (offset + bytes > kSharedArenaBytes)
        block.fail("SKB_SHARED at " + site_text(site) + ": the emulator's shared arena has no room for the red zones of " +
                   "this many arrays");
    c.shared_cursor = offset + bytes;
    SKB_EMU_UNPOISON_SHARED(c.shared + offset, bytes);
    return c.shared + offset;
}

// The start of the arena; only the launch's dynamic_shared_bytes of it are addressable under ASan (none when the
// launch declared none), and reads of bytes nobody wrote give the poison in every build.
void* dynamic_shared() {
    current_block("SKB_DYNAMIC_SHARED");
    return t_ctx->shared;
}

}  // namespace detail
}  // namespace skb::gpu::emu
