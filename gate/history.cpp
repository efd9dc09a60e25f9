#include "history.hpp"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <ctime>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

#include "skb/error.hpp"

namespace skb::gate {
namespace {

class Statement {
public:
    Statement(sqlite3* db, const char* sql) : db_(db) {
        if (sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr) != SQLITE_OK)
            throw Error(std::string("history store: ") + sqlite3_errmsg(db));
    }
    ~Statement() { sqlite3_finalize(stmt_); }
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;

    Statement& bind(int i, const std::string& v) {
        check(sqlite3_bind_text(stmt_, i, v.c_str(), static_cast<int>(v.size()), SQLITE_TRANSIENT));
        return *this;
    }
    Statement& bind(int i, std::int64_t v) {
        check(sqlite3_bind_int64(stmt_, i, v));
        return *this;
    }
    Statement& bind(int i, double v) {
        check(sqlite3_bind_double(stmt_, i, v));
        return *this;
    }
    bool step() {  // true while a row is available
        const int rc = sqlite3_step(stmt_);
        if (rc == SQLITE_ROW) return true;
        if (rc == SQLITE_DONE) return false;
        throw Error(std::string("history store: ") + sqlite3_errmsg(db_));
    }
    void reset() {
        sqlite3_reset(stmt_);
        sqlite3_clear_bindings(stmt_);
    }
    std::string text(int col) const {
        const auto* p = sqlite3_column_text(stmt_, col);
        return p ? reinterpret_cast<const char*>(p) : "";
    }
    std::int64_t integer(int col) const { return sqlite3_column_int64(stmt_, col); }
    double real(int col) const { return sqlite3_column_double(stmt_, col); }
    bool null(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }

private:
    void check(int rc) const {
        if (rc != SQLITE_OK) throw Error(std::string("history store: ") + sqlite3_errmsg(db_));
    }
    sqlite3* db_;
    sqlite3_stmt* stmt_ = nullptr;
};

void exec(sqlite3* db, const char* sql) {
    char* message = nullptr;
    if (sqlite3_exec(db, sql, nullptr, nullptr, &message) != SQLITE_OK) {
        const std::string text = message ? message : "unknown error";
        sqlite3_free(message);
        throw Error("history store: " + text);
    }
}

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS runs(
  id INTEGER PRIMARY KEY,
  recorded_at TEXT NOT NULL,
  git_sha TEXT, run_date TEXT, machine TEXT NOT NULL, build TEXT NOT NULL, build_type TEXT, compiler TEXT,
  cxx_flags TEXT, source TEXT, context TEXT NOT NULL,
  cases INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS cases(
  run_id INTEGER NOT NULL REFERENCES runs(id), name TEXT NOT NULL, op TEXT, workload TEXT, backend TEXT,
  shape TEXT, dtype TEXT, output_dtype TEXT, threads INTEGER, pixels REAL,
  PRIMARY KEY(run_id, name));
CREATE TABLE IF NOT EXISTS measurements(
  run_id INTEGER NOT NULL REFERENCES runs(id), case_name TEXT NOT NULL, metric TEXT NOT NULL,
  samples TEXT NOT NULL,
  PRIMARY KEY(run_id, case_name, metric));
CREATE INDEX IF NOT EXISTS runs_by_machine ON runs(machine, build, id);
)sql";

std::string now_utc() {
    const std::time_t t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buffer[32];
    std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buffer;
}

std::string json_text(const nlohmann::json& context, const char* key) {
    return context.contains(key) && context[key].is_string() ? context[key].get<std::string>() : "";
}

}  // namespace

bool is_history_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    char header[16] = {};
    in.read(header, sizeof header);
    return in.gcount() == 16 && std::memcmp(header, "SQLite format 3\0", 16) == 0;
}

