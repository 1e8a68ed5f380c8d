// `tcoder status ID`: one job, readable or as the API's JSON (--json).
#include <iostream>

#include "cli/api_client.h"
#include "cli/commands.h"
#include "common/json_text.h"

namespace tcoder::cli {

int RunStatus(int argc, char** argv) {
  FlagSet flags("status", "Show one job");
  ClientFlags client;
  std::string id;
  AddClientFlags(flags, client);
  flags.AddPositional("id", id, "Job id")->required();
  if (auto code = flags.Parse(argc, argv)) return *code;
  auto r = CallApi(client, flags.common(), "GET", "/api/jobs/" + id);
  if (int code = CheckResponse("status", r)) return code;
  const auto& j = r->body;
  if (client.json) {
    std::cout << JsonText(j) << "\n";
    return 0;
  }
  std::cout << "job       " << Field(j, "jobId") << "\n"
            << "status    " << Field(j, "status") << " (" << Field(j, "progress") << "%)\n"
            << "file      " << Field(j, "filename") << "  preset " << Field(j, "preset") << "\n"
            << "attempts  " << Field(j, "attempts") << "  machine " << Field(j, "machineId") << "\n";
  if (j.contains("timestamps") && j["timestamps"].is_object())
    for (const char* t : {"createdAt", "uploadedAt", "queuedAt", "startedAt", "completedAt"})
      if (!j["timestamps"][t].is_null()) std::cout << "  " << t << " " << Field(j["timestamps"], t) << "\n";
  if (!j["error"].is_null()) std::cout << "error     " << Field(j, "error") << "\n";
  if (!j["playlistUrl"].is_null()) std::cout << "playlist  " << Field(j, "playlistUrl") << "\n";
  if (j.contains("dashUrl")) std::cout << "dash      " << Field(j, "dashUrl") << "\n";
  if (!j["posterUrl"].is_null()) std::cout << "poster    " << Field(j, "posterUrl") << "\n";
  if (j["outputs"].is_array())
    for (const auto& o : j["outputs"]) std::cout << "  " << Field(o, "quality") << "  " << Field(o, "url") << "\n";
  return 0;
}

}  // namespace tcoder::cli
