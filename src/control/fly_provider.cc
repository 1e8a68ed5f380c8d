#include "control/fly_provider.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>

#include "common/log.h"
#include "storage/sigv4.h"

namespace tcoder::control {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;

constexpr char kIdKey[] = "tcoder_machine_id";
constexpr char kPrefixKey[] = "tcoder_prefix";

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

bool Mentions(const Status& s, std::string_view what) { return Lower(s.message()).find(what) != std::string::npos; }

// The pool id of a listed machine: its metadata's, else its name.
std::string PoolIdOf(const json& m) {
  const json& meta =
      m.contains("config") && m["config"].is_object() ? m["config"].value("metadata", json::object()) : json::object();
  if (meta.is_object() && meta.contains(kIdKey) && meta[kIdKey].is_string()) return meta[kIdKey].get<std::string>();
  return m.value("name", "");
}

std::string StateOf(const json& m) {
  const std::string state = m.value("state", "");
  return state == "suspended" ? "stopped" : state;
}

}  // namespace

Result<FlyGuest> ParseFlyGuest(std::string_view text) {
  FlyGuest g;
  const std::size_t a = text.find(':'), b = a == std::string_view::npos ? a : text.find(':', a + 1);
  const Status bad = InvalidArgument("--fly-guest must be <cpu kind>:<cpus>:<memory MB>, e.g. shared:2:2048");
  if (b == std::string_view::npos) return bad;
  g.cpu_kind = std::string(text.substr(0, a));
  const std::string_view cpus = text.substr(a + 1, b - a - 1), memory = text.substr(b + 1);
  if (g.cpu_kind != "shared" && g.cpu_kind != "performance") return bad;
  auto [p1, e1] = std::from_chars(cpus.data(), cpus.data() + cpus.size(), g.cpus);
  auto [p2, e2] = std::from_chars(memory.data(), memory.data() + memory.size(), g.memory_mb);
  if (e1 != std::errc() || p1 != cpus.data() + cpus.size() || e2 != std::errc() ||
      p2 != memory.data() + memory.size() || g.cpus < 1 || g.cpus > 64 || g.memory_mb < 256) {
    return bad;
  }
  return g;
}

bool IsCapacityError(const Status& status) {
  static constexpr std::array<std::string_view, 4> kPhrases = {"insufficient resources", "could not reserve resource",
                                                               "over the allowed quota", "no capacity"};
  return std::any_of(kPhrases.begin(), kPhrases.end(), [&](std::string_view p) { return Mentions(status, p); });
}

FlyProvider::FlyProvider(FlyProviderOptions options, std::shared_ptr<http::HttpTransport> transport)
    : options_(std::move(options)), api_(options_.api, std::move(transport)) {}

json FlyProvider::CreateBody(const std::string& id, const std::string& region) const {
  json env = json::object();
  for (const auto& [k, v] : options_.env) env[k] = v;
  env["TCODER_MACHINE_ID"] = id;
  json config = {
      {"image", options_.image},
      {"guest",
       {{"cpu_kind", options_.guest.cpu_kind}, {"cpus", options_.guest.cpus}, {"memory_mb", options_.guest.memory_mb}}},
      {"env", env},
      {"metadata", {{kIdKey, id}, {kPrefixKey, options_.prefix}}},
      {"restart", {{"policy", "no"}}},
      {"auto_destroy", false}};
  json body = {{"name", id}, {"config", config}};
  if (!region.empty()) body["region"] = region;
  return body;
}

void FlyProvider::Remember(const json& machine) {
  const std::string id = PoolIdOf(machine), fly = machine.value("id", "");
  if (id.empty() || fly.empty()) return;
  std::lock_guard lock(mu_);
  fly_ids_[id] = fly;
}

void FlyProvider::Forget(const std::string& id) {
  std::lock_guard lock(mu_);
  fly_ids_.erase(id);
}

Result<std::string> FlyProvider::FlyId(const std::string& id) {
  {
    std::lock_guard lock(mu_);
    if (auto it = fly_ids_.find(id); it != fly_ids_.end()) return it->second;
  }
  if (auto listed = List(); !listed.ok()) return listed.status();
  std::lock_guard lock(mu_);
  if (auto it = fly_ids_.find(id); it != fly_ids_.end()) return it->second;
  return NotFound("no Fly machine for pool machine " + id);
}

