// The side-by-side table of a results document (`skbench table`, and the end of `skbench bench`).
#pragma once
#include <nlohmann/json.hpp>
#include <string>

namespace skb::cli {

// Its min aggregates, one row per (group, threads): text, or Markdown for the README.
void print_results_table(const nlohmann::json& doc, bool markdown, const std::string& filter);
// "12.3 ms", "1.23 s", "0.123 ms": milliseconds at a readable precision.
std::string ms_text(double ms);

}  // namespace skb::cli
