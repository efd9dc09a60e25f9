// The history store in one SQLite file: WAL mode with full sync, so a process killed mid-write leaves the file as it
// was before that transaction; writers that finish together wait for each other instead of failing.
#include <sqlite3.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "history.hpp"
#include "history_db.hpp"
#include "skb/error.hpp"

namespace skb::gate {
namespace {

class SqliteQuery final : public db::Query {
public:
    SqliteQuery(sqlite3* db, const std::string& sql) : db_(db) {
        if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt_, nullptr) != SQLITE_OK)
            throw Error(std::string("history store: ") + sqlite3_errmsg(db));
    }
    ~SqliteQuery() override { sqlite3_finalize(stmt_); }
    SqliteQuery(const SqliteQuery&) = delete;
    SqliteQuery& operator=(const SqliteQuery&) = delete;

    db::Query& bind(int i, const std::string& v) override {
        check(sqlite3_bind_text(stmt_, i, v.c_str(), static_cast<int>(v.size()), SQLITE_TRANSIENT));
        return *this;
    }
    db::Query& bind(int i, std::int64_t v) override {
        check(sqlite3_bind_int64(stmt_, i, v));
        return *this;
    }
    db::Query& bind(int i, double v) override {
        check(sqlite3_bind_double(stmt_, i, v));
        return *this;
    }
    bool step() override {
        const int rc = sqlite3_step(stmt_);
        if (rc == SQLITE_ROW) return true;
        if (rc == SQLITE_DONE) return false;
        throw Error(std::string("history store: ") + sqlite3_errmsg(db_));
    }
    void reset() override {
        sqlite3_reset(stmt_);
        sqlite3_clear_bindings(stmt_);
    }
    std::string text(int col) const override {
        const auto* p = sqlite3_column_text(stmt_, col);
        return p ? reinterpret_cast<const char*>(p) : "";
    }
    std::int64_t integer(int col) const override { return sqlite3_column_int64(stmt_, col); }
    double real(int col) const override { return sqlite3_column_double(stmt_, col); }

private:
    void check(int rc) const {
        if (rc != SQLITE_OK) throw Error(std::string("history store: ") + sqlite3_errmsg(db_));
    }
    sqlite3* db_;
    sqlite3_stmt* stmt_ = nullptr;
};

class SqliteDatabase final : public db::Database {
public:
    SqliteDatabase(const std::string& path, const db::Schema& schema);
    ~SqliteDatabase() override { sqlite3_close(db_); }
    SqliteDatabase(const SqliteDatabase&) = delete;
    SqliteDatabase& operator=(const SqliteDatabase&) = delete;

    std::unique_ptr<db::Query> prepare(const std::string& sql) override {
        return std::make_unique<SqliteQuery>(db_, sql);
    }
    // IMMEDIATE: the busy handler covers the wait (a deferred transaction upgraded to a write fails at once).
    void begin_write() override { exec("BEGIN IMMEDIATE"); }
    void commit() override { exec("COMMIT"); }
    void rollback() noexcept override { sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr); }
    std::string json_strings(int parameter) const override {
        return "SELECT value FROM json_each(?" + std::to_string(parameter) + ")";
    }
    bool integrity_ok() override {
        SqliteQuery q(db_, "PRAGMA integrity_check");
        return q.step() && q.text(0) == "ok";
    }

private:
    void exec(const std::string& sql) {
        char* message = nullptr;
        if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &message) != SQLITE_OK) {
            const std::string text = message ? message : "unknown error";
            sqlite3_free(message);
            throw Error("history store: " + text);
        }
    }
    void initialise(const db::Schema& schema);
    sqlite3* db_ = nullptr;
};

SqliteDatabase::SqliteDatabase(const std::string& path, const db::Schema& schema) {
    // Refuse a file that is not an SQLite database before SQLite touches it (no journal or WAL files beside it).
    std::error_code ec;
    if (std::filesystem::file_size(path, ec) > 0 && !ec && !is_history_file(path))
        throw Error("history store '" + path + "' is not an SQLite database: refused, left unchanged");
    if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) != SQLITE_OK) {
        const std::string message = db_ ? sqlite3_errmsg(db_) : "out of memory";
        sqlite3_close(db_);
        throw Error("cannot open history store '" + path + "': " + message);
    }
    sqlite3_busy_timeout(db_, 60000);
    // Opening is retried while another process holds the file: SQLite returns "database is locked" without
    // waiting in a few places, such as a store another writer is creating or switching to WAL.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    for (;;) {
        try {
            initialise(schema);
            return;
        } catch (const Error& e) {
            const int code = sqlite3_errcode(db_) & 0xff;
            if ((code == SQLITE_BUSY || code == SQLITE_LOCKED) && std::chrono::steady_clock::now() < deadline) {
                std::this_thread::sleep_for(std::chrono::milliseconds(20));
                continue;
            }
            sqlite3_close(db_);
            throw Error("history store '" + path + "' is unusable: " + e.what());
        }
    }
}

void SqliteDatabase::initialise(const db::Schema& schema) {
    std::vector<std::string> tables;
    {
        SqliteQuery q(db_, "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name");
        while (q.step()) tables.push_back(q.text(0));
    }
    if (const std::string foreign = schema.foreign_tables(tables); !foreign.empty())
        throw Error("it is another program's SQLite database (tables " + foreign + "): refused, left unchanged");
    exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;");
    begin_write();
    try {
        exec(schema.sql_with_id("INTEGER PRIMARY KEY"));
        commit();
    } catch (...) {
        rollback();
        throw;
    }
    SqliteQuery check(db_, "PRAGMA quick_check");  // "ok", or problems one per line (in one row or several)
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

}  // namespace

bool is_history_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    char header[16] = {};
    in.read(header, sizeof header);
    return in.gcount() == 16 && std::memcmp(header, "SQLite format 3\0", 16) == 0;
}

std::unique_ptr<db::Database> db::open_sqlite(const std::string& path, const Schema& schema) {
    return std::make_unique<SqliteDatabase>(path, schema);
}

}  // namespace skb::gate
