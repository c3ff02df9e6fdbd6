#include "kernel_name_list.h"

#include <cstdlib>
#include <regex>
#include <sstream>

#include "conformance.h"

namespace conformance {

namespace fs = std::filesystem;

std::string SeedDir() { return (fs::path(TraceDir()) / ".." / "seeds").string(); }

bool SharedPresent() { return TraceDirPresent() && fs::is_directory(SeedDir()); }

namespace {
std::string Trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t\r"), e = s.find_last_not_of(" \t\r");
  return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}
}  // namespace

std::vector<std::string> Cells(const std::string& line) {
  std::vector<std::string> out;
  std::string t = Trim(line);
  if (t.size() < 2 || t.front() != '|' || t.back() != '|') return out;
  std::stringstream ss(t.substr(1, t.size() - 2));
  std::string cell;
  while (std::getline(ss, cell, '|')) out.push_back(Trim(cell));
  return out;
}

std::set<std::string> SeedNames(const std::string& text) {
  std::set<std::string> names;
  std::stringstream in(text);
  std::string line;
  int name_col = -1;
  static const std::regex kMapping(R"(^([A-Za-z_][A-Za-z0-9_:]*) → .+)");
  static const std::regex kTruncated(R"(([A-Za-z][A-Za-z0-9]*_[A-Za-z0-9_]+)\.\.\.)");
  while (std::getline(in, line)) {
    std::vector<std::string> cells = Cells(line);
    if (cells.empty()) {
      name_col = -1;
    } else if (name_col < 0) {
      for (size_t i = 0; i < cells.size(); ++i)
        if (cells[i] == "kernel_name") name_col = static_cast<int>(i);
    } else if (static_cast<size_t>(name_col) < cells.size() &&
               cells[static_cast<size_t>(name_col)].find_first_not_of("-: ") !=
                   std::string::npos) {
      names.insert(cells[static_cast<size_t>(name_col)]);
    }
    std::smatch m;
    std::string t = Trim(line);
    if (std::regex_match(t, m, kMapping)) names.insert(m[1]);
    for (std::sregex_iterator it(t.begin(), t.end(), kTruncated), end; it != end; ++it)
      names.insert((*it)[1]);
  }
  return names;
}

std::string Quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("''") : std::string(1, c);
  return q + "'";
}

std::map<std::string, std::string> ValueOfEveryKernelName(const std::string& column,
                                                          const std::string& function) {
  std::map<std::string, std::string> out;
  for (const std::string& t : TraceNames()) {
    if (!fs::exists(TracePath(t))) continue;
    auto db = OpenTrace(t, true);
    Result r = db->Query("SELECT DISTINCT kernel_name, " + column + ", " + function +
                         "(kernel_name) FROM llm_top_kernels");
    for (const Row& row : r.rows) {
      EXPECT_EQ(row[1].s, row[2].s)
          << t << ": llm_top_kernels." << column << " and " << function
          << "() disagree on " << row[0].s;
      out[row[0].s] = row[1].s;
    }
  }
  Db mem(":memory:", SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  mem.LoadExtension();
  for (const auto& e : fs::directory_iterator(SeedDir())) {
    if (e.path().extension() != ".txt") continue;
    for (const std::string& n : SeedNames(ReadFile(e.path().string())))
      out[n] = mem.Query("SELECT " + function + "(" + Quote(n) + ")").rows.at(0).at(0).s;
  }
  return out;
}

void ExpectGoldenList(const std::string& list,
                      const std::map<std::string, std::string>& values,
                      const std::string& ctest_filter) {
  const std::string file = (fs::path(GoldenDir()) / ".." / (list + ".golden")).string();
  const std::string hint = "UPDATE_GOLDEN=1 ctest --test-dir build -R " + ctest_filter;
  std::set<std::string> lines;
  for (const auto& [name, value] : values) lines.insert(value + "\t" + name);
  ASSERT_GT(lines.size(), 100u) << "too few kernel names found";
  std::string got;
  for (const std::string& l : lines) got += l + "\n";
  const char* update = std::getenv("UPDATE_GOLDEN");
  if (update && std::string(update) == "1") {
    WriteFile(file, got);
    std::cout << "[golden] wrote " << file << "\n";
    return;
  }
  ASSERT_TRUE(fs::exists(file)) << file << " is missing; " << hint;
  std::set<std::string> want_lines;
  std::stringstream ss(ReadFile(file));
  for (std::string l; std::getline(ss, l);) want_lines.insert(l);
  std::string diff;
  for (const std::string& l : want_lines)
    if (!lines.count(l)) diff += "  - " + l.substr(0, 200) + "\n";
  for (const std::string& l : lines)
    if (!want_lines.count(l)) diff += "  + " + l.substr(0, 200) + "\n";
  EXPECT_TRUE(diff.empty()) << file << " differs (- golden, + now):\n"
                            << diff << "If intended: " << hint;
}

}  // namespace conformance
