#include "control/local_provider.h"

#include <signal.h>

#include "common/log.h"

namespace tcoder::control {

LocalProvider::LocalProvider(LocalProviderOptions options, ExitCallback on_exit)
    : options_(std::move(options)), on_exit_(std::move(on_exit)) {
  watcher_ = std::thread([this] { Watch(); });
}

LocalProvider::~LocalProvider() {
  Shutdown();
  {
    std::lock_guard lock(mu_);
    shutting_down_ = true;
  }
  changed_.notify_all();
  if (watcher_.joinable()) watcher_.join();
}

Status LocalProvider::Spawn(const std::string& id, Child& child) {
  ProcessSpec spec;
  spec.argv = {options_.binary, "worker", "--machine-id", id};
  spec.argv.insert(spec.argv.end(), options_.args.begin(), options_.args.end());
  spec.env = options_.env;
  spec.stdout_mode = StdStream::kInherit;
  spec.stderr_mode = StdStream::kInherit;
  auto process = Subprocess::Spawn(spec);
  if (!process.ok()) return process.status().WithContext("starting machine " + id);
  child.process = std::make_unique<Subprocess>(std::move(*process));
  child.stopping = false;
  log::Info("machine process started", {{"machineId", id}, {"pid", child.process->pid()}});
  return Status::Ok();
}

Status LocalProvider::Create(const std::string& id) {
  std::lock_guard lock(mu_);
  if (shutting_down_ || closed_) return Unavailable("shutting down");
  if (children_.count(id)) return Conflict("machine " + id + " exists");
  Status s = Spawn(id, children_[id]);
  if (!s.ok()) children_.erase(id);
  changed_.notify_all();
  return s;
}

Status LocalProvider::Start(const std::string& id) {
  std::lock_guard lock(mu_);
  if (shutting_down_ || closed_) return Unavailable("shutting down");
  auto it = children_.find(id);
  if (it == children_.end()) {
    // A stopped machine of an earlier run of this control plane: boot it here.
    Status s = Spawn(id, children_[id]);
    if (!s.ok()) children_.erase(id);
    changed_.notify_all();
    return s;
  }
  if (it->second.process) return Status::Ok();  // already running
  Status s = Spawn(id, it->second);
  changed_.notify_all();
  return s;
}

Status LocalProvider::Stop(const std::string& id) {
  std::lock_guard lock(mu_);
  auto it = children_.find(id);
  if (it == children_.end()) return NotFound("no local machine " + id);
  if (!it->second.process || it->second.stopping) return Status::Ok();
  it->second.stopping = true;
  return it->second.process->Signal(SIGTERM);
}

std::string LocalProvider::StateOf(const Child& child) const {
  if (!child.process) return "stopped";
  return child.stopping ? "stopping" : "started";
}

Status LocalProvider::Wait(const std::string& id, const std::string& state, std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  bool ok = changed_.wait_for(lock, timeout, [&] {
    auto it = children_.find(id);
    return it != children_.end() && StateOf(it->second) == state;
  });
  return ok ? Status::Ok() : Status(Code::kDeadlineExceeded, "machine " + id + " is not " + state);
}

Result<std::vector<MachineInfo>> LocalProvider::List() {
  std::lock_guard lock(mu_);
  std::vector<MachineInfo> out;
  for (const auto& [id, child] : children_) out.push_back({id, StateOf(child)});
  return out;
}

Status LocalProvider::Destroy(const std::string& id) {
  std::unique_ptr<Subprocess> process;
  {
    std::lock_guard lock(mu_);
    auto it = children_.find(id);
    if (it == children_.end()) return NotFound("no local machine " + id);
    process = std::move(it->second.process);
    children_.erase(it);
  }
  changed_.notify_all();
  if (process) {
    (void)process->Signal(SIGKILL);
    process->Wait();
  }
  log::Info("machine destroyed", {{"machineId", id}});
  return Status::Ok();
}

void LocalProvider::Watch() {
  std::unique_lock lock(mu_);
  while (!shutting_down_) {
    std::vector<std::pair<std::string, ExitStatus>> exited;
    for (auto& [id, child] : children_) {
      if (!child.process) continue;
      if (auto status = child.process->TryWait()) {
        exited.emplace_back(id, *status);
        child.process.reset();
      }
    }
    if (!exited.empty()) {
      changed_.notify_all();
      lock.unlock();
      for (const auto& [id, status] : exited) {
        log::Info("machine process exited", {{"machineId", id}, {"exit", status.ToString()}});
        if (on_exit_) on_exit_(id, status);
      }
      lock.lock();
    }
    changed_.wait_for(lock, std::chrono::milliseconds(100));
  }
}

void LocalProvider::Shutdown() {
  std::vector<std::string> ids;
  {
    std::lock_guard lock(mu_);
    closed_ = true;
    for (auto& [id, child] : children_) {
      if (child.process) {
        child.stopping = true;
        (void)child.process->Signal(SIGTERM);
        ids.push_back(id);
      }
    }
  }
  auto deadline = std::chrono::steady_clock::now() + options_.stop_grace;
  for (const std::string& id : ids) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (Wait(id, "stopped", std::max(left, std::chrono::milliseconds(1))).ok()) continue;
    std::lock_guard lock(mu_);
    auto it = children_.find(id);
    if (it != children_.end() && it->second.process) it->second.process->Terminate(std::chrono::milliseconds(0));
  }
}

}  // namespace tcoder::control
