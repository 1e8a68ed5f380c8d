// ApiClient: the CLI's thin HTTP client of the control plane's API (through
// an http::HttpTransport), shared by `tcoder status`, `jobs`, `cancel`,
// `retry`, `stats` and `transcode`: the --server and --api-key flags (the key
// defaults to the data dir's), one JSON request, and the printing of errors.
// Thread-safety: one thread.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "cli/flags.h"
#include "common/status.h"
#include "http/transport.h"

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

class ApiClient {
 public:
  // `server` is the control plane's URL; transport: null for libcurl.
  ApiClient(std::string server, std::string api_key, std::unique_ptr<http::HttpTransport> transport = nullptr);

  // Sends `method path` with an optional JSON body; any HTTP status is a
  // response. kUnavailable when the server cannot be reached.
  [[nodiscard]] Result<ApiResponse> Call(const std::string& method, const std::string& path,
                                         const std::string& body = "");
  // GETs `path` as a text/event-stream, handing each piece to `on_piece`
  // until it returns false or the stream ends (a silent minute ends it too).
  // Returns the HTTP status; kCancelled when on_piece stopped it.
  [[nodiscard]] Result<long> Stream(const std::string& path, const std::function<bool(std::string_view)>& on_piece);

  const std::string& server() const { return server_; }

 private:
  http::HttpRequest Request(const std::string& method, const std::string& path) const;

  std::string server_;  // no trailing slash
  std::string api_key_;
  std::unique_ptr<http::HttpTransport> transport_;
};

// Sends `method path` with an optional JSON body. Errors: the server cannot
// be reached, or no API key (none given and none in the data dir).
[[nodiscard]] Result<ApiResponse> CallApi(const ClientFlags& client, const CommonFlags& common,
                                          const std::string& method, const std::string& path,
                                          const std::string& body = "");

// What went wrong with a call, for a person: "" for a 2xx answer; else the
// transport's error, or "HTTP <status>: <the API's error or the raw body>".
std::string ResponseError(const Result<ApiResponse>& response);

// Runs a call and handles failures for a command: prints the error and
// returns the exit code (1: request failed, 3: the API said no) or 0.
int CheckResponse(const std::string& command, const Result<ApiResponse>& response);

// A field of a JSON object as text for readable output ("-" when absent or null).
std::string Field(const nlohmann::json& obj, const char* name);
// `s` padded with spaces to `width` (and one space after it when longer): a column.
std::string Padded(const std::string& s, std::size_t width);

}  // namespace tcoder::cli
