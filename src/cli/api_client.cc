#include "cli/api_client.h"

#include <curl/curl.h>

#include <iostream>
#include <memory>

#include "common/json_text.h"
#include "common/secrets.h"

namespace tcoder::cli {
namespace {

size_t Collect(char* data, size_t size, size_t n, void* out) {
  static_cast<std::string*>(out)->append(data, size * n);
  return size * n;
}

}  // namespace

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

Result<ApiResponse> CallApi(const ClientFlags& client, const CommonFlags& common, const std::string& method,
                            const std::string& path, const std::string& body) {
  auto resolved = ResolveApiKey(client, common);
  if (!resolved.ok()) return resolved.status();
  const std::string& key = *resolved;
  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(), curl_easy_cleanup);
  if (!curl) return Internal("curl_easy_init failed");
  std::string server = client.server;
  while (!server.empty() && server.back() == '/') server.pop_back();
  std::string url = server + path;
  std::string auth = "Authorization: Bearer " + key;
  curl_slist* headers = curl_slist_append(nullptr, auth.c_str());
  headers = curl_slist_append(headers, "Content-Type: application/json");
  ApiResponse out;
  CURL* c = curl.get();
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method.c_str());
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
  if (!body.empty() || method == "POST") {
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body.c_str());
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  }
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, Collect);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &out.raw);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, 5000L);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 30000L);
  CURLcode rc = curl_easy_perform(c);
  curl_slist_free_all(headers);
  if (rc != CURLE_OK) return Unavailable("cannot reach " + server + ": " + curl_easy_strerror(rc));
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &out.status);
  out.body = nlohmann::json::parse(out.raw, nullptr, false);
  if (out.body.is_discarded()) out.body = nullptr;
  return out;
}

int CheckResponse(const std::string& command, const Result<ApiResponse>& response) {
  if (!response.ok()) {
    std::cerr << "tcoder " << command << ": " << response.status().message() << "\n";
    return 1;
  }
  if (response->status >= 200 && response->status < 300) return 0;
  std::string message = response->body.is_object() ? response->body.value("error", response->raw) : response->raw;
  std::cerr << "tcoder " << command << ": HTTP " << response->status << ": " << message << "\n";
  return 3;
}

std::string Field(const nlohmann::json& obj, const char* name) {
  if (!obj.is_object() || !obj.contains(name) || obj[name].is_null()) return "-";
  const auto& v = obj[name];
  return v.is_string() ? v.get<std::string>() : JsonText(v);
}

}  // namespace tcoder::cli
