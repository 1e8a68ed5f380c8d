#include "common/process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <map>

extern char** environ;

namespace tcoder {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// Owns a pipe's two ends until they are handed over.
struct Pipe {
  int read = -1;
  int write = -1;
  ~Pipe() {
    if (read >= 0) ::close(read);
    if (write >= 0) ::close(write);
  }
  static int Take(int& fd) {
    const int out = fd;
    fd = -1;
    return out;
  }
};

Status MakePipe(Pipe& p) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return ErrnoStatus("pipe2", errno);
  p.read = fds[0];
  p.write = fds[1];
  return Status::Ok();
}

ExitStatus Decode(int wstatus) {
  ExitStatus s;
  if (WIFEXITED(wstatus)) s.code = WEXITSTATUS(wstatus);
  if (WIFSIGNALED(wstatus)) s.signal = WTERMSIG(wstatus);
  return s;
}

std::vector<std::string> BuildEnv(const ProcessSpec& spec) {
  std::map<std::string, std::string> vars;
  if (!spec.clear_env) {
    for (char** e = environ; *e != nullptr; ++e) {
      std::string_view kv(*e);
      const auto eq = kv.find('=');
      if (eq != std::string_view::npos) vars[std::string(kv.substr(0, eq))] = std::string(kv.substr(eq + 1));
    }
  }
  for (const auto& [k, v] : spec.env) vars[k] = v;
  std::vector<std::string> out;
  out.reserve(vars.size());
  for (const auto& [k, v] : vars) out.push_back(k + "=" + v);
  return out;
}

std::vector<char*> CStrings(std::vector<std::string>& strings) {
  std::vector<char*> out;
  out.reserve(strings.size() + 1);
  for (auto& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

// Wires one standard stream of the child (fd 0, 1 or 2).
Status SetupStream(posix_spawn_file_actions_t* fa, StdStream mode, int child_fd, Pipe& pipe) {
  if (mode == StdStream::kInherit) return Status::Ok();
  if (mode == StdStream::kNull) {
    const int flags = child_fd == 0 ? O_RDONLY : O_WRONLY;
    if (posix_spawn_file_actions_addopen(fa, child_fd, "/dev/null", flags, 0) != 0) return Internal("spawn addopen");
    return Status::Ok();
  }
  if (Status s = MakePipe(pipe); !s.ok()) return s;
  const int end = child_fd == 0 ? pipe.read : pipe.write;
  if (posix_spawn_file_actions_adddup2(fa, end, child_fd) != 0) return Internal("spawn adddup2");
  return Status::Ok();
}

void SetNonBlocking(int fd) {
  if (fd >= 0) ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
}

int OpenPidfd(pid_t pid) {
#ifdef SYS_pidfd_open
  const long fd = ::syscall(SYS_pidfd_open, pid, 0);
  if (fd >= 0) {
    ::fcntl(static_cast<int>(fd), F_SETFD, FD_CLOEXEC);
    return static_cast<int>(fd);
  }
#endif
  return -1;
}

// The program's path as execve() needs it: argv[0] itself when it has a '/',
// else the first executable match on PATH.
std::string ResolveProgram(const std::string& name) {
  if (name.find('/') != std::string::npos) return name;
  const char* path = std::getenv("PATH");
  std::string_view dirs = path != nullptr ? path : "/usr/local/bin:/usr/bin:/bin";
  while (true) {
    const auto colon = dirs.find(':');
    std::string dir(dirs.substr(0, colon));
    const std::string candidate = (dir.empty() ? "." : dir) + "/" + name;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
    if (colon == std::string_view::npos) return name;
    dirs.remove_prefix(colon + 1);
  }
}

// In the forked child (async-signal-safe calls only): wires one standard stream.
void ChildStream(StdStream mode, int child_fd, int pipe_end) {
  if (mode == StdStream::kPipe) {
    ::dup2(pipe_end, child_fd);
  } else if (mode == StdStream::kNull) {
    const int fd = ::open("/dev/null", child_fd == 0 ? O_RDONLY : O_WRONLY);
    if (fd >= 0 && fd != child_fd) {
      ::dup2(fd, child_fd);
      ::close(fd);
    }
  }
}

// The child side of ForkExec; never returns.
[[noreturn]] void ExecChild(const ProcessSpec& spec, pid_t parent, int in, int out, int err, int report,
                            const char* program, char* const* argv, char* const* envp) {
  if (spec.new_session) {
    ::setsid();
  } else {
    ::setpgid(0, 0);
  }
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (::getppid() != parent) ::_exit(127);  // the parent is already gone
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  for (int sig = 1; sig < NSIG; ++sig) ::sigaction(sig, &dfl, nullptr);
  ChildStream(spec.stdin_mode, 0, in);
  ChildStream(spec.stdout_mode, 1, out);
  ChildStream(spec.stderr_mode, 2, err);
  for (int fd = 3; fd < report; ++fd) ::close(fd);  // `report` closes itself on exec
  ::syscall(SYS_close_range, report + 1, ~0U, 0);
  if (!spec.cwd.empty() && ::chdir(spec.cwd.c_str()) != 0) {
    const int e = errno;
    (void)!::write(report, &e, sizeof e);
    ::_exit(127);
  }
  ::execve(program, argv, envp);
  const int e = errno;
  (void)!::write(report, &e, sizeof e);
  ::_exit(127);
}

// fork() + execve() for children that must die with their parent
// (PR_SET_PDEATHSIG cannot be set through posix_spawn). Returns the pid or
// the errno of a failed exec.
Result<pid_t> ForkExec(const ProcessSpec& spec, const Pipe& in, const Pipe& out, const Pipe& err, char* const* argv,
                       char* const* envp) {
  const std::string program = ResolveProgram(spec.argv[0]);
  Pipe report;
  if (Status s = MakePipe(report); !s.ok()) return s;
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) return ErrnoStatus("fork", errno);
  if (pid == 0) ExecChild(spec, parent, in.read, out.write, err.write, report.write, program.c_str(), argv, envp);
  ::close(Pipe::Take(const_cast<Pipe&>(report).write));
  int child_errno = 0;
  ssize_t n;
  do {
    n = ::read(report.read, &child_errno, sizeof child_errno);
  } while (n < 0 && errno == EINTR);
  if (n == sizeof child_errno) {
    ::waitpid(pid, nullptr, 0);
    Status st = ErrnoStatus("cannot run '" + spec.argv[0] + "'", child_errno);
    return Status(child_errno == ENOENT ? Code::kNotFound : st.code(), st.message());
  }
  return pid;
}

}  // namespace

