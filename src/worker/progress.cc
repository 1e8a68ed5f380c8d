#include "worker/progress.h"

#include <algorithm>
#include <charconv>
#include <cmath>

#include "common/ascii.h"

namespace tcoder::worker {
namespace {

std::optional<double> Number(std::string_view s) {
  double v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || !std::isfinite(v)) return std::nullopt;
  return v;
}

}  // namespace

std::optional<Progress> ProgressParser::Feed(std::string_view line) {
  line = Trim(line, " \t\r");
  const std::size_t eq = line.find('=');
  if (eq == std::string_view::npos) return std::nullopt;
  const std::string_view key = Trim(line.substr(0, eq), " \t\r");
  const std::string_view value = Trim(line.substr(eq + 1), " \t\r");
  if (key == "out_time_us" || key == "out_time_ms") {  // both are microseconds in FFmpeg
    if (auto us = Number(value); us && *us >= 0) current_.out_time_s = *us / 1e6;
  } else if (key == "speed") {
    if (value.ends_with('x')) {
      if (auto v = Number(value.substr(0, value.size() - 1)); v && *v >= 0) current_.speed = *v;
    }
  } else if (key == "progress") {
    current_.done = value == "end";
    if (!current_.done && value != "continue") return std::nullopt;
    const double pct = duration_s_ > 0 ? current_.out_time_s / duration_s_ * 100 : 0;
    current_.percent = current_.done ? 100 : std::clamp(pct, 0.0, 99.9);
    current_.percent = std::max(current_.percent, last_.percent);  // never goes back
    last_ = current_;
    return last_;
  }
  return std::nullopt;
}

}  // namespace tcoder::worker
