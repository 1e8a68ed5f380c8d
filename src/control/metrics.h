// Metrics: this process's counters for GET /metrics (webhook deliveries,
// bytes in, output bytes, machine operations) and histograms (pickup latency,
// transcode time by preset), and the rendering of the whole Prometheus text
// page with the state store's gauges (jobs by status, queue depth, machines
// by state). Job events are counted by one control plane only (the first to
// see each, state::ReportLedger), so a sum over planes counts each job once.
// Bytes sent to viewers are the edge's (its own /metrics).
//
// Thread-safety: counters are atomics, histograms thread-safe; any thread may
// update or render.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

#include "common/histogram.h"
#include "common/status.h"
#include "state/keys.h"
#include "state/redis_client.h"

namespace tcoder::control {

struct Metrics {
  std::atomic<std::uint64_t> webhook_delivered{0};
  std::atomic<std::uint64_t> webhook_failed_attempts{0};
  std::atomic<std::uint64_t> webhook_gave_up{0};
  std::atomic<std::uint64_t> events_ingested{0};
  std::atomic<std::uint64_t> bytes_in{0};      // input bytes of ingested uploads
  std::atomic<std::uint64_t> output_bytes{0};  // bytes stored as outputs of completed jobs
  std::atomic<std::uint64_t> machines_created{0};
  std::atomic<std::uint64_t> machines_started{0};
  std::atomic<std::uint64_t> machines_stopped{0};
  std::atomic<std::uint64_t> machines_destroyed{0};
  // pending (queuedAt) -> running (startedAt), every attempt
  Histogram pickup_latency{{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300}};
  // running (startedAt) -> completed (completedAt), by preset
  LabeledHistograms transcode_time{"preset", {0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200}};
};

// The Prometheus text page: the state store's gauges, then `metrics`.
[[nodiscard]] Result<std::string> RenderMetrics(state::RedisClient& redis, const state::Keys& keys, int max_machines,
                                                const Metrics& metrics);

}  // namespace tcoder::control