std::string ExitStatus::ToString() const {
  if (signal != 0) return "signal " + std::to_string(signal) + " (" + strsignal(signal) + ")";
  return "exit " + std::to_string(code);
}

Result<Subprocess> Subprocess::Spawn(const ProcessSpec& spec) {
  if (spec.argv.empty() || spec.argv[0].empty()) return InvalidArgument("empty argv");
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  struct Cleanup {
    posix_spawn_file_actions_t* fa;
    posix_spawnattr_t* attr;
    ~Cleanup() {
      posix_spawn_file_actions_destroy(fa);
      posix_spawnattr_destroy(attr);
    }
  } cleanup{&fa, &attr};

  Pipe in, out, err;
  if (Status s = SetupStream(&fa, spec.stdin_mode, 0, in); !s.ok()) return s;
  if (Status s = SetupStream(&fa, spec.stdout_mode, 1, out); !s.ok()) return s;
  if (Status s = SetupStream(&fa, spec.stderr_mode, 2, err); !s.ok()) return s;
  posix_spawn_file_actions_addclosefrom_np(&fa, 3);  // nothing else of ours leaks in
  if (!spec.cwd.empty() && posix_spawn_file_actions_addchdir_np(&fa, spec.cwd.c_str()) != 0) {
    return Internal("spawn addchdir");
  }
  // Own process group (so a signal reaches the whole tree), default signal
  // dispositions and an empty mask, whatever the parent has set.
  sigset_t all, none;
  sigfillset(&all);
  sigemptyset(&none);
  posix_spawnattr_setsigdefault(&attr, &all);
  posix_spawnattr_setsigmask(&attr, &none);
  short flags = POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK;
  if (spec.new_session) {
    flags |= POSIX_SPAWN_SETSID;  // a new session is also a new process group
  } else {
    posix_spawnattr_setpgroup(&attr, 0);
    flags |= POSIX_SPAWN_SETPGROUP;
  }
  posix_spawnattr_setflags(&attr, flags);

  std::vector<std::string> args = spec.argv;
  std::vector<std::string> envs = BuildEnv(spec);
  auto argv = CStrings(args);
  auto envp = CStrings(envs);
  pid_t pid = -1;
  if (spec.die_with_parent) {
    auto forked = ForkExec(spec, in, out, err, argv.data(), envp.data());
    if (!forked.ok()) return forked.status();
    pid = *forked;
  } else {
    const int rc = posix_spawnp(&pid, argv[0], &fa, &attr, argv.data(), envp.data());
    if (rc != 0) {
      Status s = ErrnoStatus("cannot run '" + spec.argv[0] + "'", rc);
      return Status(rc == ENOENT ? Code::kNotFound : s.code(), s.message());
    }
  }
  Subprocess p;
  p.pid_ = pid;
  p.pidfd_ = OpenPidfd(pid);
  p.stdin_fd_ = Pipe::Take(in.write);
  p.stdout_fd_ = Pipe::Take(out.read);
  p.stderr_fd_ = Pipe::Take(err.read);
  return p;
}

