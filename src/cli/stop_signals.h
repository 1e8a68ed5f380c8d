// SIGINT and SIGTERM for the long-running commands (storage, edge, control,
// up): blocked in every thread, then received by the main thread alone with
// sigwait, so that a stop request never interrupts a worker thread.
// Call BlockStopSignals() before starting any thread.
#pragma once

#include <signal.h>

namespace tcoder::cli {

// Blocks SIGINT and SIGTERM in this thread and every thread it starts after.
sigset_t BlockStopSignals();
// Waits for one of them, logs "stopping" with it, and returns its number.
int WaitForStopSignal(const sigset_t& set);

}  // namespace tcoder::cli
