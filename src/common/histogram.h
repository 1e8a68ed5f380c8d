// Histogram: a Prometheus histogram of durations in seconds over fixed bucket
// bounds, so that quantiles (p50, p99) can be read from a scrape, not only a
// mean. Observe from any thread; Render writes the `_bucket` lines
// (cumulative, ending with le="+Inf"), `_sum` and `_count` under `name` with
// extra `labels` ("" or `preset="hls"`). LabeledHistograms keeps one per
// label value (a small, bounded set such as the presets).
// Thread-safety: both are thread-safe.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace tcoder {

class Histogram {
 public:
  explicit Histogram(std::vector<double> bounds);  // ascending upper bounds, in seconds
  void Observe(double seconds);
  void Render(std::string& out, std::string_view name, std::string_view labels) const;
  std::uint64_t count() const { return count_.load(std::memory_order_relaxed); }

 private:
  std::vector<double> bounds_;
  std::unique_ptr<std::atomic<std::uint64_t>[]> in_bucket_;  // per bucket, not cumulative; +Inf last
  std::atomic<std::uint64_t> count_{0};
  std::atomic<std::uint64_t> sum_us_{0};
};

class LabeledHistograms {
 public:
  LabeledHistograms(std::string label, std::vector<double> bounds)
      : label_(std::move(label)), bounds_(std::move(bounds)) {}
  void Observe(const std::string& value, double seconds);
  // Every label value seen so far; `name`'s HELP and TYPE lines are the caller's.
  void Render(std::string& out, std::string_view name) const;

 private:
  std::string label_;
  std::vector<double> bounds_;
  mutable std::mutex mu_;
  std::map<std::string, std::unique_ptr<Histogram>> by_value_;
};

}  // namespace tcoder
