// `tcoder machines`: the machine pool, each machine's state, job and lease
// (GET /api/machines); `tcoder machines ACTION ID`: an operator's action on
// one machine (drain, start, stop, destroy: POST /api/machines/{id}/ACTION).
#include <iostream>

#include "cli/api_client.h"
#include "cli/commands.h"
#include "common/json_text.h"

namespace tcoder::cli {

namespace {

int Act(const ClientFlags& client, const CommonFlags& common, const std::string& action, const std::string& id,
        const std::string& reason) {
  if (action != "drain" && action != "start" && action != "stop" && action != "destroy") {
    std::cerr << "tcoder machines: unknown action \"" << action << "\" (drain, start, stop or destroy)\n";
    return 2;
  }
  if (id.empty()) {
    std::cerr << "tcoder machines " << action << ": give the machine id\n";
    return 2;
  }
  const std::string body = reason.empty() ? "" : JsonText(nlohmann::json{{"reason", reason}});
  auto r = CallApi(client, common, "POST", "/api/machines/" + id + "/" + action, body);
  if (int code = CheckResponse("machines " + action, r)) return code;
  if (client.json) {
    std::cout << JsonText(r->body) << "\n";
    return 0;
  }
  std::cout << id << ": " << action << " done (was " << Field(r->body, "was") << ", now " << Field(r->body, "state")
            << (r->body.value("draining", false) ? ", draining" : "") << ")\n";
  return 0;
}

}  // namespace

int RunMachines(int argc, char** argv) {
  FlagSet flags("machines", "The machine pool; or an action on one machine: drain | start | stop | destroy ID");
  ClientFlags client;
  std::string action, id, reason;
  AddClientFlags(flags, client);
  flags.AddPositional("action", action, "drain | start | stop | destroy (none: list the pool)");
  flags.AddPositional("id", id, "Machine id (with an action)");
  flags.Add("reason", reason, "Why (kept in the log; destroy: on the job it requeues)");
  if (auto code = flags.Parse(argc, argv)) return *code;
  if (!action.empty()) return Act(client, flags.common(), action, id, reason);
  auto r = CallApi(client, flags.common(), "GET", "/api/machines");
  if (int code = CheckResponse("machines", r)) return code;
  if (client.json) {
    std::cout << JsonText(r->body) << "\n";
    return 0;
  }
  const auto& machines = r->body["machines"];
  std::cout << machines.size() << " machines (max " << Field(r->body, "max") << ")\n";
  for (const auto& m : machines) {
    std::cout << "  " << Padded(Field(m, "machineId"), 22) << Padded(Field(m, "state"), 9)
              << (m.value("draining", false) ? "draining " : "") << "done " << Padded(Field(m, "jobsDone"), 5);
    if (m["jobId"].is_string()) {
      std::cout << "job " << Field(m, "jobId") << " " << Field(m, "progress") << "%, lease until "
                << Field(m, "leaseUntil");
    } else if (m["state"] == "idle") {
      std::cout << "idle since " << Field(m, "idleSince") << ", stops at " << Field(m, "stopsAt");
    } else {
      std::cout << "last active " << Field(m, "lastActiveAt");
    }
    if (m["lastError"].is_string()) std::cout << "  last error: " << Field(m, "lastError");
    std::cout << "\n";
  }
  return 0;
}

}  // namespace tcoder::cli
