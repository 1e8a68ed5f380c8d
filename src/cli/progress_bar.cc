#include "cli/progress_bar.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>

namespace tcoder::cli {
namespace {

constexpr int kBarWidth = 28;

std::string FormatSeconds(double s) {
  if (!std::isfinite(s) || s < 0) return "?";
  const auto secs = static_cast<long>(s + 0.5);
  if (secs < 60) return std::to_string(secs) + "s";
  if (secs < 3600) return std::to_string(secs / 60) + "m" + std::to_string(secs % 60) + "s";
  return std::to_string(secs / 3600) + "h" + std::to_string(secs % 3600 / 60) + "m";
}

}  // namespace

ProgressBar::ProgressBar(std::string label, std::FILE* out)
    : label_(std::move(label)), out_(out), enabled_(out != nullptr && ::isatty(::fileno(out)) == 1) {}

ProgressBar::~ProgressBar() { Finish(); }

std::string ProgressBar::FormatBytes(double bytes) {
  static constexpr const char* kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  int unit = 0;
  while (bytes >= 1024 && unit < 4) {
    bytes /= 1024;
    ++unit;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, unit == 0 ? "%.0f %s" : "%.1f %s", bytes, kUnits[unit]);
  return buf;
}

std::string ProgressBar::Bar(double fraction, int width) {
  fraction = std::clamp(fraction, 0.0, 1.0);
  const int filled = static_cast<int>(fraction * width + 0.5);
  return "[" + std::string(static_cast<std::size_t>(filled), '#') +
         std::string(static_cast<std::size_t>(width - filled), ' ') + "]";
}

void ProgressBar::Bytes(std::uint64_t done, std::uint64_t total) {
  if (!enabled_) return;
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  const double rate = elapsed > 0 ? static_cast<double>(done) / elapsed : 0;
  const double fraction = total > 0 ? static_cast<double>(done) / static_cast<double>(total) : 0;
  const double eta = rate > 0 ? static_cast<double>(total - std::min(done, total)) / rate : -1.0;
  char pct[8];
  std::snprintf(pct, sizeof pct, "%3d%%", static_cast<int>(fraction * 100));
  Draw(label_ + " " + Bar(fraction, kBarWidth) + " " + pct + "  " + FormatBytes(static_cast<double>(done)) + "/" +
           FormatBytes(static_cast<double>(total)) + "  " + FormatBytes(rate) + "/s  ETA " + FormatSeconds(eta),
       done >= total);
}

void ProgressBar::Percent(int percent, const std::string& note) {
  if (!enabled_) return;
  percent = std::clamp(percent, 0, 100);
  char pct[8];
  std::snprintf(pct, sizeof pct, "%3d%%", percent);
  Draw(label_ + " " + Bar(percent / 100.0, kBarWidth) + " " + pct + "  " + note, true);
}

void ProgressBar::Draw(const std::string& line, bool force) {
  const auto now = std::chrono::steady_clock::now();
  if (!force && drawn_ && now - last_draw_ < std::chrono::milliseconds(100)) return;
  last_draw_ = now;
  drawn_ = true;
  std::fprintf(out_, "\r\033[K%s", line.c_str());
  std::fflush(out_);
}

void ProgressBar::Finish() {
  if (enabled_ && drawn_) {
    std::fputc('\n', out_);
    std::fflush(out_);
  }
  drawn_ = false;
  enabled_ = false;
}

}  // namespace tcoder::cli
