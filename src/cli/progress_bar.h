// ProgressBar: one line on a terminal that redraws itself — a bar, the
// percentage, and for byte counts the amount, the rate and the time left.
//
// Draws only when its stream is a terminal (so scripts and logs get no
// control characters) and at most ten times a second. Thread-safety: one thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>

namespace tcoder::cli {

class ProgressBar {
 public:
  // `label` leads the line ("upload", "transcode"); draws on `out` if it is a tty.
  ProgressBar(std::string label, std::FILE* out);
  ~ProgressBar();

  bool enabled() const { return enabled_; }
  // Byte progress: "upload  [#####     ]  48%  12.0 MiB/25.0 MiB  6.1 MiB/s  ETA 2s".
  void Bytes(std::uint64_t done, std::uint64_t total);
  // Percent progress with a word after it: "transcode [###   ] 30%  running".
  void Percent(int percent, const std::string& note);
  // Ends the line (once).
  void Finish();

  // "12.0 MiB".
  static std::string FormatBytes(double bytes);
  // "[#####     ]" for `fraction` in [0, 1] over `width` cells.
  static std::string Bar(double fraction, int width);

 private:
  void Draw(const std::string& line, bool force);

  std::string label_;
  std::FILE* out_;
  bool enabled_;
  bool drawn_ = false;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  std::chrono::steady_clock::time_point last_draw_{};
};

}  // namespace tcoder::cli
