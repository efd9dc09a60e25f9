// The history store on a PostgreSQL server (libpq), for fleets of CI runners writing one history. Each run is one
// transaction: a writer killed mid-run loses its connection and the server rolls the transaction back. Parameters
// are sent typed (text, int8, float8), so no statement depends on the server guessing a parameter's type.
#include <libpq-fe.h>

#include <cstdio>
#include <cstdlib>
#include <optional>
#include <regex>

#include "history.hpp"
#include "history_db.hpp"
#include "skb/error.hpp"

namespace skb::gate {
namespace {

constexpr Oid kText = 25, kInt8 = 20, kFloat8 = 701;  // pg_type OIDs, fixed since PostgreSQL 7

// libpq's messages span lines ("ERROR:  ...\nDETAIL: ..."); a one-line error keeps the first.
std::string first_line(const char* message) {
    std::string s = message ? message : "";
    s = s.substr(0, s.find('\n'));
    return s.empty() ? "unknown error" : s;
}

class PostgresQuery final : public db::Query {
public:
    PostgresQuery(PGconn* conn, const std::string& sql)
        : conn_(conn), sql_(std::regex_replace(sql, std::regex("\\?([0-9]+)"), "$$$1")) {}
    ~PostgresQuery() override { PQclear(result_); }
    PostgresQuery(const PostgresQuery&) = delete;
    PostgresQuery& operator=(const PostgresQuery&) = delete;

    db::Query& bind(int i, const std::string& v) override { return set(i, v, kText); }
    db::Query& bind(int i, std::int64_t v) override { return set(i, std::to_string(v), kInt8); }
    db::Query& bind(int i, double v) override {
        char text[32];
        std::snprintf(text, sizeof text, "%.17g", v);  // round-trips every double
        return set(i, text, kFloat8);
    }
    bool step() override {
        if (!result_) {
            std::vector<const char*> values;
            for (const auto& v : values_) values.push_back(v ? v->c_str() : nullptr);
            result_ = PQexecParams(conn_, sql_.c_str(), static_cast<int>(values.size()), types_.data(), values.data(),
                                   nullptr, nullptr, 0);
            const auto status = PQresultStatus(result_);
            if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK)
                throw Error("history store: " + first_line(PQresultErrorMessage(result_)));
            row_ = 0;
        } else {
            ++row_;
        }
        return row_ < PQntuples(result_);
    }
    void reset() override {
        PQclear(result_);
        result_ = nullptr;
    }
    std::string text(int col) const override { return PQgetvalue(result_, row_, col); }
    std::int64_t integer(int col) const override { return std::strtoll(PQgetvalue(result_, row_, col), nullptr, 10); }
    double real(int col) const override { return std::strtod(PQgetvalue(result_, row_, col), nullptr); }

private:
    db::Query& set(int i, std::string value, Oid type) {
        if (i < 1) throw Error("history store: parameter numbers start at 1");
        const auto n = static_cast<std::size_t>(i);
        if (values_.size() < n) values_.resize(n), types_.resize(n, kText);
        values_[n - 1] = std::move(value);
        types_[n - 1] = type;
        return *this;
    }
    PGconn* conn_;
    std::string sql_;
    std::vector<std::optional<std::string>> values_;
    std::vector<Oid> types_;
    PGresult* result_ = nullptr;
    int row_ = 0;
};

class PostgresDatabase final : public db::Database {
public:
    PostgresDatabase(const std::string& uri, const db::Schema& schema);
    ~PostgresDatabase() override { PQfinish(conn_); }
    PostgresDatabase(const PostgresDatabase&) = delete;
    PostgresDatabase& operator=(const PostgresDatabase&) = delete;

    std::unique_ptr<db::Query> prepare(const std::string& sql) override {
        return std::make_unique<PostgresQuery>(conn_, sql);
    }
    void begin_write() override { exec("BEGIN"); }
    void commit() override { exec("COMMIT"); }
    void rollback() noexcept override { PQclear(PQexec(conn_, "ROLLBACK")); }
    std::string json_strings(int parameter) const override {
        return "SELECT json_array_elements_text($" + std::to_string(parameter) + "::json)";
    }
    bool integrity_ok() override { return PQstatus(conn_) == CONNECTION_OK; }  // the server keeps its own

private:
    void exec(const std::string& sql) {
        PGresult* r = PQexec(conn_, sql.c_str());
        const auto status = PQresultStatus(r);
        const std::string message = first_line(PQresultErrorMessage(r));
        PQclear(r);
        if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) throw Error("history store: " + message);
    }
    PGconn* conn_ = nullptr;
};

PostgresDatabase::PostgresDatabase(const std::string& uri, const db::Schema& schema) {
    const std::string where = "history store '" + display_location(uri) + "'";
    // The URI comes last, so what it says (its own connect_timeout, application_name) wins.
    const char* keys[] = {"connect_timeout", "fallback_application_name", "dbname", nullptr};
    const char* values[] = {"10", "skbench", uri.c_str(), nullptr};
    conn_ = PQconnectdbParams(keys, values, 1);
    if (!conn_) throw Error("cannot open " + where + ": out of memory");
    if (PQstatus(conn_) != CONNECTION_OK) {
        const std::string message = first_line(PQerrorMessage(conn_));
        PQfinish(conn_);
        throw Error("cannot open " + where + ": " + message);
    }
    PQsetNoticeProcessor(conn_, [](void*, const char*) {}, nullptr);  // "relation already exists, skipping"
    try {
        // Runners starting together would race on CREATE TABLE IF NOT EXISTS (a unique violation in the
        // catalogue): a transaction-scoped advisory lock, keyed by a constant of ours, puts them in line.
        begin_write();
        exec("SELECT pg_advisory_xact_lock(7305392810531841)");
        std::vector<std::string> tables;
        {
            PostgresQuery q(conn_, "SELECT table_name FROM information_schema.tables "
                                   "WHERE table_schema = current_schema() ORDER BY table_name");
            while (q.step()) tables.push_back(q.text(0));
        }
        if (const std::string foreign = schema.foreign_tables(tables); !foreign.empty())
            throw Error("it is another program's database (tables " + foreign + "): refused, left unchanged");
        exec(schema.sql_with_id("BIGSERIAL PRIMARY KEY"));
        commit();
    } catch (const Error& e) {
        rollback();
        PQfinish(conn_);
        throw Error(where + " is unusable: " + e.what());
    }
}

}  // namespace

std::unique_ptr<db::Database> db::open_postgres(const std::string& uri, const Schema& schema) {
    return std::make_unique<PostgresDatabase>(uri, schema);
}

}  // namespace skb::gate
