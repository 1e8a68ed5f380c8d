#include "cli/stop_signals.h"

#include <pthread.h>

#include <nlohmann/json.hpp>

#include "common/log.h"

namespace tcoder::cli {

sigset_t BlockStopSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  return set;
}

int WaitForStopSignal(const sigset_t& set) {
  int sig = 0;
  sigwait(&set, &sig);
  log::Info("stopping", {{"signal", sig}});
  return sig;
}

}  // namespace tcoder::cli
