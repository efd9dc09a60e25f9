// The results history: runs (commit, time, machine and build fingerprints, build type, compiler and flags, the full
// context) and their measurements (case, metric, samples), in an SQLite file (default results/history.sqlite) or,
// for a fleet of runners, on a PostgreSQL server (a postgresql:// URI). Every write is one transaction: a process
// killed mid-write leaves the store as it was before that run, never half a run.
#pragma once
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "results.hpp"

namespace skb::gate::db {
class Database;
}

namespace skb::gate {

struct StoredRun {
    std::int64_t id = 0;
    std::string recorded_at, git_sha, machine, build, build_type, source;
    std::int64_t cases = 0;
};

class History {
public:
    // A path (SQLite) or a postgresql:// URI; creates the file and the tables when missing; throws skb::Error.
    explicit History(const std::string& location);
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

    const std::string& location() const { return location_; }  // for messages: the path, or the URI without password

private:
    RunRecord load_unchecked(std::int64_t run_id) const;
    std::unique_ptr<db::Database> db_;
    std::string location_;
};

// Whether a path names an SQLite history file (by its header), as opposed to a results JSON.
bool is_history_file(const std::string& path);
// Whether a location is a PostgreSQL connection URI (postgresql:// or postgres://).
bool is_postgres_uri(const std::string& location);
// A PostgreSQL URI or an SQLite history file: what --db and the history inputs of gate and report accept.
bool is_history_location(const std::string& location);
// The location as messages show it: a URI's password (user:PASSWORD@, password=...) replaced by ***.
std::string display_location(const std::string& location);

}  // namespace skb::gate
