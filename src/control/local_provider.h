// LocalProvider: machines as `tcoder worker` child processes of this control
// plane. A machine id stays the same across stops and starts; children are
// reaped by a watcher thread, which reports each exit (on_exit) so the pool
// can mark the machine stopped. Shutdown() stops every child (SIGTERM, then
// SIGKILL past the grace). Secrets reach workers through their environment,
// never their command line. Thread-safety: every method is thread-safe.
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "common/process.h"
#include "control/machine_provider.h"

namespace tcoder::control {

struct LocalProviderOptions {
  std::string binary;                                    // the tcoder executable
  std::vector<std::string> args;                         // after "worker --machine-id <id>"
  std::vector<std::pair<std::string, std::string>> env;  // secrets
  std::string scope;                                     // this control plane's instance name
  std::chrono::milliseconds stop_grace{std::chrono::seconds(35)};
};

class LocalProvider : public MachineProvider {
 public:
  using ExitCallback = std::function<void(const std::string& id, const ExitStatus& status)>;
  LocalProvider(LocalProviderOptions options, ExitCallback on_exit);
  ~LocalProvider() override;  // Shutdown()

  Status Create(const std::string& id) override;
  Status Start(const std::string& id) override;
  Status Stop(const std::string& id) override;
  Status Wait(const std::string& id, const std::string& state, std::chrono::milliseconds timeout) override;
  Result<std::vector<MachineInfo>> List() override;
  Status Destroy(const std::string& id) override;
  std::string scope() const override { return options_.scope; }

  // Stops every running child and waits for them (SIGKILL past stop_grace).
  void Shutdown();

 private:
  struct Child {
    std::unique_ptr<Subprocess> process;  // null while stopped
    bool stopping = false;
  };
  Status Spawn(const std::string& id, Child& child);
  void Watch();
  std::string StateOf(const Child& child) const;

  LocalProviderOptions options_;
  ExitCallback on_exit_;
  std::mutex mu_;
  std::condition_variable changed_;
  std::map<std::string, Child> children_;
  bool shutting_down_ = false;
  bool closed_ = false;  // Shutdown() began: no new machine processes
  std::thread watcher_;
};

}  // namespace tcoder::control