History::History(const std::string& path) : path_(path) {
    // Refuse a file that is not an SQLite database before SQLite touches it (no journal or WAL files beside it).
    std::error_code ec;
    if (std::filesystem::file_size(path, ec) > 0 && !ec && !is_history_file(path))
        throw Error("history store '" + path + "' is not an SQLite database: refused, left unchanged");
    if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) != SQLITE_OK) {
        const std::string message = db_ ? sqlite3_errmsg(db_) : "out of memory";
        sqlite3_close(db_);
        db_ = nullptr;
        throw Error("cannot open history store '" + path + "': " + message);
    }
    // Writers that finish together (CI jobs) wait for each other: every write is one IMMEDIATE transaction, so
    // the busy handler covers it (a deferred one upgraded to a write would fail at once instead of waiting).
    sqlite3_busy_timeout(db_, 60000);
    // Opening is retried while another process holds the file: SQLite returns "database is locked" without
    // waiting in a few places, such as a store another writer is creating or switching to WAL.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    for (;;) {
        try {
            initialise();
            return;
        } catch (const Error& e) {
            const int code = sqlite3_errcode(db_) & 0xff;
            if ((code == SQLITE_BUSY || code == SQLITE_LOCKED) && std::chrono::steady_clock::now() < deadline) {
                std::this_thread::sleep_for(std::chrono::milliseconds(20));
                continue;
            }
            sqlite3_close(db_);
            db_ = nullptr;
            throw Error("history store '" + path + "' is unusable: " + e.what());
        }
    }
}

