#include "html_util.h"

#include <memory>

namespace html {

std::string Figure(const std::string& page, const std::string& id) {
  size_t b = page.find("<figure id=\"chart-" + id + "\"");
  if (b == std::string::npos) return "";
  size_t e = page.find("</figure>", b);
  return page.substr(b, e == std::string::npos ? std::string::npos : e - b);
}

std::vector<Mark> Marks(const std::string& markup, const std::string& cls) {
  std::vector<Mark> out;
  const std::string needle = "class=\"" + cls + "\"";
  for (size_t p = markup.find(needle); p != std::string::npos; p = markup.find(needle, p + 1)) {
    size_t lt = markup.rfind('<', p), gt = markup.find('>', p);
    if (lt == std::string::npos || gt == std::string::npos) break;
    std::string el = markup.substr(lt + 1, gt - lt - 1);
    Mark m;
    size_t i = el.find_first_of(" \n");
    m.tag = el.substr(0, i);
    while (i != std::string::npos && i < el.size()) {
      size_t eq = el.find("=\"", i);
      if (eq == std::string::npos) break;
      size_t ks = el.find_last_of(" \n", eq) + 1;
      size_t ve = el.find('"', eq + 2);
      m.attrs[el.substr(ks, eq - ks)] = el.substr(eq + 2, ve - eq - 2);
      i = ve + 1;
    }
    out.push_back(std::move(m));
  }
  return out;
}

std::vector<nlohmann::json> Column(const nlohmann::json& table, const std::string& col) {
  const auto& cols = table.at("columns");
  size_t c = 0;
  while (c < cols.size() && cols[c] != col) ++c;
  if (c == cols.size()) throw std::out_of_range("no column " + col);
  std::vector<nlohmann::json> v;
  for (const auto& r : table.at("rows")) v.push_back(r[c]);
  return v;
}

const Rendered& Example() {
  static std::unique_ptr<e2e::TempDir> dir;
  static Rendered r;
  if (!dir) {
    dir = std::make_unique<e2e::TempDir>();
    r.dir = *dir / "out";
    e2e::RunResult run = e2e::Render({NSYSEXPLAIN_EXAMPLE_TRACE, "--out", r.dir, "--quiet"});
    if (run.exit_code != 0) throw std::runtime_error("render failed: " + run.err);
    r.html = e2e::ReadFile(r.dir + "/report.html");
    r.md = e2e::ReadFile(r.dir + "/report.md");
    r.json = nlohmann::json::parse(e2e::ReadFile(r.dir + "/report.json"));
  }
  return r;
}

}  // namespace html