Subprocess::Subprocess(Subprocess&& o) noexcept { *this = std::move(o); }

Subprocess& Subprocess::operator=(Subprocess&& o) noexcept {
  if (this == &o) return *this;
  Release();
  pid_ = std::exchange(o.pid_, -1);
  pidfd_ = std::exchange(o.pidfd_, -1);
  stdin_fd_ = std::exchange(o.stdin_fd_, -1);
  stdout_fd_ = std::exchange(o.stdout_fd_, -1);
  stderr_fd_ = std::exchange(o.stderr_fd_, -1);
  exit_ = std::exchange(o.exit_, std::nullopt);
  return *this;
}

Subprocess::~Subprocess() { Release(); }

void Subprocess::Release() {
  if (pid_ > 0 && !exit_) {
    ::kill(-pid_, SIGKILL);
    ::kill(pid_, SIGKILL);
    Wait();
  }
  CloseStdin();
  CloseStdout();
  CloseStderr();
  if (pidfd_ >= 0) ::close(pidfd_);
  pidfd_ = -1;
  pid_ = -1;
}

pid_t Subprocess::Detach() {
  const pid_t pid = pid_;
  exit_ = ExitStatus{};  // nothing left to kill or reap
  Release();
  return pid;
}

void Subprocess::CloseStdin() {
  if (stdin_fd_ >= 0) ::close(stdin_fd_);
  stdin_fd_ = -1;
}
void Subprocess::CloseStdout() {
  if (stdout_fd_ >= 0) ::close(stdout_fd_);
  stdout_fd_ = -1;
}
void Subprocess::CloseStderr() {
  if (stderr_fd_ >= 0) ::close(stderr_fd_);
  stderr_fd_ = -1;
}

Status Subprocess::Signal(int sig) {
  if (pid_ <= 0 || exit_) return Status::Ok();
  if (::kill(-pid_, sig) != 0 && ::kill(pid_, sig) != 0 && errno != ESRCH) return ErrnoStatus("kill", errno);
  return Status::Ok();
}

std::optional<ExitStatus> Subprocess::TryWait() {
  if (exit_) return exit_;
  if (pid_ <= 0) return std::nullopt;
  int wstatus = 0;
  const pid_t r = ::waitpid(pid_, &wstatus, WNOHANG);
  if (r == pid_) exit_ = Decode(wstatus);
  if (r < 0 && errno == ECHILD) exit_ = ExitStatus{};  // reaped elsewhere
  return exit_;
}

ExitStatus Subprocess::Wait() {
  if (exit_) return *exit_;
  int wstatus = 0;
  pid_t r;
  do {
    r = ::waitpid(pid_, &wstatus, 0);
  } while (r < 0 && errno == EINTR);
  exit_ = r == pid_ ? Decode(wstatus) : ExitStatus{};
  return *exit_;
}

std::optional<ExitStatus> Subprocess::WaitFor(milliseconds timeout) {
  const auto end = Clock::now() + timeout;
  while (true) {
    if (auto s = TryWait()) return s;
    const auto left = std::chrono::duration_cast<milliseconds>(end - Clock::now());
    if (left.count() <= 0) return std::nullopt;
    if (pidfd_ >= 0) {
      pollfd p{pidfd_, POLLIN, 0};
      ::poll(&p, 1, static_cast<int>(left.count()));
    } else {
      ::usleep(static_cast<useconds_t>(std::min<long>(left.count(), 10) * 1000));
    }
  }
}

ExitStatus Subprocess::Terminate(milliseconds grace) {
  (void)Signal(SIGTERM);
  if (auto s = WaitFor(grace)) return *s;
  (void)Signal(SIGKILL);
  return Wait();
}

namespace {

// Collects one output stream: keeps its tail and splits it into lines.
class StreamCollector {
 public:
  StreamCollector(std::size_t max, std::function<void(std::string_view)> on_line)
      : max_(max), on_line_(std::move(on_line)) {}