void History::initialise() {
    const std::string foreign = foreign_tables();
    if (!foreign.empty())
        throw Error("it is another program's SQLite database (tables " + foreign + "): refused, left unchanged");
    exec(db_, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;");
    exec(db_, "BEGIN IMMEDIATE");
    try {
        exec(db_, kSchema);
        exec(db_, "COMMIT");
    } catch (...) {
        sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
        throw;
    }
    Statement check(db_, "PRAGMA quick_check");  // "ok", or problems one per line (in one row or several)
    std::vector<std::string> problems;
    while (check.step()) {
        std::istringstream lines(check.text(0));
        for (std::string line; std::getline(lines, line);)
            if (line != "ok" && line.rfind("***", 0) != 0) problems.push_back(line);
    }
    if (!problems.empty())
        throw Error("its integrity check fails: " + problems.front() + " (" + std::to_string(problems.size()) +
                    " problems)");
}

std::string History::foreign_tables() {
    // A store is ours when it is empty or holds our `runs` table; any other schema belongs to someone else.
    Statement tables(db_, "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name");
    std::string names;
    bool ours = false;
    while (tables.step()) {
        const std::string name = tables.text(0);
        ours = ours || name == "runs";
        names += (names.empty() ? "" : ", ") + name;
    }
    return ours ? "" : names;
}

History::~History() { sqlite3_close(db_); }

std::int64_t History::record(const RunRecord& run, const std::string& source) {
    exec(db_, "BEGIN IMMEDIATE");
    try {
        Statement insert_run(db_, "INSERT INTO runs(recorded_at, git_sha, run_date, machine, build, build_type, "
                                  "compiler, cxx_flags, source, context, cases) VALUES(?,?,?,?,?,?,?,?,?,?,?)");
        const auto& c = run.context;
        insert_run.bind(1, now_utc())
            .bind(2, json_text(c, "git_sha"))
            .bind(3, json_text(c, "date"))
            .bind(4, machine_fingerprint(c))
            .bind(5, build_fingerprint(c))
            .bind(6, json_text(c, "build_type"))
            .bind(7, json_text(c, "compiler"))
            .bind(8, json_text(c, "cxx_flags"))
            .bind(9, source)
            .bind(10, c.dump())
            .bind(11, static_cast<std::int64_t>(run.cases.size()));
        insert_run.step();
        const std::int64_t id = sqlite3_last_insert_rowid(db_);
        Statement insert_case(db_, "INSERT INTO cases VALUES(?,?,?,?,?,?,?,?,?,?)");
        Statement insert_measurement(db_, "INSERT INTO measurements VALUES(?,?,?,?)");
        auto measurement = [&](const std::string& case_name, const std::string& metric, const nlohmann::json& samples) {
            insert_measurement.reset();
            insert_measurement.bind(1, id).bind(2, case_name).bind(3, metric).bind(4, samples.dump());
            insert_measurement.step();
        };
        for (const auto& k : run.cases) {
            insert_case.reset();
            insert_case.bind(1, id).bind(2, k.name).bind(3, k.op).bind(4, k.workload).bind(5, k.backend)
                .bind(6, k.shape).bind(7, k.dtype).bind(8, k.output_dtype)
                .bind(9, static_cast<std::int64_t>(k.threads)).bind(10, k.pixels);
            insert_case.step();
            measurement(k.name, "real_time_ms", k.real_time_ms);
            for (const auto& [metric, value] : k.metrics) measurement(k.name, metric, nlohmann::json::array({value}));
        }
        for (const auto& [key, value] : run.instructions)
            measurement(key, "instructions", nlohmann::json::array({value}));
        exec(db_, "COMMIT");
        return id;
    } catch (...) {
        sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
        throw;
    }
}

std::vector<StoredRun> History::runs() const {
    Statement q(db_, "SELECT r.id, r.recorded_at, r.git_sha, r.machine, r.build, r.build_type, r.source, r.cases "
                     "FROM runs r ORDER BY r.id");
    std::vector<StoredRun> out;
    while (q.step())
        out.push_back({q.integer(0), q.text(1), q.text(2), q.text(3), q.text(4), q.text(5), q.text(6), q.integer(7)});
    return out;
}

std::optional<std::int64_t> History::best_match(const std::string& machine, const std::string& build,
                                                const std::vector<std::string>& names) const {
    Statement candidates(db_, "SELECT id FROM runs WHERE (?1 = '' OR machine = ?1) AND (?2 = '' OR build = ?2) "
                              "ORDER BY id DESC");
    candidates.bind(1, machine).bind(2, build);
    Statement common(db_, "SELECT count(*) FROM cases WHERE run_id = ? AND name IN (SELECT value FROM json_each(?))");
    const std::string wanted = nlohmann::json(names).dump();
    std::optional<std::int64_t> best;
    std::int64_t best_common = 0;
    while (candidates.step()) {
        const std::int64_t id = candidates.integer(0);
        common.reset();
        common.bind(1, id).bind(2, wanted);
        common.step();
        const std::int64_t n = common.integer(0);
        if (n == static_cast<std::int64_t>(names.size())) return id;
        if (n > best_common) best = id, best_common = n;
    }
    return best;
}

RunRecord History::load(std::int64_t run_id) const {
    const std::string what = "history store '" + path_ + "', run " + std::to_string(run_id);
    try {
        RunRecord run = load_unchecked(run_id);
        check_context_types(run.context, what);
        return run;
    } catch (const nlohmann::json::exception& e) {  // text in the store that is not the JSON we wrote
        throw Error(what + " is damaged: " + e.what());
    }
}

RunRecord History::load_unchecked(std::int64_t run_id) const {
    RunRecord run;
    {
        Statement q(db_, "SELECT context FROM runs WHERE id = ?");
        q.bind(1, run_id);
        if (!q.step()) throw Error("history store '" + path_ + "' has no run " + std::to_string(run_id));
        run.context = nlohmann::json::parse(q.text(0));
    }
    std::map<std::string, CaseRecord> by_name;
    {
        Statement q(db_, "SELECT name, op, workload, backend, shape, dtype, output_dtype, threads, pixels FROM cases "
                         "WHERE run_id = ?");
        q.bind(1, run_id);
        while (q.step()) {
            CaseRecord c;
            c.name = q.text(0), c.op = q.text(1), c.workload = q.text(2), c.backend = q.text(3), c.shape = q.text(4);
            c.dtype = q.text(5), c.output_dtype = q.text(6), c.threads = static_cast<int>(q.integer(7));
            c.pixels = q.real(8);
            by_name[c.name] = std::move(c);
        }
    }
    Statement q(db_, "SELECT case_name, metric, samples FROM measurements WHERE run_id = ?");
    q.bind(1, run_id);
    while (q.step()) {
        const std::string name = q.text(0), metric = q.text(1);
        const auto samples = nlohmann::json::parse(q.text(2));
        if (metric == "instructions") {
            run.instructions[name] = samples.at(0).get<double>();
            continue;
        }
        auto it = by_name.find(name);
        if (it == by_name.end()) continue;
        if (metric == "real_time_ms") it->second.real_time_ms = samples.get<std::vector<double>>();
        else it->second.metrics[metric] = samples.at(0).get<double>();
    }
    for (auto& [name, c] : by_name) run.cases.push_back(std::move(c));
    return run;
}

bool History::integrity_ok() const {
    Statement q(db_, "PRAGMA integrity_check");
    return q.step() && q.text(0) == "ok";
}

}  // namespace skb::gate
