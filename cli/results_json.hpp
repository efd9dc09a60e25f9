// The results JSON that `skbench bench` writes: Google Benchmark's schema (every repetition, then min and median
// aggregates) plus skbench's fields per entry, a context block and the scaling summary. Entry names come from
// skb::CaseKey, as the gate and the report read them.
#pragma once
#include <benchmark/benchmark.h>

#include <nlohmann/json.hpp>
#include <string>

#include "bench_command.hpp"
#include "suite.hpp"

namespace skb::cli {

// The case's steps, for the peers runner.
nlohmann::json steps_json(const bench::Case& c);
// Fields every entry carries, ours and the peers' (`backend` names the peer for theirs), beyond Google
// Benchmark's own.
nlohmann::json case_fields(const bench::Case& c, const std::string& tool, const std::string& backend, int threads);
// One repetition of one of our cases, as Google Benchmark reported it.
nlohmann::json entry_of(const benchmark::BenchmarkReporter::Run& run, const bench::Case& c);
// min and median aggregates (Google Benchmark's aggregate entries) for every repeated entry name.
nlohmann::json aggregates(const nlohmann::json& entries);
// Log-log slope of time against pixels across the size axis, and 1 -> N thread efficiency, from min aggregates.
nlohmann::json scaling(const nlohmann::json& mins);
nlohmann::json context_block(const bench::MachineContext& m, const nlohmann::json& peer_versions,
                             const BenchArgs& args, const std::string& lockstep_id);

}  // namespace skb::cli
