// `tcoder bench <name>`: benchmarks that print their method and, as their last
// line, their figures as JSON. `queue`: pickup latency and throughput of the
// state store's job queue (state/queue_bench.h).
#include <iostream>
#include <string_view>

#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/flags.h"
#include "cli/redis_flags.h"
#include "state/queue_bench.h"
#include "state/redis_client.h"

namespace tcoder::cli {
namespace {

int RunQueueBenchCommand(int argc, char** argv) {
  FlagSet flags("bench", "Queue benchmark: pickup latency and claim+complete throughput");
  state::QueueBenchOptions options;
  flags.Add("redis-url", options.redis_url, "Redis to use (default: a private redis-server)");
  flags.Add("jobs", options.jobs, "Jobs for the throughput run");
  flags.Add("concurrency", options.concurrency, "Concurrent claimers");
  flags.Add("samples", options.latency_samples, "Jobs for the pickup-latency run (one at a time)");
  state::RedisTlsOptions redis_tls;
  AddRedisTlsFlags(flags, redis_tls);
  if (auto code = flags.Parse(argc, argv)) return *code;
  ApplyRedisTls(redis_tls);
  state::SetDefaultRedisClientName("tcoder-bench");
  auto result = state::RunQueueBench(options, std::cout);
  if (!result.ok()) {
    std::cerr << "tcoder bench queue: " << result.status().ToString() << "\n";
    return 1;
  }
  std::cout << nlohmann::json{{"pickup_p50_ms", result->pickup_p50_ms},
                              {"pickup_p99_ms", result->pickup_p99_ms},
                              {"jobs_per_s", result->jobs_per_s}}
                   .dump()
            << "\n";
  return 0;
}

constexpr struct {
  std::string_view name;
  int (*run)(int, char**);
} kBenches[] = {{"queue", RunQueueBenchCommand}};

void Usage(std::ostream& out) {
  out << "usage: tcoder bench <name> [flags]\nbenchmarks:";
  for (const auto& b : kBenches) out << " " << b.name;
  out << "\n";
}

}  // namespace

int RunBench(int argc, char** argv) {
  if (argc < 2 || std::string_view(argv[1]) == "--help" || std::string_view(argv[1]) == "-h") {
    Usage(argc < 2 ? std::cerr : std::cout);
    return argc < 2 ? 2 : 0;
  }
  for (const auto& b : kBenches) {
    if (b.name == argv[1]) return b.run(argc - 1, argv + 1);
  }
  std::cerr << "tcoder bench: unknown benchmark '" << argv[1] << "'\n";
  Usage(std::cerr);
  return 2;
}

}  // namespace tcoder::cli
