// Hostile kernel / NVTX / API names must keep every output well formed:
// Markdown tables keep their column count, CSV parses with the header's field
// count, JSON parses (invalid UTF-8 replaced), and no raw HTML reaches the
// Markdown outside code spans.
#include <gtest/gtest.h>

#include <sstream>

#include "e2e_util.h"
#include "fixture.h"

namespace e2e {
namespace {

using nlohmann::json;

const std::vector<std::string>& HostileNames() {
  static const std::vector<std::string> kNames = {
      "<script>alert(1)</script>",  // first: the dominant kernel
      "a|b",
      "tick`tock",
      "line1\nline2",
      "cr\rname",
      "say \"hi\"",
      "comma,separated",
      std::string("bad\xff\xfeutf8"),
      "trailing\\",
      "[link](http://x)",
      "&amp; entity",
      "**bold** _em_ ~~strike~~",
      "",
  };
  return kNames;
}

// Builds a trace where every hostile name is a kernel, an NVTX range and a
// sync API name; kernel i lasts (i + 1) us, the first one 500 us.
void BuildHostileTrace(const std::string& path) {
  NsysFixture f(path);
  int64_t t = 1'000'000'000;
  int64_t corr = 1;
  for (size_t i = 0; i < HostileNames().size(); ++i) {
    const std::string& name = HostileNames()[i];
    int64_t dur = i == 0 ? 500'000 : static_cast<int64_t>(i + 1) * 1000;
    f.Nvtx(t - 5'000, t + 10'000, 1, 2, name);
    f.Runtime(t - 2'000, t - 1'000, 1, 2, corr, "cudaLaunchKernel_v7000");
    f.Kernel(t, t + dur, 0, corr, 1, name);
    f.Runtime(t + dur + 1'000, t + dur + 5'000, 1, 2, 1000 + corr, "cudaStreamSynchronize_v3020");
    ++corr;
    t += 1'000'000;
  }
}

class Hostile : public ::testing::Test {
 protected:
  void SetUp() override {
    BuildHostileTrace(dir_ / "h.sqlite");
    RunResult r = Render({dir_ / "h.sqlite", "--out", dir_ / "out"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    md_ = ReadFile(dir_ / "out/report.md");
  }
  TempDir dir_;
  std::string md_;
};

TEST_F(Hostile, MarkdownTablesKeepTheirShape) {
  EXPECT_TRUE(MarkdownTablesWellFormed(md_));
  EXPECT_TRUE(IsValidUtf8(md_));
  // No control characters other than '\n'.
  for (char c : md_)
    EXPECT_FALSE(static_cast<unsigned char>(c) < 0x20 && c != '\n') << int(c);
  EXPECT_NE(md_.find("a\\|b"), std::string::npos);
  EXPECT_NE(md_.find("tick\\`tock"), std::string::npos);
  EXPECT_NE(md_.find("line1 line2"), std::string::npos);
  EXPECT_NE(md_.find("&lt;script>"), std::string::npos);
  EXPECT_NE(md_.find("\\[link\\](http://x)"), std::string::npos);
  EXPECT_NE(md_.find("&amp;amp; entity"), std::string::npos);
}

TEST_F(Hostile, HtmlEscapesEveryName) {
  std::string h = ReadFile(dir_ / "out/report.html");
  EXPECT_TRUE(IsValidUtf8(h));
  EXPECT_EQ(h.find("<script>alert"), std::string::npos);
  EXPECT_EQ(h.find("<a "), std::string::npos);
  EXPECT_EQ(h.find("say \"hi\""), std::string::npos);  // quotes would end an attribute
  // The dominant kernel is shown (tables, chart labels and tooltips), escaped.
  EXPECT_NE(h.find("&lt;script&gt;alert(1)&lt;/script&gt;"), std::string::npos);
  EXPECT_NE(h.find("say &quot;hi&quot;"), std::string::npos);
  EXPECT_NE(h.find("&amp;amp; entity"), std::string::npos);
  // Only the page's own two scripts.
  size_t scripts = 0;
  for (size_t p = h.find("<script"); p != std::string::npos; p = h.find("<script", p + 1))
    ++scripts;
  EXPECT_EQ(scripts, 2u);
}

TEST_F(Hostile, NoRawHtmlOutsideCodeSpans) {
  std::istringstream in(md_);
  std::string line;
  while (std::getline(in, line)) {
    for (size_t at = line.find('<'); at != std::string::npos; at = line.find('<', at + 1)) {
      size_t ticks = 0;
      for (size_t k = 0; k < at; ++k) ticks += line[k] == '`';
      EXPECT_EQ(ticks % 2, 1u) << "raw '<' outside a code span: " << line;
    }
  }
}

TEST_F(Hostile, CsvRecordsMatchHeader) {
  for (const char* t : {"kernels", "kernels_by_pid", "tiny_kernels", "nvtx_ranges",
                        "nvtx_kernel_time", "nvtx_by_pid", "findings", "warnings"}) {
    std::string csv = ReadFile(dir_ / ("out/tables/" + std::string(t) + ".csv"));
    EXPECT_TRUE(IsValidUtf8(csv)) << t;
    bool ok = false;
    auto rows = ParseCsv(csv, &ok);
    ASSERT_TRUE(ok) << t;
    ASSERT_FALSE(rows.empty()) << t;
    for (size_t r = 1; r < rows.size(); ++r)
      EXPECT_EQ(rows[r].size(), rows[0].size()) << t << " record " << r;
  }
  bool ok = false;
  auto rows = ParseCsv(ReadFile(dir_ / "out/tables/kernels.csv"), &ok);
  std::set<std::string> names;
  for (size_t r = 1; r < rows.size(); ++r) names.insert(rows[r][0]);
  for (const std::string& n : HostileNames()) {
    if (n.find('\xff') != std::string::npos) continue;
    EXPECT_TRUE(names.count(n)) << "name not round-tripped through CSV: " << n;
  }
  EXPECT_TRUE(names.count("bad\xEF\xBF\xBD\xEF\xBF\xBDutf8")) << "invalid UTF-8 replaced";
}

TEST_F(Hostile, JsonParsesAndKeepsNames) {
  json rep = json::parse(ReadFile(dir_ / "out/report.json"));  // throws if invalid
  const json& k = TableOf(rep, "top_kernels", "kernels");
  std::set<std::string> names;
  for (const auto& row : k["rows"]) names.insert(row[0].get<std::string>());
  EXPECT_TRUE(names.count("<script>alert(1)</script>"));
  EXPECT_TRUE(names.count("line1\nline2"));
  EXPECT_TRUE(names.count("say \"hi\""));
  EXPECT_TRUE(names.count("bad\xEF\xBF\xBD\xEF\xBF\xBDutf8"));
  EXPECT_EQ(k["rows"].size(), HostileNames().size());
  // The dominant-kernel finding quotes the hostile name.
  bool dominant = false;
  for (const auto& f : rep["findings"]) dominant |= f["rule"] == "dominant_kernel";
  EXPECT_TRUE(dominant);
}

TEST_F(Hostile, StdoutMarkdownIsTheSame) {
  RunResult r = Render({dir_ / "h.sqlite"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(MarkdownTablesWellFormed(r.out));
}

}  // namespace
}  // namespace e2e
