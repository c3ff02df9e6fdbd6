// RAII wrapper around a read-only SQLite connection, and query results as
// typed tables (the renderers never touch sqlite3_* directly).
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <variant>
#include <vector>

struct sqlite3;
struct sqlite3_stmt;

namespace nsysexplain::render {

// One value as SQLite returned it. Text holds raw bytes (maybe not UTF-8).
struct Cell {
  enum class Type { kNull, kInt, kReal, kText };
  Type type = Type::kNull;
  int64_t i = 0;
  double d = 0;
  std::string s;

  static Cell Null() { return {}; }
  static Cell Int(int64_t v) { Cell c; c.type = Type::kInt; c.i = v; return c; }
  static Cell Real(double v) { Cell c; c.type = Type::kReal; c.d = v; return c; }
  static Cell Text(std::string v) {
    Cell c; c.type = Type::kText; c.s = std::move(v); return c;
  }
  bool is_null() const { return type == Type::kNull; }
  bool is_number() const { return type == Type::kInt || type == Type::kReal; }
  // Numeric value (0 for NULL; text is parsed leniently).
  double AsDouble() const;
  int64_t AsInt() const;
  // Text as stored, or the number printed (shortest round-trip), "" for NULL.
  std::string AsText() const;
};

using Row = std::vector<Cell>;

struct Table {
  std::vector<std::string> columns;
  std::vector<Row> rows;

  // Index of a column, or -1.
  int Col(const std::string& name) const;
  // Cell by column name; a NULL cell past the last row. Throws
  // std::out_of_range when the column does not exist.
  const Cell& At(size_t row, const std::string& column) const;
};

// An SQLite error, with the message of the connection.
class DbError : public std::runtime_error {
 public:
  DbError(int code, const std::string& msg)
      : std::runtime_error(msg), code_(code) {}
  int code() const { return code_; }

 private:
  int code_;
};

// Registers the statically linked nsysexplain extension with
// sqlite3_auto_extension: every connection opened afterwards has the
// functions, virtual tables and llm_* views. Idempotent.
void RegisterNsysExplain();

using Param = std::variant<std::monostate, int64_t, double, std::string>;

class Db {
 public:
  // Opens `uri` (a file: URI) read-only. Throws DbError.
  static Db OpenReadOnlyUri(const std::string& uri);
  // A private in-memory database. Throws DbError.
  static Db OpenMemory();
  Db(Db&&) noexcept;
  Db& operator=(Db&&) noexcept;
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;
  ~Db();

  // Runs one statement with bound parameters; returns all rows.
  Table Query(const std::string& sql, const std::vector<Param>& params = {});
  // Prepares (does not run) a statement and returns its column names.
  std::vector<std::string> Columns(const std::string& sql);
  // Runs one statement that returns no rows we need.
  void Exec(const std::string& sql, const std::vector<Param>& params = {});

  sqlite3* get() const { return db_; }

 private:
  explicit Db(sqlite3* db) : db_(db) {}
  sqlite3* db_ = nullptr;
};

}  // namespace nsysexplain::render
