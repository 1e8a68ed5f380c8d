// MachineProvider: how the control plane creates, starts, stops, waits for,
// lists and destroys compute machines. The pool (state::MachinePool) decides;
// a provider carries the decision out. Machine ids are the pool's.
//
// Shaped after the Fly.io Machines API, which maps one call to one request:
//   Create  -> POST   /v1/apps/{app}/machines  {name: id, config: {image, env: {TCODER_MACHINE_ID: id, ...}}}
//   Start   -> POST   /v1/apps/{app}/machines/{fly id}/start
//   Stop    -> POST   /v1/apps/{app}/machines/{fly id}/stop   {signal: "SIGTERM", timeout}
//   Wait    -> GET    /v1/apps/{app}/machines/{fly id}/wait?state=stopped&timeout=
//   List    -> GET    /v1/apps/{app}/machines  (fly id <-> pool id through the machine name)
//   Destroy -> DELETE /v1/apps/{app}/machines/{fly id}?force=true
// Thread-safety: implementations are thread-safe.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "common/status.h"

namespace tcoder::control {

struct MachineInfo {
  std::string id;
  std::string state;  // "started" | "stopping" | "stopped"
};

class MachineProvider {
 public:
  virtual ~MachineProvider() = default;
  // A new machine, booting. kConflict when the id exists.
  [[nodiscard]] virtual Status Create(const std::string& id) = 0;
  // Boots a stopped machine again. kNotFound for an unknown id.
  [[nodiscard]] virtual Status Start(const std::string& id) = 0;
  // Asks a machine to stop gracefully (SIGTERM); returns at once.
  [[nodiscard]] virtual Status Stop(const std::string& id) = 0;
  // Waits up to `timeout` for the machine to be `state`; kDeadlineExceeded.
  [[nodiscard]] virtual Status Wait(const std::string& id, const std::string& state,
                                    std::chrono::milliseconds timeout) = 0;
  [[nodiscard]] virtual Result<std::vector<MachineInfo>> List() = 0;
  // Removes the machine, stopping it by force if needed.
  [[nodiscard]] virtual Status Destroy(const std::string& id) = 0;
  // "" when every control plane sees the same machines (a cloud API); else a
  // name for this process's own machines (local child processes).
  virtual std::string scope() const = 0;
};

}  // namespace tcoder::control
