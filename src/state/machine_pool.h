// MachinePool: the compute machines (starting | running | idle | stopped, with
// lastActiveAt) and admission, one atomic decision under any concurrency.
//
// Admit() looks at the ready queue: enough idle or starting machines ->
// kIdleAvailable; else a stopped one is restarted (kStart); else a new one is
// registered while the pool is under max (kCreate); else kWait. The pool never
// exceeds max machines. Thread-safety: none; one RedisClient per thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"
#include "state/keys.h"
#include "state/redis_client.h"
#include "state/script_reply.h"

namespace tcoder::state {

enum class MachineState { kStarting, kRunning, kIdle, kStopped };
std::string_view MachineStateName(MachineState state);

struct Admission {
  enum class Decision { kIdleAvailable, kStart, kCreate, kWait };
  Decision decision = Decision::kWait;
  std::string machine_id;  // kStart: the stopped machine now starting; kCreate: the new one
};

struct Machine {
  std::string id;
  std::string state;
  std::int64_t created_at_ms = 0;
  std::int64_t last_active_at_ms = 0;
  std::string job_id;          // the job it runs, if any
  std::string owner;           // the control plane (provider scope) that started it; "" if none or shared
  bool draining = false;       // an operator drains it: it claims no more jobs
  std::int64_t jobs_done = 0;  // jobs it completed
  std::string last_error;      // the reason of the last attempt that failed on it
};

// An operator's action on one machine (machine_action.lua).
enum class MachineAction { kDrain, kStart, kStop, kDestroy };
std::string_view MachineActionName(MachineAction action);

struct MachineActionResult {
  std::string was;           // its state before
  std::string requeued_job;  // kDestroy: the job it held, now back in the queue
};

class MachinePool {
 public:
  MachinePool(RedisClient& redis, Keys keys);

  // The decision for the jobs now ready; kCreate registers the new machine
  // (id "m_" + random) as starting, kStart marks the stopped one starting;
  // either records `owner` (the provider scope that will run it).
  Result<Admission> Admit(int max_machines, const std::string& owner = "");
  // A lifecycle step (see docs/state.md); kConflict for a forbidden one.
  Status SetState(const std::string& machine_id, MachineState state);
  // running | idle -> stopped for a machine whose process is gone, only while
  // its state and owner are still `seen`'s. False when they changed.
  Result<bool> MarkGone(const Machine& seen);
  // Adds a machine that is not in the pool yet (a worker started by hand) as
  // running. False when it was there already: nothing changed.
  Result<bool> Register(const std::string& machine_id);
  // Removes a machine from the pool (its provider deleted it).
  Status Forget(const std::string& machine_id);
  // One operator action, one atomic step: kDrain (not stopped: it finishes
  // its job and claims no more), kStart (stopped -> starting, drain cleared,
  // owned by `owner`), kStop (not stopped: recorded; the provider stops it),
  // kDestroy (out of the pool, its job requeued with `reason`). kConflict
  // with the reason when the machine's state forbids it; kNotFound.
  Result<MachineActionResult> Act(const std::string& machine_id, MachineAction action, const std::string& owner = "",
                                  const std::string& reason = "");
  // Every machine (records that cannot be read are left out).
  Result<std::vector<Machine>> List();
  // One machine; kNotFound when it is not in the pool, kInternal when corrupt.
  Result<Machine> Get(const std::string& machine_id);

 private:
  Result<ScriptReply> Run(const LuaScript& script, const Argv& args);

  RedisClient& redis_;
  Keys keys_;
};

}  // namespace tcoder::state
