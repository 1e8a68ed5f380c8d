// `tcoder bench <name>`: benchmarks that print their method and, as their last
// line, their figures as JSON. `queue`: pickup latency and throughput of the
// state store's job queue (state/queue_bench.h). `ladder`: bytes and PSNR of
// each rung of one input's HLS ladder under a rate control
// (worker/ladder_bench.h).
#include <iostream>
#include <string_view>

#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/flags.h"
#include "cli/redis_flags.h"
#include "state/queue_bench.h"
#include "state/redis_client.h"
#include "worker/ladder_bench.h"

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

int RunLadderBenchCommand(int argc, char** argv) {
  FlagSet flags("bench", "Ladder benchmark: bytes and PSNR of each rung of one input's HLS ladder");
  std::string input, rate_control = "crf";
  worker::LadderBenchOptions options;
  flags.Add("input", input, "The video to transcode");
  flags.Add("rate-control", rate_control, "crf (capped constant quality) or bitrate (the rung's average bitrate)");
  flags.Add("crf", options.plan.crf, "x264 quality for --rate-control crf");
  flags.Add("x264-preset", options.plan.x264_preset, "x264 preset");
  if (auto code = flags.Parse(argc, argv)) return *code;
  if (input.empty() || (rate_control != "crf" && rate_control != "bitrate")) {
    std::cerr << "tcoder bench ladder: --input FILE and --rate-control crf|bitrate are required\n";
    return 2;
  }
  options.input = input;
  options.plan.rate_control = rate_control == "crf" ? worker::RateControl::kCappedCrf : worker::RateControl::kBitrate;
  auto result = worker::RunLadderBench(options, std::cout);
  if (!result.ok()) {
    std::cerr << "tcoder bench ladder: " << result.status().ToString() << "\n";
    return 1;
  }
  nlohmann::json rungs = nlohmann::json::array();
  for (const auto& r : result->rungs) {
    rungs.push_back(
        {{"name", r.name}, {"width", r.width}, {"height", r.height}, {"bytes", r.bytes}, {"psnr_db", r.psnr_db}});
  }
  std::cout << nlohmann::json{{"rate_control", rate_control},
                              {"rungs", rungs},
                              {"audio_bytes", result->audio_bytes},
                              {"total_bytes", result->total_bytes},
                              {"transcode_s", result->transcode_s}}
                   .dump()
            << "\n";
  return 0;
}

constexpr struct {
  std::string_view name;
  int (*run)(int, char**);
} kBenches[] = {{"queue", RunQueueBenchCommand}, {"ladder", RunLadderBenchCommand}};

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
