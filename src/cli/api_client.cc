#include "cli/api_client.h"

#include <cstdlib>
#include <iostream>

#include "common/json_text.h"
#include "common/secrets.h"
#include "http/curl_transport.h"

namespace tcoder::cli {

void AddClientFlags(FlagSet& flags, ClientFlags& client) {
  flags.Add("server", client.server, "Control plane URL");
  flags.Add("api-key", client.api_key, "API key (default: the data dir's)");
  flags.AddFlag("json", client.json, "Print the API's JSON");
}

Result<std::string> ResolveApiKey(const ClientFlags& client, const CommonFlags& common) {
  if (!client.api_key.empty()) return client.api_key;
  auto secrets = LoadSecrets(common.data_dir);
  if (!secrets.ok())
    return Status(Code::kUnauthenticated, "no API key: give --api-key or run where the data dir (" + common.data_dir +
                                              ") has one (" + secrets.status().message() + ")");
  return secrets->api_key;
}

ApiClient::ApiClient(std::string server, std::string api_key, std::unique_ptr<http::HttpTransport> transport)
    : server_(std::move(server)), api_key_(std::move(api_key)), transport_(std::move(transport)) {
  while (!server_.empty() && server_.back() == '/') server_.pop_back();
  if (!transport_) transport_ = std::make_unique<http::CurlTransport>();
}

http::HttpRequest ApiClient::Request(const std::string& method, const std::string& path) const {
  http::HttpRequest req{.method = method, .url = server_ + path};
  // Who asks, for the control plane's log of operator actions.
  const char* user = std::getenv("USER");
  req.headers = {{"Authorization", "Bearer " + api_key_},
                 {"X-TCoder-Operator", std::string("tcoder-cli ") + (user != nullptr ? user : "")}};
  req.max_body_bytes = http::kNoBodyLimit;
  return req;
}

Result<ApiResponse> ApiClient::Call(const std::string& method, const std::string& path, const std::string& body) {
  http::HttpRequest req = Request(method, path);
  req.headers.emplace_back("Content-Type", "application/json");
  req.body = body;
  req.timeouts.total = std::chrono::seconds(30);
  auto response = transport_->Send(req);
  if (!response.ok()) return Unavailable("cannot reach " + server_ + ": " + response.status().message());
  ApiResponse out{response->status, nlohmann::json::parse(response->body, nullptr, false), response->body};
  if (out.body.is_discarded()) out.body = nullptr;
  return out;
}

Result<long> ApiClient::Stream(const std::string& path, const std::function<bool(std::string_view)>& on_piece) {
  http::HttpRequest req = Request("GET", path);
  req.headers.emplace_back("Accept", "text/event-stream");
  req.on_body = on_piece;
  // No overall timeout: the stream lasts as long as the job; a silent
  // connection (no heartbeat for 60 s) is given up.
  req.timeouts.low_speed_time = std::chrono::seconds(60);
  req.timeouts.low_speed_bytes = 1;
  auto response = transport_->Send(req);
  if (!response.ok()) return response.status();
  return response->status;
}

Result<ApiResponse> CallApi(const ClientFlags& client, const CommonFlags& common, const std::string& method,
                            const std::string& path, const std::string& body) {
  auto key = ResolveApiKey(client, common);
  if (!key.ok()) return key.status();
  ApiClient api(client.server, *key);
  return api.Call(method, path, body);
}

std::string ResponseError(const Result<ApiResponse>& response) {
  if (!response.ok()) return response.status().message();
  if (response->status >= 200 && response->status < 300) return "";
  const nlohmann::json& body = response->body;
  const bool has_error = body.is_object() && body.contains("error") && body["error"].is_string();
  return "HTTP " + std::to_string(response->status) + ": " +
         (has_error ? body["error"].get<std::string>() : response->raw);
}

int CheckResponse(const std::string& command, const Result<ApiResponse>& response) {
  const std::string error = ResponseError(response);
  if (error.empty()) return 0;
  std::cerr << "tcoder " << command << ": " << error << "\n";
  return response.ok() ? 3 : 1;
}

std::string Padded(const std::string& s, std::size_t width) {
  return s.size() >= width ? s + " " : s + std::string(width - s.size(), ' ');
}

std::string Field(const nlohmann::json& obj, const char* name) {
  if (!obj.is_object() || !obj.contains(name) || obj[name].is_null()) return "-";
  const auto& v = obj[name];
  return v.is_string() ? v.get<std::string>() : JsonText(v);
}

}  // namespace tcoder::cli