Status FlyProvider::Create(const std::string& id) {
  std::vector<std::string> regions = options_.regions;
  if (regions.empty()) regions.push_back("");
  Status last = Internal("no region to create in");
  for (std::size_t i = 0; i < regions.size(); ++i) {
    auto made = api_.Call("POST", "", CreateBody(id, regions[i]), "create", "");
    if (made.ok()) {
      Remember(*made);
      log::Info("fly machine created",
                {{"machineId", id}, {"flyId", made->value("id", "")}, {"region", made->value("region", "")}});
      return Status::Ok();
    }
    last = made.status();
    if (!IsCapacityError(last) || i + 1 == regions.size()) break;
    log::Warn("no capacity in region; trying the next",
              {{"machineId", id}, {"region", regions[i]}, {"error", last.message()}});
  }
  if (last.code() == Code::kConflict && Mentions(last, "already exists")) return Conflict(last.message());
  return last;
}

Status FlyProvider::Start(const std::string& id) {
  auto fly = FlyId(id);
  if (!fly.ok()) return fly.status();
  Status s;
  for (int i = 0; i <= options_.replacing_retries; ++i) {
    auto started = api_.Call("POST", "/" + *fly + "/start", nullptr, "start", *fly);
    s = started.status();
    if (s.ok() || !(s.code() == Code::kConflict && Mentions(s, "replac"))) break;
    api_.options().sleep(milliseconds(1000));  // being replaced: a second, then again
  }
  if (s.code() == Code::kNotFound) Forget(id);
  return s;
}

Status FlyProvider::Stop(const std::string& id) {
  auto fly = FlyId(id);
  if (!fly.ok()) return fly.status();
  const json body = {{"signal", "SIGTERM"}, {"timeout", std::to_string(options_.stop_timeout.count()) + "s"}};
  Status s = api_.Call("POST", "/" + *fly + "/stop", body, "stop", *fly).status();
  if (s.code() == Code::kNotFound) Forget(id);
  return s;
}

Status FlyProvider::Wait(const std::string& id, const std::string& state, milliseconds timeout) {
  auto fly = FlyId(id);
  if (!fly.ok()) return fly.status();
  std::string instance;
  if (state == "stopped") {  // the API wants the version to wait on
    auto machine = api_.Call("GET", "/" + *fly, nullptr, "get", *fly);
    if (!machine.ok()) return machine.status();
    instance = machine->value("instance_id", "");
  }
  // Until `timeout` has passed, by the clock or by the slices the API waited
  // out (each 408 is one).
  const auto end = std::chrono::steady_clock::now() + timeout;
  std::chrono::seconds waited{0};
  while (true) {
    const auto left = std::chrono::duration_cast<std::chrono::seconds>(end - std::chrono::steady_clock::now());
    const long slice = std::clamp<long>(left.count(), 1, 60);
    std::string path = "/" + *fly + "/wait?state=" + state + "&timeout=" + std::to_string(slice);
    if (!instance.empty()) path += "&instance_id=" + instance;
    Status s = api_.Call("GET", path, nullptr, "wait", *fly).status();
    if (s.code() != Code::kDeadlineExceeded) return s;
    waited += std::chrono::seconds(slice);
    if (std::chrono::steady_clock::now() >= end || waited >= timeout) {
      return Status(Code::kDeadlineExceeded, "machine " + id + " not " + state + " in time");
    }
  }
}

Result<std::vector<MachineInfo>> FlyProvider::List() {
  const std::string query =
      "?metadata." + std::string(kPrefixKey) + "=" + storage::sigv4::UriEncode(options_.prefix, true);
  auto listed = api_.Call("GET", query, nullptr, "list", "");
  if (!listed.ok()) return listed.status();
  if (!listed->is_array()) return Internal("list machines: the answer is not an array");
  std::vector<MachineInfo> out;
  for (const json& m : *listed) {
    if (!m.is_object()) continue;
    const std::string state = StateOf(m);
    if (state == "destroyed" || state == "destroying") continue;
    Remember(m);
    out.push_back(MachineInfo{PoolIdOf(m), state});
  }
  return out;
}

Status FlyProvider::Destroy(const std::string& id) {
  auto fly = FlyId(id);
  if (!fly.ok()) return fly.status();
  Status s = api_.Call("DELETE", "/" + *fly + "?force=true", nullptr, "destroy", *fly).status();
  if (s.ok() || s.code() == Code::kNotFound) Forget(id);
  if (s.ok()) log::Info("fly machine destroyed", {{"machineId", id}, {"flyId", *fly}});
  return s;
}

}  // namespace tcoder::control