  void Append(std::string_view chunk) {
    data_.append(chunk);
    if (data_.size() > 2 * max_ + 4096) data_.erase(0, data_.size() - max_);
    if (!on_line_) return;
    partial_.append(chunk);
    std::size_t start = 0;
    for (std::size_t nl; (nl = partial_.find('\n', start)) != std::string::npos; start = nl + 1) {
      on_line_(std::string_view(partial_).substr(start, nl - start));
    }
    partial_.erase(0, start);
  }
  void Finish() {
    if (on_line_ && !partial_.empty()) on_line_(partial_);
    partial_.clear();
    if (data_.size() > max_) data_.erase(0, data_.size() - max_);
  }
  std::string Take() { return std::move(data_); }

 private:
  std::size_t max_;
  std::function<void(std::string_view)> on_line_;
  std::string data_;
  std::string partial_;
};

// Reads what is available from fd; returns false at EOF or on error.
bool Drain(int fd, StreamCollector& sink) {
  char buf[16384];
  while (true) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n > 0) {
      sink.Append(std::string_view(buf, static_cast<std::size_t>(n)));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return true;
    return false;
  }
}

}  // namespace

Result<RunResult> RunProcess(ProcessSpec spec, const RunOptions& options) {
  if (options.stdin_data) spec.stdin_mode = StdStream::kPipe;
  spec.die_with_parent = !spec.new_session;  // this thread waits for it to the end
  auto spawned = Subprocess::Spawn(spec);
  if (!spawned.ok()) return spawned.status();
  Subprocess& child = *spawned;
  SetNonBlocking(child.stdin_fd());
  SetNonBlocking(child.stdout_fd());
  SetNonBlocking(child.stderr_fd());

  StreamCollector out(options.max_capture, options.on_stdout_line);
  StreamCollector err(options.max_capture, options.on_stderr_line);
  std::string_view to_write = options.stdin_data ? std::string_view(*options.stdin_data) : std::string_view();
  if (to_write.empty()) child.CloseStdin();

  RunResult result;
  const auto start = Clock::now();
  std::optional<Clock::time_point> term_sent;
  std::optional<Clock::time_point> exited_at;
  bool killed = false;

  while (true) {
    // Stop when the child has exited and its pipes are drained (or, if a
    // descendant keeps them open, shortly after it exited).
    if (!child.running()) {
      const bool pipes_closed = child.stdout_fd() < 0 && child.stderr_fd() < 0;
      if (!exited_at) exited_at = Clock::now();
      if (pipes_closed || Clock::now() - *exited_at > milliseconds(200)) break;
    }
    std::vector<pollfd> fds;
    if (child.stdout_fd() >= 0) fds.push_back({child.stdout_fd(), POLLIN, 0});
    if (child.stderr_fd() >= 0) fds.push_back({child.stderr_fd(), POLLIN, 0});
    if (child.stdin_fd() >= 0) fds.push_back({child.stdin_fd(), POLLOUT, 0});
    if (child.running() && child.pidfd() >= 0) fds.push_back({child.pidfd(), POLLIN, 0});
    milliseconds wait = options.poll_interval;
    if (child.pidfd() < 0 || !child.running()) wait = std::min(wait, milliseconds(10));
    ::poll(fds.data(), fds.size(), static_cast<int>(wait.count()));

    if (child.stdout_fd() >= 0 && !Drain(child.stdout_fd(), out)) child.CloseStdout();
    if (child.stderr_fd() >= 0 && !Drain(child.stderr_fd(), err)) child.CloseStderr();
    if (child.stdin_fd() >= 0) {
      const ssize_t n = ::write(child.stdin_fd(), to_write.data(), to_write.size());
      if (n > 0) to_write.remove_prefix(static_cast<std::size_t>(n));
      if ((n < 0 && errno != EAGAIN && errno != EINTR) || to_write.empty()) child.CloseStdin();
    }
    (void)child.TryWait();
    if (!child.running()) continue;

    const auto now = Clock::now();
    if (!term_sent) {
      if (options.deadline.count() > 0 && now - start >= options.deadline) result.timed_out = true;
      if (options.cancelled && options.cancelled()) result.cancelled = true;
      if (result.timed_out || result.cancelled) {
        (void)child.Signal(SIGTERM);
        term_sent = now;
      }
    } else if (!killed && now - *term_sent >= options.kill_grace) {
      (void)child.Signal(SIGKILL);
      killed = true;
    }
  }
  out.Finish();
  err.Finish();
  result.exit = child.Wait();
  // A stopped child's descendants go with it.
  if (result.timed_out || result.cancelled) ::kill(-child.pid(), SIGKILL);
  result.out = out.Take();
  result.err = err.Take();
  return result;
}

}  // namespace tcoder
