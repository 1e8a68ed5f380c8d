#include "cluster/netns_cluster.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/types.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <sstream>

#include "common/process.h"

namespace tcoder::testing {
namespace {

constexpr const char* kBridge = "tccbr0";
constexpr const char* kSubnet = "10.251.0.";

// The teardown shell command, kept where a signal handler can exec it.
char g_teardown[8192];

void OnSignal(int) {
  const char* argv[] = {"/bin/sh", "-c", g_teardown, nullptr};
  ::execv("/bin/sh", const_cast<char* const*>(argv));
  ::_exit(130);
}

Status Run(const std::vector<std::string>& argv) {
  ProcessSpec spec;
  spec.argv = argv;
  RunOptions options;
  options.deadline = std::chrono::seconds(20);
  auto r = RunProcess(spec, options);
  if (!r.ok()) return r.status();
  if (!r->success()) {
    std::string line;
    for (const auto& a : argv) line += a + " ";
    return Unavailable(line + "failed: " + r->err);
  }
  return Status::Ok();
}

std::string Output(const std::vector<std::string>& argv) {
  ProcessSpec spec;
  spec.argv = argv;
  RunOptions options;
  options.deadline = std::chrono::seconds(20);
  auto r = RunProcess(spec, options);
  return r.ok() ? r->out : "";
}

// Namespaces "tcc<pid>-…" whose process is gone: left by a run that died.
void RemoveStale() {
  std::istringstream list(Output({"ip", "netns", "list"}));
  for (std::string line; std::getline(list, line);) {
    const std::string name = line.substr(0, line.find(' '));
    if (name.rfind("tcc", 0) != 0 || name.find('-') == std::string::npos) continue;
    const int pid = std::atoi(name.substr(3, name.find('-') - 3).c_str());
    if (pid > 0 && ::kill(pid, 0) == 0) continue;
    std::istringstream pids(Output({"ip", "netns", "pids", name}));
    for (int p; pids >> p;) ::kill(p, SIGKILL);
    (void)Run({"ip", "netns", "del", name});
  }
}

Status EnterNamespace(const std::string& ns) {
  const std::string path = "/run/netns/" + ns;
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Unavailable("open " + path + ": " + std::strerror(errno));
  const int r = ::setns(fd, CLONE_NEWNET);
  ::close(fd);
  if (r != 0) return Unavailable(std::string("setns: ") + std::strerror(errno));
  return Status::Ok();
}

}  // namespace

Result<std::unique_ptr<NetnsCluster>> NetnsCluster::Create() {
  if (::geteuid() != 0) return Unavailable("network namespaces need root");
  RemoveStale();
  const int original = ::open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
  if (original < 0) return Unavailable("cannot open this thread's network namespace");
  std::unique_ptr<NetnsCluster> c(new NetnsCluster("tcc" + std::to_string(::getpid()) + "-", original));
  const std::string harness = c->prefix_ + "harness";
  c->RefreshTeardownScript();
  for (int sig : {SIGINT, SIGTERM, SIGHUP}) ::signal(sig, OnSignal);
  for (const auto& argv : std::vector<std::vector<std::string>>{
           {"ip", "netns", "add", harness},
           {"ip", "-n", harness, "link", "set", "lo", "up"},
           {"ip", "-n", harness, "link", "add", kBridge, "type", "bridge"},
           {"ip", "-n", harness, "addr", "add", std::string(kSubnet) + "1/24", "dev", kBridge},
           {"ip", "-n", harness, "link", "set", kBridge, "up"}}) {
    if (Status s = Run(argv); !s.ok()) return s;
  }
  if (Status s = EnterNamespace(harness); !s.ok()) return s;
  return c;
}

NetnsCluster::~NetnsCluster() {
  for (const auto& [name, host] : hosts_) {
    for (int pid : Pids(name)) ::kill(pid, SIGKILL);
  }
  ::setns(original_ns_, CLONE_NEWNET);
  ::close(original_ns_);
  for (const auto& [name, host] : hosts_) (void)Run({"ip", "netns", "del", host.ns});
  (void)Run({"ip", "netns", "del", prefix_ + "harness"});
  for (int sig : {SIGINT, SIGTERM, SIGHUP}) ::signal(sig, SIG_DFL);
}

Result<std::string> NetnsCluster::AddHost(const std::string& name) {
  if (hosts_.count(name) || next_address_ > 250) return InvalidArgument("host " + name + " exists, or too many");
  Host h{prefix_ + name, std::string(kSubnet) + std::to_string(next_address_++)};
  const std::string harness = prefix_ + "harness";
  const std::string veth = "v" + std::to_string(next_address_ - 1);
  hosts_[name] = h;
  RefreshTeardownScript();
  for (const auto& argv : std::vector<std::vector<std::string>>{
           {"ip", "netns", "add", h.ns},
           {"ip", "-n", h.ns, "link", "set", "lo", "up"},
           {"ip", "-n", harness, "link", "add", veth, "type", "veth", "peer", "name", "eth0", "netns", h.ns},
           {"ip", "-n", harness, "link", "set", veth, "master", kBridge, "up"},
           {"ip", "-n", h.ns, "addr", "add", h.address + "/24", "dev", "eth0"},
           {"ip", "-n", h.ns, "link", "set", "eth0", "up"}}) {
    if (Status s = Run(argv); !s.ok()) return s;
  }
  return h.address;
}

std::vector<std::string> NetnsCluster::On(const std::string& host, const std::vector<std::string>& argv) const {
  std::vector<std::string> out = {"ip", "netns", "exec", hosts_.at(host).ns};
  out.insert(out.end(), argv.begin(), argv.end());
  return out;
}

Status NetnsCluster::Partition(const std::string& host) {
  return Run({"ip", "-n", hosts_.at(host).ns, "link", "set", "eth0", "down"});
}

Status NetnsCluster::Heal(const std::string& host) {
  return Run({"ip", "-n", hosts_.at(host).ns, "link", "set", "eth0", "up"});
}

std::vector<int> NetnsCluster::Pids(const std::string& host) const {
  std::istringstream in(Output({"ip", "netns", "pids", hosts_.at(host).ns}));
  std::vector<int> pids;
  for (int p; in >> p;) pids.push_back(p);
  return pids;
}

Status NetnsCluster::Signal(const std::string& host, int sig) {
  for (int pid : Pids(host))
    if (::kill(pid, sig) != 0 && errno != ESRCH) return Internal("kill " + std::to_string(pid));
  return Status::Ok();
}

Status NetnsCluster::KillHost(const std::string& host) { return Signal(host, SIGKILL); }
Status NetnsCluster::Freeze(const std::string& host) { return Signal(host, SIGSTOP); }
Status NetnsCluster::Thaw(const std::string& host) { return Signal(host, SIGCONT); }

void NetnsCluster::RefreshTeardownScript() const {
  std::string script;
  for (const auto& [name, host] : hosts_) script += "ip netns pids " + host.ns + " | xargs -r kill -9; ";
  for (const auto& [name, host] : hosts_) script += "ip netns del " + host.ns + "; ";
  script += "ip netns del " + prefix_ + "harness; exit 130";
  std::snprintf(g_teardown, sizeof g_teardown, "%s", script.c_str());
}

}  // namespace tcoder::testing
