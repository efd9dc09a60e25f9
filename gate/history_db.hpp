// The databases under the history store: an SQLite file (the embedded default) or a PostgreSQL server (a fleet of CI
// runners sharing one history). gate/history.cpp writes its SQL and its transactions once against these few calls.
// SQL text uses numbered parameters ?1..?N, which both drivers take (PostgreSQL's spells them $1..$N).
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace skb::gate::db {

class Query {
public:
    virtual ~Query() = default;
    virtual Query& bind(int i, const std::string& v) = 0;
    virtual Query& bind(int i, std::int64_t v) = 0;
    virtual Query& bind(int i, double v) = 0;
    virtual bool step() = 0;   // runs the statement on the first call; true while a row is available
    virtual void reset() = 0;  // ready to run again (bind every parameter again)
    virtual std::string text(int col) const = 0;
    virtual std::int64_t integer(int col) const = 0;
    virtual double real(int col) const = 0;
};

class Database {
public:
    virtual ~Database() = default;
    virtual std::unique_ptr<Query> prepare(const std::string& sql) = 0;
    virtual void begin_write() = 0;  // a transaction that will write: other writers wait for it
    virtual void commit() = 0;
    virtual void rollback() noexcept = 0;
    // SQL for a one-column table of the strings in JSON array parameter ?N (for `name IN (...)`).
    virtual std::string json_strings(int parameter) const = 0;
    virtual bool integrity_ok() = 0;
};

// The store's tables, and the two decisions both drivers make when they open a database.
struct Schema {
    std::string sql;        // "{id}" stands for the type of an auto-numbered primary key, spelt differently by each
    std::string own_table;  // a database holding tables but not this one belongs to another program: refused
    std::string sql_with_id(const std::string& id_type) const;
    // The tables listed when `tables` is not empty and lacks own_table, else "".
    std::string foreign_tables(const std::vector<std::string>& tables) const;
};

// Each opens (creating the file or the tables when missing), refuses a database that is not a history store, and
// throws skb::Error naming `location` (a path, or a URI without its password) when it cannot.
std::unique_ptr<Database> open_sqlite(const std::string& path, const Schema& schema);
std::unique_ptr<Database> open_postgres(const std::string& uri, const Schema& schema);

}  // namespace skb::gate::db
