// report.html in headless Chromium: the page's script ran without errors
// (the window.onerror marker and the console log), the live DOM has the
// charts' marks, and a 1280 px screenshot is written. Skipped without
// chromium (NSYSEXPLAIN_CHROMIUM names another binary); every run is
// bounded by timeout(1).
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <sstream>

#include "html_util.h"

namespace html {
namespace {

std::string Chromium() {
  if (const char* c = std::getenv("NSYSEXPLAIN_CHROMIUM"); c && *c) return c;
  for (const char* p : {"/usr/bin/chromium", "/usr/bin/chromium-browser",
                        "/usr/bin/google-chrome", "/snap/bin/chromium"})
    if (::access(p, X_OK) == 0) return p;
  return "";
}

std::string Timeout() {
  for (const char* p : {"/usr/bin/timeout", "/bin/timeout"})
    if (::access(p, X_OK) == 0) return p;
  return "";
}

class Browser : public ::testing::Test {
 protected:
  void SetUp() override {
    chromium_ = Chromium();
    if (chromium_.empty())
      GTEST_SKIP() << "chromium is not installed (apt-get install chromium, or set "
                      "NSYSEXPLAIN_CHROMIUM): headless browser checks skipped";
    if (Timeout().empty()) GTEST_SKIP() << "no timeout(1) to bound the browser run";
  }
  e2e::RunResult Run(std::vector<std::string> extra) {
    std::vector<std::string> args = {"-k", "5", "90", chromium_, "--headless", "--no-sandbox",
                                     "--disable-gpu", "--no-first-run",
                                     "--disable-extensions", "--user-data-dir=" + (dir_ / "profile")};
    args.insert(args.end(), extra.begin(), extra.end());
    return e2e::RunProgram(Timeout(), args);
  }
  std::string Url() const { return "file://" + Example().dir + "/report.html"; }
  std::string chromium_;
  e2e::TempDir dir_;
};

size_t Count(const std::string& s, const std::string& needle) {
  size_t n = 0;
  for (size_t p = s.find(needle); p != std::string::npos; p = s.find(needle, p + 1)) ++n;
  return n;
}

TEST_F(Browser, ScriptsRunWithoutErrorsAndTheDomHasTheMarks) {
  e2e::RunResult r = Run({"--enable-logging=stderr", "--v=0", "--virtual-time-budget=3000",
                          "--dump-dom", Url()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string& dom = r.out;
  ASSERT_NE(dom.find("<html"), std::string::npos) << r.err;
  EXPECT_NE(dom.find("data-js-ready=\"1\""), std::string::npos) << "the page's script did not finish";
  EXPECT_EQ(dom.find(" data-js-error=\""), std::string::npos) << dom.substr(0, 400);
  EXPECT_EQ(r.err.find("Uncaught"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("console.error"), std::string::npos) << r.err;
  // Every sortable table got its click handlers.
  size_t tables = Count(Example().html, "<table class=\"sortable\"");
  EXPECT_GT(tables, 5u);
  EXPECT_EQ(Count(dom, "data-sort-ready=\"1\""), tables);
  // The charts' marks, as the browser parsed them.
  const auto& t = e2e::TableOf(Example().json, "gpu_timeline", "gpu_timeline");
  EXPECT_EQ(Marks(Figure(dom, "gpu_timeline"), "bar").size(), t["rows"].size());
  const auto& c = e2e::TableOf(Example().json, "kernel_categories", "kernel_categories");
  EXPECT_EQ(Marks(Figure(dom, "kernel_categories"), "seg").size(), c["rows"].size());
  const auto& k = e2e::TableOf(Example().json, "top_kernels", "kernels");
  EXPECT_EQ(Marks(Figure(dom, "top_kernels"), "bar").size(),
            std::min<size_t>(15, k["rows"].size()));
  EXPECT_EQ(Count(dom, "<svg"), Count(Example().html, "<svg"));
}

// Click-to-sort, driven from a harness page that loads report.html in an
// iframe, clicks the total_ms header of the kernels table twice and writes
// the resulting column orders into its own DOM.
TEST_F(Browser, HeaderClicksSortTheTable) {
  std::string harness = Example().dir + "/sort_harness.html";
  e2e::WriteFile(harness, R"(<!DOCTYPE html><html><body><pre id="out">pending</pre>
<iframe id="f" src="report.html" width="1280" height="800"></iframe>
<script>
document.getElementById('f').onload = function() {
  var out = document.getElementById('out');
  try {
    var d = this.contentDocument;
    var t = d.querySelector('table[data-table="kernels"]');
    var ths = t.tHead.rows[0].cells, col = -1;
    for (var i = 0; i < ths.length; ++i) if (ths[i].textContent === 'total_ms') col = i;
    function values() {
      return Array.prototype.map.call(t.tBodies[0].rows, function(r) {
        return r.cells[col].getAttribute('data-sort'); }).join(' ');
    }
    var before = values();
    ths[col].click();
    var asc = values() + ' ' + ths[col].getAttribute('aria-sort');
    ths[col].click();
    var desc = values() + ' ' + ths[col].getAttribute('aria-sort');
    out.textContent = 'BEFORE ' + before + '\nASC ' + asc + '\nDESC ' + desc + '\nEND';
  } catch (e) { out.textContent = 'ERROR ' + e; }
};
</script></body></html>)");
  e2e::RunResult r = Run({"--allow-file-access-from-files", "--virtual-time-budget=3000",
                          "--dump-dom", "file://" + harness});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto line = [&](const std::string& tag) {
    size_t b = r.out.find(tag + " ");
    if (b == std::string::npos) return std::vector<double>{};
    size_t e = r.out.find('\n', b);
    std::istringstream in(r.out.substr(b + tag.size() + 1, e - b - tag.size() - 1));
    std::vector<double> v;
    for (std::string w; in >> w;)
      if (w != "ascending" && w != "descending") v.push_back(std::stod(w));
    return v;
  };
  ASSERT_NE(r.out.find("\nEND"), std::string::npos) << r.out.substr(0, 2000);
  std::vector<double> before = line("BEFORE"), asc = line("ASC"), desc = line("DESC");
  ASSERT_GT(before.size(), 5u);
  // The report's order is by total time, descending; the first click sorts
  // ascending, the second descending.
  std::vector<double> want = before;
  std::sort(want.begin(), want.end());
  EXPECT_EQ(asc, want);
  std::reverse(want.begin(), want.end());
  EXPECT_EQ(desc, want);
  EXPECT_NE(r.out.find("ascending"), std::string::npos);
  EXPECT_NE(r.out.find("descending"), std::string::npos);
}

TEST_F(Browser, ScreenshotAt1280) {
  std::string png = dir_ / "shot.png";
  e2e::RunResult r = Run({"--screenshot=" + png, "--window-size=1280,2000",
                          "--hide-scrollbars", Url()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ASSERT_TRUE(e2e::Exists(png)) << r.err;
  std::string data = e2e::ReadFile(png);
  ASSERT_GT(data.size(), 1000u);
  EXPECT_EQ(data.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));
}

}  // namespace
}  // namespace html
