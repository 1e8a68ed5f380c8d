// The queue benchmark behind `tcoder bench queue`: pickup latency (enqueue to
// claim by one idle, waiting claimer, one job at a time) and throughput
// (claim + complete with no work, `concurrency` claimers, one connection each).
//
// Without a Redis URL it starts a private redis-server (unix socket, no
// persistence) in a temp dir. Keys use a random deployment prefix and are
// removed afterwards. Thread-safety: runs its own threads; call from one.
#pragma once

#include <ostream>
#include <string>

#include "common/status.h"

namespace tcoder::state {

struct QueueBenchOptions {
  std::string redis_url;  // empty: a private redis-server
  int jobs = 10000;
  int concurrency = 8;
  int latency_samples = 1000;
};

struct QueueBenchResult {
  double pickup_p50_ms = 0;
  double pickup_p99_ms = 0;
  double jobs_per_s = 0;
};

// Prints its method and progress to `out`; the caller prints the JSON line.
Result<QueueBenchResult> RunQueueBench(const QueueBenchOptions& options, std::ostream& out);

}  // namespace tcoder::state
