#include "control/fly_machines_api.h"

#include <algorithm>
#include <random>
#include <thread>

namespace tcoder::control {
namespace {

using std::chrono::milliseconds;

Code CodeFor(long status) {
  switch (status) {
    case 400:
    case 422:
      return Code::kInvalidArgument;
    case 401:
      return Code::kUnauthenticated;
    case 403:
      return Code::kPermissionDenied;
    case 404:
      return Code::kNotFound;
    case 408:
      return Code::kDeadlineExceeded;
    case 409:
    case 412:
      return Code::kConflict;
    default:
      return status == 429 || status >= 500 ? Code::kUnavailable : Code::kInternal;
  }
}

bool Retryable(long status) { return status == 429 || status >= 500; }

// The answer's `error` text, or the body itself cut short.
std::string ErrorText(std::string_view body) {
  const auto j = nlohmann::json::parse(body, nullptr, false);
  if (j.is_object() && j.contains("error") && j["error"].is_string()) return j["error"].get<std::string>();
  return std::string(body.substr(0, 200));
}

}  // namespace

Status FlyError(long http_status, std::string_view body, std::string_view what) {
  return Status(CodeFor(http_status),
                std::string(what) + ": HTTP " + std::to_string(http_status) + ": " + ErrorText(body));
}

FlyMachinesApi::FlyMachinesApi(FlyApiOptions options, std::shared_ptr<http::HttpTransport> transport)
    : options_(std::move(options)), transport_(std::move(transport)) {
  while (!options_.api_url.empty() && options_.api_url.back() == '/') options_.api_url.pop_back();
  if (!options_.sleep) options_.sleep = [](milliseconds d) { std::this_thread::sleep_for(d); };
}

void FlyMachinesApi::TakeToken(std::string_view action, std::string_view machine) {
  if (!options_.rate_limits) return;
  TokenBucket* bucket = nullptr;
  {
    std::lock_guard lock(mu_);
    auto& slot = buckets_[std::string(action) + "/" + std::string(machine)];
    if (!slot) slot = action == "get" ? std::make_unique<TokenBucket>(5, 5) : std::make_unique<TokenBucket>(1, 3);
    bucket = slot.get();
  }
  milliseconds wait{0};
  while (!bucket->TryTake(&wait)) options_.sleep(std::max(wait, milliseconds(1)));
}

milliseconds FlyMachinesApi::Backoff(int attempt, const http::HttpResponse* response) {
  if (response != nullptr) {
    const std::string after = response->Header("retry-after");
    if (!after.empty() && std::all_of(after.begin(), after.end(), [](char c) { return c >= '0' && c <= '9'; }) &&
        after.size() < 5) {
      return std::min(milliseconds(std::stoi(after) * 1000), options_.max_backoff);
    }
  }
  const milliseconds grown = options_.backoff * (1LL << std::min(attempt, 10));
  const milliseconds cap = std::min(options_.max_backoff, grown);
  thread_local std::mt19937 rng{std::random_device{}()};
  std::uniform_int_distribution<long long> jitter(cap.count() / 2, std::max<long long>(cap.count(), 1));
  return milliseconds(jitter(rng));  // "equal jitter": half fixed, half random
}

Result<nlohmann::json> FlyMachinesApi::Call(std::string_view method, std::string_view path, const nlohmann::json& body,
                                            std::string_view action, std::string_view machine) {
  http::HttpRequest request;
  request.method = std::string(method);
  request.url = options_.api_url + "/v1/apps/" + options_.app + "/machines" + std::string(path);
  request.headers = {{"Authorization", "Bearer " + options_.token}, {"Accept", "application/json"}};
  if (!body.is_null()) {
    request.headers.emplace_back("Content-Type", "application/json");
    request.body = body.dump();
  }
  request.timeouts.total = options_.request_timeout;
  const std::string what =
      std::string(method) + " " + std::string(action) + (machine.empty() ? "" : " ") + std::string(machine);
  Status last = Unavailable(what + ": not sent");
  for (int attempt = 0; attempt < std::max(1, options_.max_attempts); ++attempt) {
    TakeToken(action, machine);
    auto response = transport_->Send(request);
    if (!response.ok()) {
      last = response.status().WithContext(what);
      if (response.status().code() != Code::kUnavailable) return last;
      options_.sleep(Backoff(attempt, nullptr));
      continue;
    }
    if (response->ok()) {
      if (response->body.empty()) return nlohmann::json();
      auto j = nlohmann::json::parse(response->body, nullptr, false);
      if (j.is_discarded()) return Internal(what + ": the answer is not JSON");
      return j;
    }
    last = FlyError(response->status, response->body, what);
    if (!Retryable(response->status)) return last;
    options_.sleep(Backoff(attempt, &*response));
  }
  return last;
}

}  // namespace tcoder::control
