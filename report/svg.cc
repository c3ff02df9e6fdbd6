#include "svg.h"

#include <cmath>
#include <fmt/format.h>

#include "text.h"

namespace nsysexplain::render {

std::string HtmlEscape(std::string_view raw) {
  std::string s = ValidUtf8(raw), out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default:
        out += (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) ? ' ' : c;
    }
  }
  return out;
}

const char* PaletteColor(size_t i) {
  static const char* kColors[] = {"#0072B2", "#E69F00", "#009E73", "#CC79A7",
                                  "#56B4E9", "#D55E00", "#F0E442", "#999999", "#000000"};
  return kColors[i % (sizeof kColors / sizeof kColors[0])];
}

std::vector<double> NiceTicks(double max, int n) {
  if (!(max > 0) || !std::isfinite(max)) return {0, 1};
  double raw = max / std::max(1, n);
  double mag = std::pow(10.0, std::floor(std::log10(raw)));
  double step = mag;
  for (double m : {1.0, 2.0, 5.0, 10.0})
    if (m * mag >= raw) {
      step = m * mag;
      break;
    }
  std::vector<double> t;
  for (int i = 0;; ++i) {
    t.push_back(i * step);
    if (i * step >= max * (1 - 1e-12)) break;
  }
  return t;
}

std::string TickLabel(double v) {
  if (std::fabs(v - std::round(v)) < 1e-9) return fmt::format("{:.0f}", v);
  std::string s = fmt::format("{:.3f}", v);
  while (s.back() == '0') s.pop_back();
  return s;
}

std::string Coord(double v) { return Fixed(v, 2); }

Svg::Svg(double width, double height, const std::string& label, const std::string& cls) {
  out_ = fmt::format(
      "<svg class=\"{}\" viewBox=\"0 0 {} {}\" width=\"{}\" height=\"{}\" "
      "role=\"img\" aria-label=\"{}\">\n",
      cls, Coord(width), Coord(height), Coord(width), Coord(height), HtmlEscape(label));
}

void Svg::Bar(double x, double y, double w, double h, const std::string& fill,
              const std::string& cls, const std::string& value, const std::string& tip,
              const std::string& extra_attrs) {
  out_ += fmt::format(
      "<rect class=\"{}\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{}\" "
      "data-value=\"{}\"{}{}><title>{}</title></rect>\n",
      cls, Coord(x), Coord(y), Coord(std::max(0.0, w)), Coord(std::max(0.0, h)), fill,
      HtmlEscape(value), extra_attrs.empty() ? "" : " ", extra_attrs, HtmlEscape(tip));
}

void Svg::Rect(double x, double y, double w, double h, const std::string& style) {
  out_ += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" {}/>\n",
                      Coord(x), Coord(y), Coord(std::max(0.0, w)),
                      Coord(std::max(0.0, h)), style);
}

void Svg::Line(double x1, double y1, double x2, double y2, const std::string& cls,
               const std::string& tip) {
  out_ += fmt::format("<line class=\"{}\" x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\">", cls,
                      Coord(x1), Coord(y1), Coord(x2), Coord(y2));
  if (!tip.empty()) out_ += "<title>" + HtmlEscape(tip) + "</title>";
  out_ += "</line>\n";
}

void Svg::Text(double x, double y, const std::string& text, const std::string& anchor,
               const std::string& cls, const std::string& tip) {
  out_ += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"{}\"{}>{}", Coord(x), Coord(y),
                      anchor, cls.empty() ? "" : " class=\"" + cls + "\"",
                      HtmlEscape(text));
  if (!tip.empty()) out_ += "<title>" + HtmlEscape(tip) + "</title>";
  out_ += "</text>\n";
}

void Svg::XAxis(double x0, double x1, double y, double y_top,
                const std::vector<double>& ticks, const std::string& title) {
  double top = ticks.back() > 0 ? ticks.back() : 1;
  for (double t : ticks) {
    double x = x0 + (x1 - x0) * t / top;
    Line(x, y_top, x, y, "grid");
    Text(x, y + 14, TickLabel(t), "middle", "tick");
  }
  Line(x0, y, x1, y, "axis");
  Text((x0 + x1) / 2, y + 30, title, "middle", "axis-title");
}

void Svg::YAxis(double x, double y0, double y1, double x_right,
                const std::vector<double>& ticks, const std::string& title) {
  double top = ticks.back() > 0 ? ticks.back() : 1;
  for (double t : ticks) {
    double y = y0 - (y0 - y1) * t / top;
    Line(x, y, x_right, y, "grid");
    Text(x - 4, y + 4, TickLabel(t), "end", "tick");
  }
  Line(x, y0, x, y1, "axis");
  out_ += fmt::format(
      "<text class=\"axis-title\" text-anchor=\"middle\" transform=\"translate({} {}) "
      "rotate(-90)\">{}</text>\n",
      Coord(x - 38), Coord((y0 + y1) / 2), HtmlEscape(title));
}

void Svg::Legend(double x, double y,
                 const std::vector<std::pair<std::string, std::string>>& items) {
  double cx = x;
  for (const auto& [color, name] : items) {
    out_ += fmt::format(
        "<g class=\"legend-item\"><rect x=\"{}\" y=\"{}\" width=\"12\" height=\"12\" "
        "fill=\"{}\"/>",
        Coord(cx), Coord(y - 10), color);
    out_ += fmt::format("<text x=\"{}\" y=\"{}\">{}</text></g>\n", Coord(cx + 16), Coord(y),
                        HtmlEscape(name));
    cx += 34 + 7.5 * static_cast<double>(name.size());
  }
}

}  // namespace nsysexplain::render
