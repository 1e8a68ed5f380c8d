#include "common/histogram.h"

#include <algorithm>
#include <cstdio>

namespace tcoder {
namespace {

std::string Number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.6g", v);
  return buf;
}

void Sample(std::string& out, std::string_view name, std::string_view suffix, std::string_view labels,
            std::string_view le, const std::string& value) {
  out.append(name).append(suffix);
  if (!labels.empty() || !le.empty()) {
    out += '{';
    out.append(labels);
    if (!labels.empty() && !le.empty()) out += ',';
    if (!le.empty()) out.append("le=\"").append(le).append("\"");
    out += '}';
  }
  out.append(" ").append(value).append("\n");
}

}  // namespace

Histogram::Histogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)), in_bucket_(new std::atomic<std::uint64_t>[bounds_.size() + 1]) {
  for (size_t i = 0; i <= bounds_.size(); ++i) in_bucket_[i] = 0;
}

void Histogram::Observe(double seconds) {
  if (!(seconds >= 0)) seconds = 0;  // a clock step back, or NaN
  const size_t i = static_cast<size_t>(std::lower_bound(bounds_.begin(), bounds_.end(), seconds) - bounds_.begin());
  in_bucket_[i].fetch_add(1, std::memory_order_relaxed);
  sum_us_.fetch_add(static_cast<std::uint64_t>(seconds * 1e6), std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
}

void Histogram::Render(std::string& out, std::string_view name, std::string_view labels) const {
  std::uint64_t cumulative = 0;
  for (size_t i = 0; i <= bounds_.size(); ++i) {
    cumulative += in_bucket_[i].load(std::memory_order_relaxed);
    Sample(out, name, "_bucket", labels, i < bounds_.size() ? Number(bounds_[i]) : "+Inf", std::to_string(cumulative));
  }
  Sample(out, name, "_sum", labels, "", Number(static_cast<double>(sum_us_.load()) / 1e6));
  // The +Inf bucket is the count: both come from the same loads.
  Sample(out, name, "_count", labels, "", std::to_string(cumulative));
}

void LabeledHistograms::Observe(const std::string& value, double seconds) {
  std::lock_guard lock(mu_);
  auto& h = by_value_[value];
  if (!h) h = std::make_unique<Histogram>(bounds_);
  h->Observe(seconds);
}

void LabeledHistograms::Render(std::string& out, std::string_view name) const {
  std::lock_guard lock(mu_);
  for (const auto& [value, h] : by_value_) h->Render(out, name, label_ + "=\"" + value + "\"");
}

}  // namespace tcoder
