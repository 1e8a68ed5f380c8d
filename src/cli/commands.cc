#include "cli/commands.h"

#include <array>

namespace tcoder::cli {
namespace {

constexpr std::array kCommands = {
    Command{"up", "Run the whole stack on this machine (Ctrl-C or `tcoder down` stops it)", RunUp},
    Command{"down", "Stop a stack started with `tcoder up --detach`", RunDown},
    Command{"control", "Control plane: HTTP API, admission, machines, event intake, scheduler", RunControl},
    Command{"storage", "Built-in S3-compatible object storage server", RunStorage},
    Command{"worker", "Compute plane: claim jobs, run FFmpeg, upload outputs, report", RunWorker},
    Command{"edge", "Delivery server for outputs; /premium/ paths need a JWT", RunEdge},
    Command{"transcode", "Upload a video, follow its job, print the playable URLs", RunTranscode},
    Command{"status", "Show one job", RunStatus},
    Command{"jobs", "List jobs", RunJobs},
    Command{"cancel", "Cancel a job", RunCancel},
    Command{"retry", "Put a failed or cancelled job back in the queue", RunRetry},
    Command{"stats", "Machine pool and queue statistics", RunStats},
    Command{"machines", "The machine pool: each machine's state, job and lease", RunMachines},
    Command{"queue", "The queue: ready jobs in claim order, delayed retries, running jobs", RunQueue},
    Command{"top", "A live view of machines, queue and throughput", RunTop},
    Command{"token", "Mint a JWT for the edge (--premium for /premium/ paths)", RunToken},
    Command{"bench", "Benchmarks (bench queue, ...)", RunBench},
    Command{"version", "Print the version", RunVersion},
};

}  // namespace

std::span<const Command> Commands() { return kCommands; }

const Command* FindCommand(std::string_view name) {
  for (const Command& c : kCommands) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

}  // namespace tcoder::cli
