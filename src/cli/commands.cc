#include "cli/commands.h"

#include <array>

namespace tcoder::cli {
namespace {

constexpr std::array kCommands = {
    Command{"up", "Run the whole stack on this machine (Ctrl-C or `tcoder down` stops it)", RunNotBuilt},
    Command{"down", "Stop a stack started with `tcoder up --detach`", RunNotBuilt},
    Command{"control", "Control plane: HTTP API, admission, machines, event intake, scheduler", RunNotBuilt},
    Command{"storage", "Built-in S3-compatible object storage server", RunNotBuilt},
    Command{"worker", "Compute plane: claim jobs, run FFmpeg, upload outputs, report", RunNotBuilt},
    Command{"edge", "Delivery server for outputs; /premium/ paths need a JWT", RunNotBuilt},
    Command{"transcode", "Upload a video, follow its job, print the playable URLs", RunNotBuilt},
    Command{"status", "Show one job", RunNotBuilt},
    Command{"jobs", "List jobs", RunNotBuilt},
    Command{"cancel", "Cancel a job", RunNotBuilt},
    Command{"retry", "Put a failed or cancelled job back in the queue", RunNotBuilt},
    Command{"stats", "Machine pool and queue statistics", RunNotBuilt},
    Command{"token", "Mint a JWT for the edge (--premium for /premium/ paths)", RunNotBuilt},
    Command{"bench", "Benchmarks (bench queue, ...)", RunNotBuilt},
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
