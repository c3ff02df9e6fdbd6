// The extension never writes to a trace, whatever the open mode. For every
// trace, after loading the extension and querying EVERY temp view
// (sqlite_temp_master) and EVERY dataset module (pragma_module_list), the
// file's SHA-256 must be unchanged:
//
//   SharedImmutable   the shared file itself, file:PATH?mode=ro&immutable=1
//                     (also checked against ../shared/traces/SHA256SUMS)
//   ChmodReadonlyCopy a copy chmod 0444 opened with plain SQLITE_OPEN_READONLY
//                     (no URI, no immutable: normal locking and change checks)
//   ImmutableOnlyCopy a copy opened as file:COPY?immutable=1
//   ReadWriteCopy     DB-Browser style: a writable copy opened READWRITE, the
//                     extension loaded, everything queried, nsys_reset(),
//                     queried again, closed
// The copies' folders must not gain a -journal, -wal or -shm file either.
#include <sys/stat.h>

#include <fstream>
#include <map>

#include "conformance.h"

namespace conformance {
namespace {

namespace fs = std::filesystem;

std::map<std::string, std::string> Sha256Sums() {
  std::map<std::string, std::string> out;
  std::ifstream in(OraclePath("SHA256SUMS"));
  std::string hash, file;
  while (in >> hash >> file) out[file] = hash;
  return out;
}

void QueryAll(const Db& db) {
  std::vector<std::string> errors;
  auto counts = QueryEverything(db, &errors);
  for (const auto& e : errors) ADD_FAILURE() << e;
  // 21 llm_* views + _nsys_facts, 16 datasets, nsys_interval_gaps, functions.
  EXPECT_GE(counts.size(), 40u);
  int views = 0;
  for (const auto& [sql, n] : counts) views += sql.find("temp.\"llm_") != std::string::npos;
  EXPECT_GE(views, 20);
}

std::vector<std::string> DirEntries(const fs::path& dir) {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(dir)) out.push_back(e.path().filename().string());
  std::sort(out.begin(), out.end());
  return out;
}

class ReadOnly : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    CONFORMANCE_REQUIRE_TRACE(GetParam());
    path_ = TracePath(GetParam());
    before_ = Sha256File(path_);
  }
  // Copies the trace into tmp_ with `mode` permissions.
  fs::path Copy(fs::perms mode) {
    fs::path dst = tmp_.path() / (GetParam() + ".sqlite");
    fs::copy_file(path_, dst);
    fs::permissions(dst, mode, fs::perm_options::replace);
    EXPECT_EQ(Sha256File(dst.string()), before_);
    return dst;
  }
  void ExpectCopyUntouched(const fs::path& dst) {
    EXPECT_EQ(Sha256File(dst.string()), before_) << "the copy was modified";
    EXPECT_EQ(DirEntries(tmp_.path()),
              std::vector<std::string>{dst.filename().string()})
        << "journal/wal/shm files were left behind";
  }
  std::string path_, before_;
  TempDir tmp_;
};

TEST_P(ReadOnly, SharedImmutable) {
  auto sums = Sha256Sums();
  auto it = sums.find(GetParam() + ".sqlite");
  if (it != sums.end()) {
    EXPECT_EQ(before_, it->second) << "trace differs from SHA256SUMS";
  }
  struct stat st0{};
  ASSERT_EQ(::stat(path_.c_str(), &st0), 0);
  {
    auto db = OpenTrace(GetParam(), true);
    QueryAll(*db);
  }
  EXPECT_EQ(Sha256File(path_), before_);
  struct stat st1{};
  ASSERT_EQ(::stat(path_.c_str(), &st1), 0);
  EXPECT_EQ(st0.st_mtime, st1.st_mtime);
  EXPECT_EQ(st0.st_size, st1.st_size);
  for (const char* suffix : {"-journal", "-wal", "-shm"})
    EXPECT_FALSE(fs::exists(path_ + suffix)) << suffix;
}

TEST_P(ReadOnly, ChmodReadonlyCopy) {
  fs::path dst = Copy(fs::perms::owner_read | fs::perms::group_read |
                      fs::perms::others_read);
  {
    Db db(dst.string(), SQLITE_OPEN_READONLY);
    db.LoadExtension();
    QueryAll(db);
    // Writes through this connection are refused anyway.
    Result r;
    EXPECT_TRUE(db.TryQuery("CREATE TABLE main.x(a)", &r).has_value());
  }
  ExpectCopyUntouched(dst);
}

TEST_P(ReadOnly, ImmutableOnlyCopy) {
  fs::path dst = Copy(fs::perms::owner_read | fs::perms::owner_write |
                      fs::perms::group_read | fs::perms::others_read);
  {
    Db db(FileUri(dst.string(), "immutable=1"), SQLITE_OPEN_READONLY | SQLITE_OPEN_URI);
    db.LoadExtension();
    QueryAll(db);
  }
  ExpectCopyUntouched(dst);
}

TEST_P(ReadOnly, ReadWriteCopy) {
  fs::path dst = Copy(fs::perms::owner_read | fs::perms::owner_write |
                      fs::perms::group_read | fs::perms::others_read);
  {
    Db db(dst.string(), SQLITE_OPEN_READWRITE);
    const std::string kSchema =
        "SELECT type, name, sql FROM main.sqlite_master ORDER BY type, name";
    size_t objects = db.Query(kSchema).size();
    db.LoadExtension();
    QueryAll(db);
    db.Query("SELECT nsys_reset()");
    QueryAll(db);
    // The view pack only created TEMP objects: main's schema is unchanged.
    EXPECT_EQ(db.Query(kSchema).size(), objects);
    EXPECT_EQ(db.Int("SELECT count(*) FROM main.sqlite_master WHERE name LIKE "
                     "'llm\\_%' ESCAPE '\\'"),
              0);
  }
  ExpectCopyUntouched(dst);
}

INSTANTIATE_TEST_SUITE_P(Traces, ReadOnly, ::testing::ValuesIn(TraceNames()),
                         [](const auto& p) { return p.param; });

}  // namespace
}  // namespace conformance
