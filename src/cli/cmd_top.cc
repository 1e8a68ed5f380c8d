// `tcoder top`: a live view of the system (machines, queue, throughput),
// sampled every --interval from GET /api/machines, GET /api/queue and the
// completed-jobs gauge of /metrics. On a terminal it redraws in place (ANSI:
// cursor home, clear to the end); piped, it prints one plain line per sample;
// with --json, one JSON object per line. --count N stops after N samples.
#include <sys/ioctl.h>
#include <unistd.h>

#include <csignal>
#include <iostream>
#include <optional>
#include <sstream>
#include <thread>

#include "cli/api_client.h"
#include "cli/commands.h"
#include "cli/top_view.h"
#include "common/duration.h"
#include "common/json_text.h"

namespace tcoder::cli {
namespace {

volatile std::sig_atomic_t g_interrupted = 0;
void OnInterrupt(int) { g_interrupted = 1; }

// `tcoder_jobs{status="completed"} N` from /metrics' text, or nullopt.
std::optional<double> CompletedJobs(const std::string& metrics) {
  std::istringstream in(metrics);
  std::string line;
  const std::string name = "tcoder_jobs{status=\"completed\"} ";
  while (std::getline(in, line)) {
    if (line.rfind(name, 0) == 0) return std::stod(line.substr(name.size()));
  }
  return std::nullopt;
}

struct Terminal {
  bool tty = false;
  int rows = 24, cols = 80;
  void Measure() {
    winsize ws{};
    if (tty && ::ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0) {
      rows = ws.ws_row;
      cols = ws.ws_col;
    }
  }
};

}  // namespace

int RunTop(int argc, char** argv) {
  FlagSet flags("top", "A live view of machines, queue and throughput");
  ClientFlags client;
  Duration interval{std::chrono::seconds(2)};
  int count = 0;
  AddClientFlags(flags, client);
  flags.Add("interval", interval, "Time between samples");
  flags.Add("count", count, "Stop after this many samples (0: until Ctrl-C)");
  if (auto code = flags.Parse(argc, argv)) return *code;
  auto key = ResolveApiKey(client, flags.common());
  if (!key.ok()) {
    std::cerr << "tcoder top: " << key.status().message() << "\n";
    return 1;
  }
  ApiClient api(client.server, *key);
  Terminal term{.tty = !client.json && ::isatty(STDOUT_FILENO) == 1};
  std::signal(SIGINT, OnInterrupt);
  std::signal(SIGTERM, OnInterrupt);
  if (term.tty) std::cout << "\x1b[?25l";                         // cursor hidden while redrawing
  std::optional<std::pair<std::int64_t, double>> last_completed;  // (at, count)
  int code = 0;
  for (int n = 0; (count == 0 || n < count) && !g_interrupted; ++n) {
    if (n > 0) {
      const auto until = std::chrono::steady_clock::now() + interval.value;
      while (std::chrono::steady_clock::now() < until && !g_interrupted)
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      if (g_interrupted) break;
    }
    auto machines = api.Call("GET", "/api/machines");
    auto queue = api.Call("GET", "/api/queue?limit=10");
    if (int c = CheckResponse("top", machines) + CheckResponse("top", queue); c != 0) {
      code = machines.ok() && queue.ok() ? 3 : 1;
      break;
    }
    TopSample sample{UnixMillis(), machines->body, queue->body, 0};
    auto metrics = api.Call("GET", "/metrics");
    if (metrics.ok() && metrics->status == 200) {
      if (auto done = CompletedJobs(metrics->raw)) {
        if (last_completed && sample.at_ms > last_completed->first) {
          const double per_ms = (*done - last_completed->second) / double(sample.at_ms - last_completed->first);
          sample.completed_per_min = std::max(0.0, per_ms * 60000.0);
        }
        last_completed = {sample.at_ms, *done};
      }
    }
    if (client.json) {
      std::cout << JsonText({{"at", IsoTimestamp(sample.at_ms)},
                             {"machines", sample.machines},
                             {"queue", sample.queue},
                             {"completedPerMinute", sample.completed_per_min}})
                << std::endl;
    } else if (term.tty) {
      term.Measure();
      std::cout << "\x1b[H" << RenderTopScreen(sample, term.rows - 1, term.cols) << "\x1b[J" << std::flush;
    } else {
      std::cout << RenderTopLine(sample) << std::endl;
    }
  }
  if (term.tty) std::cout << "\x1b[?25h" << std::flush;
  return code;
}

}  // namespace tcoder::cli
