// `tcoder retry ID`: puts a failed or cancelled job back in the queue.
#include <iostream>

#include "cli/api_client.h"
#include "cli/commands.h"
#include "common/json_text.h"

namespace tcoder::cli {

int RunRetry(int argc, char** argv) {
  FlagSet flags("retry", "Put a failed or cancelled job back in the queue");
  ClientFlags client;
  std::string id;
  AddClientFlags(flags, client);
  flags.AddPositional("id", id, "Job id")->required();
  if (auto code = flags.Parse(argc, argv)) return *code;
  auto r = CallApi(client, flags.common(), "POST", "/api/jobs/" + id + "/retry");
  if (int code = CheckResponse("retry", r)) return code;
  if (client.json) {
    std::cout << JsonText(r->body) << "\n";
  } else {
    std::cout << id << ": " << Field(r->body, "status") << "\n";
  }
  return 0;
}

}  // namespace tcoder::cli
