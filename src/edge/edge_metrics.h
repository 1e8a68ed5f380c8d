// EdgeMetrics: what the edge served, for its own GET /metrics (Prometheus
// text): responses by status class, object body bytes sent to viewers,
// cache hits and misses, and the time to serve a response as a histogram.
// Thread-safety: counters are atomics; any thread may update or render.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <string>

#include "common/histogram.h"

namespace tcoder::edge {

struct EdgeMetrics {
  std::array<std::atomic<std::uint64_t>, 6> responses{};  // by status / 100 (index 0 unused)
  std::atomic<std::uint64_t> bytes_out{0};                // object body bytes written to clients
  std::atomic<std::uint64_t> cache_hits{0};
  std::atomic<std::uint64_t> cache_misses{0};
  Histogram response_time{{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}};

  void CountResponse(int status, double seconds);
  std::string Render() const;
};

}  // namespace tcoder::edge
