#include "history.hpp"

#include <chrono>
#include <ctime>
#include <regex>
#include <vector>

#include "history_db.hpp"
#include "skb/error.hpp"

namespace skb::gate {
namespace {

// One schema for both databases: DOUBLE PRECISION is a float8 in PostgreSQL and a REAL in SQLite ("DOUB" affinity).
constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS runs(
  id {id},
  recorded_at TEXT NOT NULL,
  git_sha TEXT, run_date TEXT, machine TEXT NOT NULL, build TEXT NOT NULL, build_type TEXT, compiler TEXT,
  cxx_flags TEXT, source TEXT, context TEXT NOT NULL,
  cases INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS cases(
  run_id BIGINT NOT NULL REFERENCES runs(id), name TEXT NOT NULL, op TEXT, workload TEXT, backend TEXT,
  shape TEXT, dtype TEXT, output_dtype TEXT, threads INTEGER, pixels DOUBLE PRECISION,
  PRIMARY KEY(run_id, name));
CREATE TABLE IF NOT EXISTS measurements(
  run_id BIGINT NOT NULL REFERENCES runs(id), case_name TEXT NOT NULL, metric TEXT NOT NULL,
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

bool is_postgres_uri(const std::string& location) {
    return location.rfind("postgresql://", 0) == 0 || location.rfind("postgres://", 0) == 0;
}

bool is_history_location(const std::string& location) {
    return is_postgres_uri(location) || is_history_file(location);
}

std::string display_location(const std::string& location) {
    if (!is_postgres_uri(location)) return location;
    static const std::regex userinfo_password(R"(^(postgres(ql)?://[^:/@?]*):[^@/?]*@)");
    static const std::regex query_password(R"(([?&]password=)[^&]*)");
    return std::regex_replace(std::regex_replace(location, userinfo_password, "$1:***@"), query_password, "$1***");
}

std::string db::Schema::sql_with_id(const std::string& id_type) const {
    std::string out = sql;
    for (auto at = out.find("{id}"); at != std::string::npos; at = out.find("{id}", at + id_type.size()))
        out.replace(at, 4, id_type);
    return out;
}

std::string db::Schema::foreign_tables(const std::vector<std::string>& tables) const {
    std::string names;
    for (const auto& t : tables) {
        if (t == own_table) return "";
        names += (names.empty() ? "" : ", ") + t;
    }
    return names;
}

History::History(const std::string& location) : location_(display_location(location)) {
    const db::Schema schema{kSchema, "runs"};
    db_ = is_postgres_uri(location) ? db::open_postgres(location, schema) : db::open_sqlite(location, schema);
}

History::~History() = default;

std::int64_t History::record(const RunRecord& run, const std::string& source) {
    db_->begin_write();
    try {
        auto insert_run = db_->prepare(
            "INSERT INTO runs(recorded_at, git_sha, run_date, machine, build, build_type, compiler, cxx_flags, source, "
            "context, cases) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11) RETURNING id");
        const auto& c = run.context;
        insert_run->bind(1, now_utc())
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
        if (!insert_run->step()) throw Error("history store '" + location_ + "' returned no id for the new run");
        const std::int64_t id = insert_run->integer(0);
        insert_run.reset();  // SQLite's statement must be finished before the transaction commits
        auto insert_case = db_->prepare("INSERT INTO cases VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)");
        auto insert_measurement = db_->prepare("INSERT INTO measurements VALUES(?1, ?2, ?3, ?4)");
        auto measurement = [&](const std::string& case_name, const std::string& metric, const nlohmann::json& samples) {
            insert_measurement->reset();
            insert_measurement->bind(1, id).bind(2, case_name).bind(3, metric).bind(4, samples.dump());
            insert_measurement->step();
        };
        for (const auto& k : run.cases) {
            insert_case->reset();
            insert_case->bind(1, id).bind(2, k.name).bind(3, k.op).bind(4, k.workload).bind(5, k.backend)
                .bind(6, k.shape).bind(7, k.dtype).bind(8, k.output_dtype)
                .bind(9, static_cast<std::int64_t>(k.threads)).bind(10, k.pixels);
            insert_case->step();
            measurement(k.name, "real_time_ms", k.real_time_ms);
            for (const auto& [metric, value] : k.metrics) measurement(k.name, metric, nlohmann::json::array({value}));
        }
        for (const auto& [key, value] : run.instructions)
            measurement(key, "instructions", nlohmann::json::array({value}));
        insert_case.reset();
        insert_measurement.reset();
        db_->commit();
        return id;
    } catch (...) {
        db_->rollback();
        throw;
    }
}

std::vector<StoredRun> History::runs() const {
    auto q = db_->prepare("SELECT id, recorded_at, git_sha, machine, build, build_type, source, cases FROM runs "
                          "ORDER BY id");
    std::vector<StoredRun> out;
    while (q->step())
        out.push_back({q->integer(0), q->text(1), q->text(2), q->text(3), q->text(4), q->text(5), q->text(6),
                       q->integer(7)});
    return out;
}

std::optional<std::int64_t> History::best_match(const std::string& machine, const std::string& build,
                                                const std::vector<std::string>& names) const {
    auto candidates = db_->prepare("SELECT id FROM runs WHERE (?1 = '' OR machine = ?1) AND (?2 = '' OR build = ?2) "
                                   "ORDER BY id DESC");
    candidates->bind(1, machine).bind(2, build);
    auto common = db_->prepare("SELECT count(*) FROM cases WHERE run_id = ?1 AND name IN (" + db_->json_strings(2) + ")");
    const std::string wanted = nlohmann::json(names).dump();
    std::optional<std::int64_t> best;
    std::int64_t best_common = 0;
    while (candidates->step()) {
        const std::int64_t id = candidates->integer(0);
        common->reset();
        common->bind(1, id).bind(2, wanted);
        common->step();
        const std::int64_t n = common->integer(0);
        if (n == static_cast<std::int64_t>(names.size())) return id;
        if (n > best_common) best = id, best_common = n;
    }
    return best;
}

RunRecord History::load(std::int64_t run_id) const {
    const std::string what = "history store '" + location_ + "', run " + std::to_string(run_id);
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
        auto q = db_->prepare("SELECT context FROM runs WHERE id = ?1");
        q->bind(1, run_id);
        if (!q->step()) throw Error("history store '" + location_ + "' has no run " + std::to_string(run_id));
        run.context = nlohmann::json::parse(q->text(0));
    }
    std::map<std::string, CaseRecord> by_name;
    {
        auto q = db_->prepare("SELECT name, op, workload, backend, shape, dtype, output_dtype, threads, pixels "
                              "FROM cases WHERE run_id = ?1");
        q->bind(1, run_id);
        while (q->step()) {
            CaseRecord c;
            c.name = q->text(0), c.op = q->text(1), c.workload = q->text(2), c.backend = q->text(3);
            c.shape = q->text(4), c.dtype = q->text(5), c.output_dtype = q->text(6);
            c.threads = static_cast<int>(q->integer(7));
            c.pixels = q->real(8);
            by_name[c.name] = std::move(c);
        }
    }
    auto q = db_->prepare("SELECT case_name, metric, samples FROM measurements WHERE run_id = ?1");
    q->bind(1, run_id);
    while (q->step()) {
        const std::string name = q->text(0), metric = q->text(1);
        const auto samples = nlohmann::json::parse(q->text(2));
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

bool History::integrity_ok() const { return db_->integrity_ok(); }

}  // namespace skb::gate
