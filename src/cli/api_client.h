// ApiClient: the CLI's thin HTTP client of the control plane's API (libcurl),
// shared by `tcoder status`, `jobs`, `cancel`, `retry` and `stats`: the
// --server and --api-key flags (the key defaults to the data dir's), one
// JSON request, and the printing of errors.
// Thread-safety: one thread.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "cli/flags.h"
#include "common/status.h"

namespace tcoder::cli {

struct ClientFlags {
  std::string server = "http://127.0.0.1:8787";
  std::string api_key;
  bool json = false;
};

void AddClientFlags(FlagSet& flags, ClientFlags& client);

// The API key: --api-key (or TCODER_API_KEY / the config file), else the data
// dir's. kUnauthenticated when there is none.
[[nodiscard]] Result<std::string> ResolveApiKey(const ClientFlags& client, const CommonFlags& common);

struct ApiResponse {
  long status = 0;
  nlohmann::json body;  // null when the body is not JSON
  std::string raw;
};

// Sends `method path` with an optional JSON body. Errors: the server cannot
// be reached, or no API key (none given and none in the data dir).
[[nodiscard]] Result<ApiResponse> CallApi(const ClientFlags& client, const CommonFlags& common,
                                          const std::string& method, const std::string& path,
                                          const std::string& body = "");

// Runs a call and handles failures for a command: prints the error and
// returns the exit code (1: request failed, 3: the API said no) or 0.
int CheckResponse(const std::string& command, const Result<ApiResponse>& response);

// A field of a JSON object as text for readable output ("-" when absent or null).
std::string Field(const nlohmann::json& obj, const char* name);

}  // namespace tcoder::cli
