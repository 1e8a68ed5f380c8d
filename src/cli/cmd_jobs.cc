// `tcoder jobs`: lists jobs, newest first (--status, --limit, --cursor).
#include <cstdio>
#include <iostream>

#include "cli/api_client.h"
#include "cli/commands.h"
#include "common/json_text.h"

namespace tcoder::cli {

int RunJobs(int argc, char** argv) {
  FlagSet flags("jobs", "List jobs");
  ClientFlags client;
  std::string status, cursor;
  int limit = 20;
  AddClientFlags(flags, client);
  flags.Add("status", status, "Only jobs with this status");
  flags.Add("limit", limit, "Jobs per page (1-1000)");
  flags.Add("cursor", cursor, "Cursor of the next page (from a previous listing)");
  if (auto code = flags.Parse(argc, argv)) return *code;
  std::string path = "/api/jobs?limit=" + std::to_string(limit);
  if (!status.empty()) path += "&status=" + status;
  if (!cursor.empty()) path += "&cursor=" + cursor;
  auto r = CallApi(client, flags.common(), "GET", path);
  if (int code = CheckResponse("jobs", r)) return code;
  if (client.json) {
    std::cout << JsonText(r->body) << "\n";
    return 0;
  }
  std::printf("%-26s %-10s %5s  %-14s %s\n", "JOB", "STATUS", "PROG", "PRESET", "FILE");
  for (const auto& j : r->body["jobs"]) {
    std::printf("%-26s %-10s %4s%%  %-14s %s\n", Field(j, "jobId").c_str(), Field(j, "status").c_str(),
                Field(j, "progress").c_str(), Field(j, "preset").c_str(), Field(j, "filename").c_str());
  }
  if (!r->body["nextCursor"].is_null()) std::cout << "more: --cursor " << Field(r->body, "nextCursor") << "\n";
  return 0;
}

}  // namespace tcoder::cli
