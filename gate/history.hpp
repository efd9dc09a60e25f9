// The results history: an SQLite file (default results/history.sqlite) holding runs (commit, time, machine and
// build fingerprints, build type, compiler and flags, the full context) and their measurements (case, metric,
// samples). Every write is one transaction in WAL mode with full sync: a process killed mid-write leaves the
// store as it was before that run, never half a run.
#pragma once
#include <sqlite3.h>

#include <optional>
#include <string>
#include <vector>

#include "results.hpp"

namespace skb::gate {

struct StoredRun {
    std::int64_t id = 0;
    std::string recorded_at, git_sha, machine, build, build_type, source;
    std::int64_t cases = 0;
};

class History {
public:
    explicit History(const std::string& path);  // creates the file and schema if needed; throws skb::Error
    ~History();
    History(const History&) = delete;
    History& operator=(const History&) = delete;

    // Records a run; returns its id. `source` says where it came from (a results file path).
    std::int64_t record(const RunRecord& run, const std::string& source);
    std::vector<StoredRun> runs() const;  // oldest first
    // The baseline for a run with cases `names`: among runs on `machine` (when given) from `build` (when given),
    // the newest holding all of them, else the one holding most; nothing when none holds any.
    std::optional<std::int64_t> best_match(const std::string& machine, const std::string& build,
                                           const std::vector<std::string>& names) const;
    RunRecord load(std::int64_t run_id) const;
    bool integrity_ok() const;

private:
    void initialise();              // refuses foreign and corrupted files, creates the schema (WAL)
    std::string foreign_tables();  // the tables of a database that is not a history store, else ""
    RunRecord load_unchecked(std::int64_t run_id) const;
    sqlite3* db_ = nullptr;
    std::string path_;
};

// Whether a path names an SQLite history file (by its header), as opposed to a results JSON.
bool is_history_file(const std::string& path);

}  // namespace skb::gate
