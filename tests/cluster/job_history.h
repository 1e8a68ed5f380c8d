// JobHistory: what the API showed of each tracked job during a cluster test,
// polled in the background from whichever control plane answers, and the
// invariants checked over it and over the store afterwards:
//   - every job ends exactly once: after an end status (completed, failed,
//     cancelled) no other status is ever seen;
//   - attempts never exceed the job's maximum;
//   - a completed job's outputs are all under one attempt prefix
//     (<visibility>/<jobId>/<token>/), and no object of another attempt of
//     it remains in the output bucket;
//   - no input key became two jobs (an event consumed twice).
// Thread-safety: Track and Violations from the test's thread; the poller is
// its own thread (it inherits the harness namespace).
#pragma once

#include <atomic>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "cluster/cluster_stack.h"

namespace tcoder::testing {

class JobHistory {
 public:
  explicit JobHistory(ClusterStack& stack);
  ~JobHistory();
  JobHistory(const JobHistory&) = delete;
  JobHistory& operator=(const JobHistory&) = delete;

  void Track(const std::string& job_id);
  // Stops polling, takes a last look at every job and lists the store; the
  // invariants each broke, one line per violation (empty: all held).
  std::vector<std::string> Violations();
  // The statuses seen for a job, in order, repeats dropped.
  std::vector<std::string> Statuses(const std::string& job_id);

 private:
  struct Seen {
    std::vector<std::string> statuses;
    nlohmann::json last;
  };
  void Poll();
  void Observe(const std::string& id, const nlohmann::json& job);
  void CheckStore(std::vector<std::string>& out);

  ClusterStack& stack_;
  std::mutex mu_;
  std::map<std::string, Seen> jobs_;
  std::atomic<bool> stop_{false};
  std::thread poller_;
};

// "public/j_x/1796…" of an output URL ("http://edge:8788/public/j_x/1796…/360p/index.m3u8"), or "".
std::string AttemptPrefixOf(const std::string& url);

}  // namespace tcoder::testing
