// Small inline-SVG builder for report.html: escaped text and attributes,
// the Okabe-Ito colour-blind-safe palette, "nice" axis ticks and the few
// shapes the charts draw. Every mark that stands for a number carries it in
// data-value (as report.json prints it) and in a <title> tooltip.
#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace nsysexplain::render {

// Text and attribute values: & < > " ' as entities, valid UTF-8, control
// characters as spaces.
std::string HtmlEscape(std::string_view s);

// Okabe-Ito (Wong 2011), grey before black: i-th colour, cycling.
const char* PaletteColor(size_t i);

// About `n` round tick values from 0 to at least `max` (1-2-5 steps); the
// last tick is >= max. max <= 0 gives {0, 1}.
std::vector<double> NiceTicks(double max, int n = 5);

// A tick label: integers without decimals, else up to 3 significant decimals.
std::string TickLabel(double v);

// One <svg> element with a viewBox of width x height (scales to its
// container), role="img" and an accessible label.
class Svg {
 public:
  Svg(double width, double height, const std::string& label,
      const std::string& cls = "chart");

  // A data mark: <rect class=cls data-value=value ...><title>tip</title></rect>.
  void Bar(double x, double y, double w, double h, const std::string& fill,
           const std::string& cls, const std::string& value, const std::string& tip,
           const std::string& extra_attrs = "");
  void Rect(double x, double y, double w, double h, const std::string& style);
  void Line(double x1, double y1, double x2, double y2, const std::string& cls,
            const std::string& tip = "");
  // anchor: start, middle or end.
  void Text(double x, double y, const std::string& text, const std::string& anchor = "start",
            const std::string& cls = "", const std::string& tip = "");
  // Horizontal value axis from x0 (value 0) to x1 (value ticks.back()) at y,
  // with grid lines up to y_top and an axis title under it.
  void XAxis(double x0, double x1, double y, double y_top,
             const std::vector<double>& ticks, const std::string& title);
  // Vertical value axis at x from y0 (value 0) up to y1 (ticks.back()).
  void YAxis(double x, double y0, double y1, double x_right,
             const std::vector<double>& ticks, const std::string& title);
  // A legend row of (colour, name) swatches starting at (x, y).
  void Legend(double x, double y, const std::vector<std::pair<std::string, std::string>>& items);

  // Markup the caller built (escaped already).
  void Raw(const std::string& markup) { out_ += markup; }

  std::string str() const { return out_ + "</svg>\n"; }

 private:
  std::string out_;
};

// Number formatting for SVG coordinates (2 decimals).
std::string Coord(double v);

}  // namespace nsysexplain::render
