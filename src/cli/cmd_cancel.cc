// `tcoder cancel ID`: cancels a job (a running one stops within seconds).
#include <iostream>

#include "cli/api_client.h"
#include "cli/commands.h"
#include "common/json_text.h"

namespace tcoder::cli {

int RunCancel(int argc, char** argv) {
  FlagSet flags("cancel", "Cancel a job");
  ClientFlags client;
  std::string id;
  AddClientFlags(flags, client);
  flags.AddPositional("id", id, "Job id")->required();
  if (auto code = flags.Parse(argc, argv)) return *code;
  auto r = CallApi(client, flags.common(), "DELETE", "/api/jobs/" + id);
  if (int code = CheckResponse("cancel", r)) return code;
  if (client.json) {
    std::cout << JsonText(r->body) << "\n";
  } else if (r->status == 202) {
    std::cout << id << ": cancel requested; the worker stops it shortly\n";
  } else {
    std::cout << id << ": cancelled\n";
  }
  return 0;
}

}  // namespace tcoder::cli
