// RedisSentinels: `count` redis-sentinel processes watching one master as
// "mymaster" with `quorum`, each on a free loopback port with its own config
// in a temp directory; quick failover (down after 1 s). Stopped and removed
// when it goes away. url() is the redis+sentinel:// URL a component is given.
// For tests only; one owner.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "common/process.h"
#include "common/status.h"
#include "common/temp_dir.h"

namespace tcoder::testing {

class RedisSentinels {
 public:
  struct Options {
    int master_port = 0;
    int count = 1;
    int quorum = 1;
    std::string master_name = "mymaster";
  };
  static Result<std::unique_ptr<RedisSentinels>> Start(const Options& options);
  ~RedisSentinels() = default;

  const std::vector<int>& ports() const { return ports_; }
  // redis+sentinel://127.0.0.1:P1,127.0.0.1:P2,.../mymaster
  std::string url() const;

 private:
  RedisSentinels(Options options, TempDir dir) : options_(std::move(options)), dir_(std::move(dir)) {}

  Options options_;
  TempDir dir_;
  std::vector<int> ports_;
  std::vector<std::unique_ptr<Subprocess>> processes_;
};

}  // namespace tcoder::testing
