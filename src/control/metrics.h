// Metrics: this process's counters for GET /metrics (webhook deliveries,
// bytes in and out, pickup latency and transcode time as Prometheus
// summaries), and the rendering of the whole Prometheus text page with the
// state store's gauges (jobs by status, queue depth, machines by state).
//
// Thread-safety: counters are atomics; any thread may update or render.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

#include "common/status.h"
#include "state/keys.h"
#include "state/redis_client.h"

namespace tcoder::control {

struct Summary {
  std::atomic<std::uint64_t> count{0};
  std::atomic<std::uint64_t> sum_ms{0};
  void Observe(std::int64_t ms) {
    count.fetch_add(1, std::memory_order_relaxed);
    sum_ms.fetch_add(static_cast<std::uint64_t>(ms < 0 ? 0 : ms), std::memory_order_relaxed);
  }
};

struct Metrics {
  std::atomic<std::uint64_t> webhook_delivered{0};
  std::atomic<std::uint64_t> webhook_failed_attempts{0};
  std::atomic<std::uint64_t> webhook_gave_up{0};
  std::atomic<std::uint64_t> events_ingested{0};
  std::atomic<std::uint64_t> bytes_in{0};   // input bytes of ingested uploads
  std::atomic<std::uint64_t> bytes_out{0};  // output bytes of completed jobs
  std::atomic<std::uint64_t> machines_created{0};
  std::atomic<std::uint64_t> machines_started{0};
  std::atomic<std::uint64_t> machines_stopped{0};
  std::atomic<std::uint64_t> machines_destroyed{0};
  Summary pickup_latency;  // pending (queuedAt) -> running (startedAt)
  Summary transcode_time;  // running (startedAt) -> ended (completedAt)
};

// The Prometheus text page: the state store's gauges, then `metrics`.
[[nodiscard]] Result<std::string> RenderMetrics(state::RedisClient& redis, const state::Keys& keys, int max_machines,
                                                const Metrics& metrics);

}  // namespace tcoder::control
