#include "svg.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

namespace skb::report::svg {
namespace {

std::string num(double v, const char* spec = "%.4g") {
    char buf[48];
    std::snprintf(buf, sizeof buf, spec, v);
    return buf;
}

// An axis maps values to pixels [p0, p1], linearly or in log10, with "nice" ticks.
struct Axis {
    double lo = 0, hi = 1;
    bool log = false;
    double p0 = 0, p1 = 1;

    static Axis fit(double min_value, double max_value, bool log, double p0, double p1) {
        Axis a{0, 1, log, p0, p1};
        if (log) {
            const double lo = min_value > 0 ? min_value : 1e-12, hi = std::max(max_value, lo);
            a.lo = std::pow(10.0, std::floor(std::log10(lo)));
            a.hi = std::pow(10.0, std::ceil(std::log10(hi)));
            if (a.hi <= a.lo) a.hi = a.lo * 10;
        } else {
            a.lo = std::min(0.0, min_value);
            a.hi = max_value > a.lo ? max_value * 1.08 : a.lo + 1;
        }
        return a;
    }
    double operator()(double v) const {
        const double t = log ? (std::log10(std::max(v, lo)) - std::log10(lo)) / (std::log10(hi) - std::log10(lo))
                             : (v - lo) / (hi - lo);
        return p0 + t * (p1 - p0);
    }
    std::vector<double> ticks() const {
        std::vector<double> out;
        if (log) {
            for (double v = lo; v <= hi * 1.0001; v *= 10) out.push_back(v);
            return out;
        }
        const double raw = (hi - lo) / 5, magnitude = std::pow(10.0, std::floor(std::log10(raw)));
        double step = magnitude;
        for (const double m : {1.0, 2.0, 5.0, 10.0})
            if (raw <= m * magnitude) {
                step = m * magnitude;
                break;
            }
        for (double v = std::ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push_back(v);
        return out;
    }
};

void header(std::ostringstream& s, double width, double height, const std::string& title) {
    s << "<svg class=\"chart\" width=\"" << num(width) << "\" height=\""
      << num(height) << "\" viewBox=\"0 0 " << num(width) << ' ' << num(height) << "\" role=\"img\" aria-label=\""
      << escape(title) << "\">\n<title>" << escape(title) << "</title>\n"
      << "<text x=\"8\" y=\"18\" class=\"chart-title\">" << escape(title) << "</text>\n";
}

// Legend entries laid out left to right from (x, y), wrapping at `width`; returns the height used.
double legend(std::ostringstream& s, const std::vector<std::string>& names, double x, double y, double width) {
    double cx = x, cy = y;
    for (std::size_t i = 0; i < names.size(); ++i) {
        const double w = 24 + 6.5 * static_cast<double>(names[i].size());
        if (cx + w > x + width && cx > x) cx = x, cy += 16;
        s << "<rect x=\"" << num(cx) << "\" y=\"" << num(cy - 9) << "\" width=\"10\" height=\"10\" fill=\"" << palette(i)
          << "\"/><text x=\"" << num(cx + 14) << "\" y=\"" << num(cy) << "\" class=\"legend\">" << escape(names[i])
          << "</text>\n";
        cx += w;
    }
    return names.empty() ? 0 : cy - y + 16;
}

}  // namespace

std::string palette(std::size_t i) {
    static const char* colours[] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b",
                                    "#e377c2", "#17becf", "#bcbd22", "#7f7f7f", "#d62728"};
    return colours[i % (sizeof colours / sizeof *colours)];
}

std::string escape(const std::string& text) {
    std::string out;
    out.reserve(text.size());
    for (const char c : text) switch (c) {
            case '&': out += "&amp;"; break;
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            case '"': out += "&quot;"; break;
            case '\'': out += "&#39;"; break;
            default: out += c;
        }
    return out;
}

std::string render(const BarChart& chart) {
    constexpr double width = 980, label_w = 400, value_w = 70, bar_h = 12, gap = 8;
    const double plot_x0 = label_w, plot_x1 = width - value_w;
    std::vector<std::string> names;
    for (const auto& s : chart.series) names.push_back(s.name);
    std::ostringstream legend_svg;
    const double legend_h = legend(legend_svg, names, 8, 40, width - 16);
    const double top = 30 + legend_h + 8;
    const double row_h = std::max<double>(1, static_cast<double>(chart.series.size())) * bar_h + gap;
    const double height = top + row_h * static_cast<double>(chart.categories.size()) + 34;

    double hi = 0, min_positive = 0;
    for (const auto& s : chart.series)
        for (const auto& v : s.values)
            if (v && std::isfinite(*v)) {
                hi = std::max(hi, *v);
                if (*v > 0 && (min_positive == 0 || *v < min_positive)) min_positive = *v;
            }
    if (chart.reference) hi = std::max(hi, *chart.reference), min_positive = min_positive > 0 ? std::min(min_positive, *chart.reference) : *chart.reference;
    const Axis x = chart.log_scale ? Axis::fit(min_positive, hi, true, plot_x0, plot_x1) : Axis::fit(0, hi, false, plot_x0, plot_x1);

    std::ostringstream s;
    header(s, width, height, chart.title);
    s << legend_svg.str();
    const double axis_y = top + row_h * static_cast<double>(chart.categories.size());
    for (const double t : x.ticks()) {
        const double px = x(t);
        s << "<line x1=\"" << num(px) << "\" y1=\"" << num(top) << "\" x2=\"" << num(px) << "\" y2=\"" << num(axis_y)
          << "\" class=\"grid\"/><text x=\"" << num(px) << "\" y=\"" << num(axis_y + 14)
          << "\" class=\"tick\" text-anchor=\"middle\">" << num(t, "%g") << "</text>\n";
    }
    if (!chart.unit.empty())
        s << "<text x=\"" << num(plot_x1) << "\" y=\"" << num(axis_y + 28) << "\" class=\"tick\" text-anchor=\"end\">"
          << escape(chart.unit) << (chart.log_scale ? " (log scale)" : "") << "</text>\n";
    for (std::size_t c = 0; c < chart.categories.size(); ++c) {
        const double y0 = top + row_h * static_cast<double>(c);
        s << "<text x=\"" << num(label_w - 6) << "\" y=\"" << num(y0 + row_h / 2 + 2)
          << "\" class=\"label\" text-anchor=\"end\">" << escape(chart.categories[c]) << "</text>\n";
        for (std::size_t i = 0; i < chart.series.size(); ++i) {
            const auto& v = c < chart.series[i].values.size() ? chart.series[i].values[c] : std::nullopt;
            if (!v || !std::isfinite(*v) || (chart.log_scale && *v <= 0)) continue;
            const double by = y0 + gap / 2 + bar_h * static_cast<double>(i), bx1 = x(*v);
            const double bx0 = chart.log_scale ? plot_x0 : x(0);
            s << "<rect x=\"" << num(std::min(bx0, bx1)) << "\" y=\"" << num(by) << "\" width=\""
              << num(std::max(1.0, std::abs(bx1 - bx0))) << "\" height=\"" << num(bar_h - 2) << "\" fill=\""
              << palette(i) << "\"><title>" << escape(chart.series[i].name + ": " + chart.categories[c] + " = " +
                                                       num(*v) + chart.unit)
              << "</title></rect><text x=\"" << num(std::max(bx0, bx1) + 4) << "\" y=\"" << num(by + bar_h - 3)
              << "\" class=\"value\">" << num(*v, "%.3g") << escape(chart.unit) << "</text>\n";
        }
    }
    if (chart.reference) {
        const double px = x(*chart.reference);
        s << "<line x1=\"" << num(px) << "\" y1=\"" << num(top - 4) << "\" x2=\"" << num(px) << "\" y2=\""
          << num(axis_y) << "\" class=\"reference\"/>\n";
    }
    s << "<line x1=\"" << num(plot_x0) << "\" y1=\"" << num(axis_y) << "\" x2=\"" << num(plot_x1) << "\" y2=\""
      << num(axis_y) << "\" class=\"axis\"/>\n</svg>\n";
    return s.str();
}

std::string render(const LineChart& chart) {
    constexpr double width = 980, left = 80, right = 20, plot_h = 240;
    std::vector<std::string> names;
    for (const auto& s : chart.series) names.push_back(s.name);
    std::ostringstream legend_svg;
    const double legend_h = legend(legend_svg, names, 8, 40, width - 16);
    const double top = 30 + legend_h + 8, bottom = top + plot_h, height = bottom + 48;

    // A point is drawn when it is finite and, on a log axis, positive.
    const auto drawable = [&](const Point& p) {
        return std::isfinite(p.x) && std::isfinite(p.y) && !(chart.log_x && p.x <= 0) && !(chart.log_y && p.y <= 0);
    };
    double x_min = 0, x_max = 0, y_min = 0, y_max = 0;
    bool any = false;
    for (const auto& s : chart.series)
        for (const auto& p : s.points) {
            if (!drawable(p)) continue;
            if (!any) x_min = x_max = p.x, y_min = y_max = p.y, any = true;
            x_min = std::min(x_min, p.x), x_max = std::max(x_max, p.x);
            y_min = std::min(y_min, p.y), y_max = std::max(y_max, p.y);
        }
    const bool categorical = !chart.x_tick_labels.empty();
    if (categorical) x_min = 0, x_max = std::max<double>(1, static_cast<double>(chart.x_tick_labels.size()) - 1);
    Axis x = Axis::fit(x_min, x_max, chart.log_x && !categorical, left, width - right);
    if (categorical) x.lo = -0.5, x.hi = x_max + 0.5;
    else if (!chart.log_x) x.lo = x_min, x.hi = x_max > x_min ? x_max : x_min + 1;
    const Axis y = Axis::fit(y_min, y_max, chart.log_y, bottom, top);

    std::ostringstream s;
    header(s, width, height, chart.title);
    s << legend_svg.str();
    for (const double t : y.ticks()) {
        const double py = y(t);
        s << "<line x1=\"" << num(left) << "\" y1=\"" << num(py) << "\" x2=\"" << num(width - right) << "\" y2=\""
          << num(py) << "\" class=\"grid\"/><text x=\"" << num(left - 6) << "\" y=\"" << num(py + 4)
          << "\" class=\"tick\" text-anchor=\"end\">" << num(t, "%g") << "</text>\n";
    }
    if (categorical) {
        const std::size_t n = chart.x_tick_labels.size(), every = std::max<std::size_t>(1, (n + 9) / 10);
        for (std::size_t i = 0; i < n; i += every)
            s << "<text x=\"" << num(x(static_cast<double>(i))) << "\" y=\"" << num(bottom + 14)
              << "\" class=\"tick\" text-anchor=\"middle\">" << escape(chart.x_tick_labels[i]) << "</text>\n";
    } else {
        for (const double t : x.ticks()) {
            if (t < x.lo - 1e-12 || t > x.hi * (1 + 1e-9)) continue;
            s << "<text x=\"" << num(x(t)) << "\" y=\"" << num(bottom + 14) << "\" class=\"tick\" text-anchor=\"middle\">"
              << num(t, "%g") << "</text>\n";
        }
    }
    s << "<text x=\"" << num((left + width - right) / 2) << "\" y=\"" << num(bottom + 32)
      << "\" class=\"axis-label\" text-anchor=\"middle\">" << escape(chart.x_label) << (chart.log_x ? " (log)" : "")
      << "</text>\n<text x=\"12\" y=\"" << num((top + bottom) / 2) << "\" class=\"axis-label\" text-anchor=\"middle\" "
      << "transform=\"rotate(-90 12 " << num((top + bottom) / 2) << ")\">" << escape(chart.y_label)
      << (chart.log_y ? " (log)" : "") << "</text>\n";
    for (std::size_t i = 0; i < chart.series.size(); ++i) {
        std::string path;
        for (const auto& p : chart.series[i].points) {
            if (!drawable(p)) continue;
            path += (path.empty() ? "M" : " L") + num(x(p.x), "%.1f") + ' ' + num(y(p.y), "%.1f");
        }
        if (path.empty()) continue;
        const SeriesStyle style = chart.series[i].style;
        if (style != SeriesStyle::Markers)
            s << "<path d=\"" << path << "\" fill=\"none\" stroke=\"" << palette(i) << "\" stroke-width=\"1.8\""
              << (style == SeriesStyle::DashedLine ? " stroke-dasharray=\"6 4\"" : "") << "/>\n";
        if (style == SeriesStyle::Line || style == SeriesStyle::DashedLine) continue;
        for (const auto& p : chart.series[i].points) {
            if (!drawable(p)) continue;
            if (p.hollow && !p.marked) {
                s << "<circle cx=\"" << num(x(p.x), "%.1f") << "\" cy=\"" << num(y(p.y), "%.1f")
                  << "\" r=\"3.5\" fill=\"none\" stroke=\"" << palette(i) << "\" stroke-width=\"1.5\"><title>"
                  << escape(chart.series[i].name + ": " + (p.label.empty() ? num(p.x) : p.label) + " -> " + num(p.y))
                  << "</title></circle>\n";
                continue;
            }
            const std::string tip = chart.series[i].name + ": " + (p.label.empty() ? num(p.x) : p.label) + " -> " + num(p.y);
            s << "<circle cx=\"" << num(x(p.x), "%.1f") << "\" cy=\"" << num(y(p.y), "%.1f") << "\" r=\""
              << (p.marked ? "6" : "2.5") << "\" " << (p.marked ? "class=\"regression\"" : "fill=\"" + palette(i) + "\"")
              << "><title>" << escape(tip + (p.marked ? " (regression)" : "")) << "</title></circle>\n";
        }
    }
    s << "<rect x=\"" << num(left) << "\" y=\"" << num(top) << "\" width=\"" << num(width - right - left)
      << "\" height=\"" << num(plot_h) << "\" class=\"frame\"/>\n</svg>\n";
    return s.str();
}

}  // namespace skb::report::svg
