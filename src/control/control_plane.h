// ControlPlane: the composition of `tcoder control` — the HTTP API, the job
// feed (SSE and endings), event intake, admission with the machine provider,
// the scheduler and client webhooks — started and stopped as one.
//
// Thread-safety: Start/Stop from one thread; the parts run their own threads.
#pragma once

#include <memory>
#include <string>

#include "common/status.h"
#include "control/options.h"

namespace tcoder::control {

class ControlPlane {
 public:
  // Checks the options, connects to Redis, binds the port and starts every
  // part. kInvalidArgument for bad options, kUnavailable when Redis is down.
  [[nodiscard]] static Result<std::unique_ptr<ControlPlane>> Start(ControlOptions options);
  ~ControlPlane();  // Stop()
  int port() const;
  // Stops the API (in-flight requests get their grace), then the parts, then
  // this plane's local machines.
  void Stop();

  struct Parts;

 private:
  explicit ControlPlane(std::unique_ptr<Parts> parts);
  std::unique_ptr<Parts> parts_;
};

}  // namespace tcoder::control
