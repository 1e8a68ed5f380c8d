// `tcoder machines`: the machine pool, each machine's state, job and lease
// (GET /api/machines).
#include <iostream>

#include "cli/api_client.h"
#include "cli/commands.h"
#include "common/json_text.h"

namespace tcoder::cli {

int RunMachines(int argc, char** argv) {
  FlagSet flags("machines", "The machine pool: each machine's state, job and lease");
  ClientFlags client;
  AddClientFlags(flags, client);
  if (auto code = flags.Parse(argc, argv)) return *code;
  auto r = CallApi(client, flags.common(), "GET", "/api/machines");
  if (int code = CheckResponse("machines", r)) return code;
  if (client.json) {
    std::cout << JsonText(r->body) << "\n";
    return 0;
  }
  const auto& machines = r->body["machines"];
  std::cout << machines.size() << " machines (max " << Field(r->body, "max") << ")\n";
  for (const auto& m : machines) {
    std::cout << "  " << Padded(Field(m, "machineId"), 22) << Padded(Field(m, "state"), 9);
    if (m["jobId"].is_string()) {
      std::cout << "job " << Field(m, "jobId") << " " << Field(m, "progress") << "%, lease until "
                << Field(m, "leaseUntil");
    } else if (m["state"] == "idle") {
      std::cout << "idle since " << Field(m, "idleSince") << ", stops at " << Field(m, "stopsAt");
    } else {
      std::cout << "last active " << Field(m, "lastActiveAt");
    }
    std::cout << "\n";
  }
  return 0;
}

}  // namespace tcoder::cli
