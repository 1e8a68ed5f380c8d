// `tcoder stats`: the machine pool and the queue.
#include <iostream>

#include "cli/api_client.h"
#include "cli/commands.h"
#include "common/json_text.h"

namespace tcoder::cli {

int RunStats(int argc, char** argv) {
  FlagSet flags("stats", "Machine pool and queue statistics");
  ClientFlags client;
  AddClientFlags(flags, client);
  if (auto code = flags.Parse(argc, argv)) return *code;
  auto r = CallApi(client, flags.common(), "GET", "/api/stats");
  if (int code = CheckResponse("stats", r)) return code;
  const auto& s = r->body;
  if (client.json) {
    std::cout << JsonText(s) << "\n";
    return 0;
  }
  const auto& m = s["machines"];
  std::cout << "machines  running " << Field(m, "running") << ", idle " << Field(m, "idle") << ", starting "
            << Field(m, "starting") << ", stopped " << Field(m, "stopped") << " (max " << Field(m, "max")
            << ", capacity available " << Field(m, "capacityAvailable") << ")\n"
            << "jobs      pending " << Field(s, "pendingJobs") << ", active " << Field(s, "activeJobs") << "\n";
  if (s["activeJobIds"].is_array())
    for (const auto& id : s["activeJobIds"]) std::cout << "  " << id.get<std::string>() << "\n";
  return 0;
}

}  // namespace tcoder::cli
