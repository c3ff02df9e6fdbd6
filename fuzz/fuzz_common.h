// Shared pieces of the libFuzzer harnesses: the extension registered with
// sqlite3_auto_extension from its linked object code (as the renderer does),
// a byte reader that never runs past the input, and a value decoder.
#pragma once
#include <sqlite3.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

extern "C" int sqlite3_nsysexplain_init(sqlite3* db, char** err,
                                        const sqlite3_api_routines* api);

namespace fuzz {

// Aborts with a message: libFuzzer records the input as a crash.
[[noreturn]] inline void Fail(const std::string& what) {
  std::fprintf(stderr, "fuzz invariant violated: %s\n", what.c_str());
  std::fflush(stderr);
  std::abort();
}

inline void RegisterExtension() {
  static bool done = [] {
    sqlite3_auto_extension(
        reinterpret_cast<void (*)(void)>(sqlite3_nsysexplain_init));
    return true;
  }();
  (void)done;
}

// Interrupts runaway statements (WITH RECURSIVE in fuzzed SQL, huge joins).
inline int Progress(void* counter) {
  return ++*static_cast<long*>(counter) > 20000;  // x 1000 VM steps
}

inline sqlite3* OpenDb(const char* path, int flags, long* counter) {
  RegisterExtension();
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path, &db, flags | SQLITE_OPEN_URI, nullptr) !=
      SQLITE_OK)
    Fail(std::string("open ") + path + ": " +
         (db ? sqlite3_errmsg(db) : "no memory"));
  sqlite3_limit(db, SQLITE_LIMIT_LENGTH, 1 << 20);
  sqlite3_limit(db, SQLITE_LIMIT_SQL_LENGTH, 1 << 16);
  sqlite3_progress_handler(db, 1000, Progress, counter);
  return db;
}

class Reader {
 public:
  Reader(const uint8_t* data, size_t size) : p_(data), end_(data + size) {}
  bool empty() const { return p_ >= end_; }
  size_t left() const { return size_t(end_ - p_); }
  uint8_t Byte() { return p_ < end_ ? *p_++ : 0; }
  uint64_t U64() {
    uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v |= uint64_t(Byte()) << (8 * i);
    return v;
  }
  std::string Bytes(size_t n) {
    n = std::min(n, left());
    std::string s(reinterpret_cast<const char*>(p_), n);
    p_ += n;
    return s;
  }

 private:
  const uint8_t* p_;
  const uint8_t* end_;
};

struct Value {
  enum Kind { kNull, kInt, kReal, kText, kBlob } kind = kNull;
  int64_t i = 0;
  double r = 0;
  std::string s;
};

inline const std::vector<int64_t>& IntPalette() {
  static const std::vector<int64_t> p = {
      0, 1, -1, 2, 5000, 9999, 10000, 20000, 1000000000,
      INT64_MIN, INT64_MAX, INT64_MIN + 1, INT64_MAX - 1, INT32_MAX,
      int64_t(INT32_MAX) + 1, 59, 60, 70, 71, 75, 34, 39, 67, 0, 1,
      int64_t(100) << 24, (int64_t(100) << 24) | 1, (int64_t(100) << 24) | 2,
      int64_t(200) << 24, (int64_t(200) << 24) | 1, int64_t(0xFFFFFF) << 24,
      -(int64_t(1) << 24), 50, 90, 99, 100, 101};
  return p;
}

inline const std::vector<double>& RealPalette() {
  static const std::vector<double> p = {
      0.0, -0.0, 0.5, 50.0, 99.99, 100.0, 100.0000001, -1e-300, 1e308,
      -1e308, 9.3e18, -9.3e18, 9.2e18, 4.9e-324, 1.0 / 0.0, -1.0 / 0.0,
      0.0 / 0.0, 1e15 + 0.5};
  return p;
}

// Decodes one value. `clock` gives plausible, mostly increasing timestamps.
inline Value ReadValue(Reader& r, int64_t* clock) {
  Value v;
  uint8_t tag = r.Byte();
  switch (tag % 8) {
    case 0: break;
    case 1: v.kind = Value::kInt; v.i = int64_t(r.U64()); break;
    case 2: {
      uint64_t bits = r.U64();
      v.kind = Value::kReal;
      std::memcpy(&v.r, &bits, sizeof bits);
      break;
    }
    case 3: v.kind = Value::kText; v.s = r.Bytes(r.Byte()); break;
    case 4: v.kind = Value::kBlob; v.s = r.Bytes(r.Byte() % 16); break;
    case 5:
      *clock += int64_t(r.Byte()) * 37;
      v.kind = Value::kInt;
      v.i = *clock;
      break;
    case 6: v.kind = Value::kInt; v.i = int8_t(r.Byte()); break;
    case 7: {
      uint8_t b = r.Byte();
      if (b & 0x80) {
        v.kind = Value::kReal;
        v.r = RealPalette()[b % RealPalette().size()];
      } else {
        v.kind = Value::kInt;
        v.i = IntPalette()[b % IntPalette().size()];
      }
      break;
    }
  }
  return v;
}

inline void Bind(sqlite3_stmt* st, int idx, const Value& v) {
  switch (v.kind) {
    case Value::kNull: sqlite3_bind_null(st, idx); break;
    case Value::kInt: sqlite3_bind_int64(st, idx, v.i); break;
    case Value::kReal: sqlite3_bind_double(st, idx, v.r); break;
    case Value::kText:
      sqlite3_bind_text(st, idx, v.s.data(), int(v.s.size()), SQLITE_TRANSIENT);
      break;
    case Value::kBlob:
      sqlite3_bind_blob(st, idx, v.s.data(), int(v.s.size()), SQLITE_TRANSIENT);
      break;
  }
}

// Steps a statement to the end, touching every column like a client would.
// Returns SQLITE_DONE or the error code.
inline int Drain(sqlite3_stmt* st) {
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    int n = sqlite3_column_count(st);
    for (int c = 0; c < n; ++c) {
      switch (sqlite3_column_type(st, c)) {
        case SQLITE_TEXT: sqlite3_column_text(st, c); break;
        case SQLITE_BLOB: sqlite3_column_blob(st, c); break;
        default: sqlite3_column_double(st, c); break;
      }
      sqlite3_column_bytes(st, c);
    }
  }
  return rc;
}

inline void Exec(sqlite3* db, const std::string& sql) {
  char* err = nullptr;
  if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : "?";
    sqlite3_free(err);
    Fail(sql + ": " + msg);
  }
}

inline bool StartsWith(const std::string& s, const std::string& prefix) {
  return s.compare(0, prefix.size(), prefix) == 0;
}

}  // namespace fuzz
