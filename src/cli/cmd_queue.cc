// `tcoder queue`: ready jobs in claim order, delayed retries and running jobs
// (GET /api/queue).
#include <iostream>

#include "cli/api_client.h"
#include "cli/commands.h"
#include "common/json_text.h"

namespace tcoder::cli {
namespace {

void PrintJobs(const char* title, const nlohmann::json& part, const std::vector<const char*>& fields) {
  std::cout << title << " " << Field(part, "count") << "\n";
  for (const auto& j : part["jobs"]) {
    std::cout << "  " << Padded(Field(j, "jobId"), 26);
    for (const char* f : fields) std::cout << f << " " << Padded(Field(j, f), 12);
    std::cout << Field(j, "filename") << "\n";
  }
}

}  // namespace

int RunQueue(int argc, char** argv) {
  FlagSet flags("queue", "The queue: ready jobs in claim order, delayed retries, running jobs");
  ClientFlags client;
  AddClientFlags(flags, client);
  int limit = 100;
  flags.Add("limit", limit, "jobs shown of each part (1-1000)");
  if (auto code = flags.Parse(argc, argv)) return *code;
  auto r = CallApi(client, flags.common(), "GET", "/api/queue?limit=" + std::to_string(limit));
  if (int code = CheckResponse("queue", r)) return code;
  if (client.json) {
    std::cout << JsonText(r->body) << "\n";
    return 0;
  }
  PrintJobs("ready", r->body["ready"], {"priority", "waitMs"});
  PrintJobs("delayed", r->body["delayed"], {"dueAt"});
  PrintJobs("running", r->body["running"], {"machineId", "progress"});
  return 0;
}

}  // namespace tcoder::cli
