// Inline SVG charts for the report: horizontal grouped bars and line charts with optional log axes. Plain SVG
// text with no scripts, fonts or links, so the report stays one self-contained file that makes no request.
#pragma once
#include <optional>
#include <string>
#include <vector>

namespace skb::report::svg {

// One colour per series, stable across every chart of a report (series i always gets palette(i)).
std::string palette(std::size_t i);

struct BarSeries {
    std::string name;
    std::vector<std::optional<double>> values;  // one per category; nothing draws no bar
};

struct BarChart {
    std::string title, unit;             // unit: appended to value labels ("x", "%")
    std::vector<std::string> categories; // one row each
    std::vector<BarSeries> series;       // bars within a row
    bool log_scale = false;              // log10 axis (values must be > 0)
    std::optional<double> reference;     // a vertical line (a target such as 1x), labelled with its value
};

struct Point {
    double x = 0, y = 0;
    bool marked = false;  // drawn as a red ring (a regression in a history chart)
    std::string label;    // tooltip (<title>)
    bool hollow = false;  // drawn as an open ring in the series' colour (a roofline's cache-resident case)
};

enum class SeriesStyle {
    LineAndMarkers,  // a measured series: joined points
    Markers,         // points only (a scatter: a roofline's cases)
    Line,            // a line without markers (a roof)
    DashedLine,      // the same, dashed (a secondary roof)
};

struct LineSeries {
    std::string name;
    std::vector<Point> points;  // drawn in this order
    SeriesStyle style = SeriesStyle::LineAndMarkers;
};

struct LineChart {
    std::string title, x_label, y_label;
    std::vector<LineSeries> series;
    bool log_x = false, log_y = false;
    std::vector<std::string> x_tick_labels;  // when set: categorical x at 0, 1, 2, ... with these labels
};

std::string render(const BarChart& chart);
std::string render(const LineChart& chart);

// Text escaped for SVG/HTML element content and attribute values.
std::string escape(const std::string& text);

}  // namespace skb::report::svg
