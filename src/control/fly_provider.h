// FlyProvider: machines as Fly.io Machines (`--provider fly`), through the
// Machines API (fly_machines_api.h). A pool machine is a Fly Machine named
// after its pool id and tagged in `config.metadata` with it
// (`tcoder_machine_id`) and the deployment (`tcoder_prefix`), so List sees
// only this deployment's machines and the pool id survives a restart of the
// control plane. Every control plane sees the same machines (scope "").
//
//   Create  -> POST   machines {name, region, config: {image, guest, env,
//              metadata, restart: {policy: "no"}, auto_destroy: false}}, the
//              regions tried in order: a capacity error ("insufficient
//              resources", "could not reserve resource", "over the allowed
//              quota", "no capacity") moves on to the next one.
//   Start   -> POST   machines/{id}/start; a 412 while the machine is being
//              replaced is retried.
//   Stop    -> POST   machines/{id}/stop {signal: "SIGTERM", timeout}
//   Wait    -> GET    machines/{id}/wait?state=&timeout= (at most 60 s a
//              slice, with the instance_id for "stopped"); 408 waits on.
//   List    -> GET    machines?metadata.tcoder_prefix=<prefix>
//   Destroy -> DELETE machines/{id}?force=true
//
// `config.env` carries non-secret settings only (the pool id, endpoints, log
// level); secrets come from the app's Fly secrets. Thread-safety: every
// method is thread-safe.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "control/fly_machines_api.h"
#include "control/machine_provider.h"

namespace tcoder::control {

struct FlyGuest {
  std::string cpu_kind = "shared";  // shared | performance
  int cpus = 2;
  int memory_mb = 2048;
};

// "shared:2:2048" (cpu kind, cpus, memory MB). Errors: kInvalidArgument.
Result<FlyGuest> ParseFlyGuest(std::string_view text);

struct FlyProviderOptions {
  FlyApiOptions api;
  std::string image;                 // the worker image (deploy/fly/Dockerfile)
  std::vector<std::string> regions;  // in order of preference; empty: Fly's choice
  FlyGuest guest;
  std::map<std::string, std::string> env;  // non-secret worker settings (TCODER_*)
  std::string prefix;                      // the deployment (the Redis key prefix)
  std::chrono::seconds stop_timeout{35};   // SIGKILL after it: the worker's grace and a margin
  int replacing_retries = 10;              // 412 "being replaced" on start
};

class FlyProvider : public MachineProvider {
 public:
  FlyProvider(FlyProviderOptions options, std::shared_ptr<http::HttpTransport> transport);

  Status Create(const std::string& id) override;
  Status Start(const std::string& id) override;
  Status Stop(const std::string& id) override;
  Status Wait(const std::string& id, const std::string& state, std::chrono::milliseconds timeout) override;
  // This deployment's machines with their pool ids and Fly states (created,
  // starting, started, stopping, stopped, failed, replacing, ...; suspended
  // reads "stopped"); destroyed ones are left out.
  Result<std::vector<MachineInfo>> List() override;
  Status Destroy(const std::string& id) override;
  std::string scope() const override { return ""; }

  // The create request's body for pool machine `id` in `region` ("" for any).
  nlohmann::json CreateBody(const std::string& id, const std::string& region) const;

 private:
  // The Fly id of pool machine `id`, listing once when it is not known yet.
  Result<std::string> FlyId(const std::string& id);
  void Remember(const nlohmann::json& machine);
  void Forget(const std::string& id);

  FlyProviderOptions options_;
  FlyMachinesApi api_;
  std::mutex mu_;
  std::map<std::string, std::string> fly_ids_;  // pool id -> Fly machine id
};

// True for the API's answers that mean "no room here, try elsewhere".
bool IsCapacityError(const Status& status);

}  // namespace tcoder::control
