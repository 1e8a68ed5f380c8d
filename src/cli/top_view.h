// TopView: what `tcoder top` shows, from one sample of the API (GET
// /api/machines, GET /api/queue) and the jobs completed since the previous
// sample: a full screen for a terminal (machines, queue, throughput), or one
// plain line for a pipe. Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

namespace tcoder::cli {

struct TopSample {
  std::int64_t at_ms = 0;
  nlohmann::json machines;       // GET /api/machines' body
  nlohmann::json queue;          // GET /api/queue's body
  double completed_per_min = 0;  // from the completed-jobs count's change since the previous sample
};

// The screen, at most `rows` lines of at most `cols` characters each.
std::string RenderTopScreen(const TopSample& sample, int rows, int cols);
// One line: time, machines by state, the queue's counts, throughput.
std::string RenderTopLine(const TopSample& sample);

}  // namespace tcoder::cli
