// NetnsCluster: hosts made of Linux network namespaces, for tests of tcoder
// across machines inside one machine.
//
// The harness is a namespace of its own holding a bridge (10.251.0.1/24);
// each host is a namespace with one veth link into that bridge and one
// address of the same test-only subnet. Nothing is linked to the root
// namespace and no namespace has a default route, so no packet can leave the
// test's network: a host whose link is down (Partition) has no route at all.
// The calling thread moves into the harness namespace while the cluster
// lives (threads and processes it starts inherit it), so the test reaches
// every host and nothing else. Processes run on a host through
// `ip netns exec`.
//
// Teardown (destructor) kills every process of every host and removes the
// namespaces; SIGINT, SIGTERM and SIGHUP run the same teardown before the
// process ends, and Create removes namespaces left by a run that died.
// Needs root; Create says why not (kUnavailable) so the test can skip.
// Thread-safety: one thread (the one that created it).
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/status.h"

namespace tcoder::testing {

class NetnsCluster {
 public:
  [[nodiscard]] static Result<std::unique_ptr<NetnsCluster>> Create();
  ~NetnsCluster();
  NetnsCluster(const NetnsCluster&) = delete;
  NetnsCluster& operator=(const NetnsCluster&) = delete;

  // A new host; returns its address ("10.251.0.<n>").
  [[nodiscard]] Result<std::string> AddHost(const std::string& name);
  // argv to run on `host`: `ip netns exec <its namespace> argv...`.
  std::vector<std::string> On(const std::string& host, const std::vector<std::string>& argv) const;
  // The host's link down (it reaches nothing and nothing reaches it), and up again.
  [[nodiscard]] Status Partition(const std::string& host);
  [[nodiscard]] Status Heal(const std::string& host);
  // SIGKILL to every process in the host's namespace (a machine that died).
  [[nodiscard]] Status KillHost(const std::string& host);
  // SIGSTOP to every process in the host's namespace (a machine that froze), and SIGCONT.
  [[nodiscard]] Status Freeze(const std::string& host);
  [[nodiscard]] Status Thaw(const std::string& host);
  // Pids of the processes in the host's namespace.
  std::vector<int> Pids(const std::string& host) const;

  const std::string& address(const std::string& host) const { return hosts_.at(host).address; }

 private:
  struct Host {
    std::string ns;
    std::string address;
  };
  NetnsCluster(std::string prefix, int original_ns) : prefix_(std::move(prefix)), original_ns_(original_ns) {}
  void RefreshTeardownScript() const;
  Status Signal(const std::string& host, int sig);

  std::string prefix_;  // "tcc<pid>-"
  int original_ns_;     // the thread's namespace before, restored at the end
  std::map<std::string, Host> hosts_;
  int next_address_ = 10;
};

}  // namespace tcoder::testing
