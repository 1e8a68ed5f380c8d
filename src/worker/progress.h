// Progress: parses FFmpeg's `-progress` output (key=value lines, one block per
// report ending in `progress=continue` or `progress=end`) into a percentage of
// the probed duration.
//
// Garbage lines, unknown keys and "N/A" values are ignored. One parser per
// FFmpeg run; not thread-safe.
#pragma once

#include <optional>
#include <string_view>

namespace tcoder::worker {

struct Progress {
  double percent = 0;     // 0..100; 100 only once FFmpeg reports the end
  double out_time_s = 0;  // media time written so far
  double speed = 0;       // times real time; 0 when unknown
  bool done = false;      // progress=end
};

class ProgressParser {
 public:
  explicit ProgressParser(double duration_s) : duration_s_(duration_s) {}

  // Feeds one line (without '\n'). Returns the report when the line closes a block.
  std::optional<Progress> Feed(std::string_view line);
  const Progress& last() const { return last_; }

 private:
  double duration_s_;
  Progress current_;
  Progress last_;
};

}  // namespace tcoder::worker
