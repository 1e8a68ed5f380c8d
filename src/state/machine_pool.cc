#include "state/machine_pool.h"

#include <array>
#include <map>

#include "common/crypto.h"
#include "state/lua_scripts.h"

namespace tcoder::state {
namespace {

constexpr std::array<std::string_view, 4> kStateNames = {"starting", "running", "idle", "stopped"};
constexpr std::array<std::string_view, 4> kActionNames = {"drain", "start", "stop", "destroy"};

// A machine from its hash; kInternal when a time field is not a number.
Result<Machine> MachineFromHash(const RedisValue& hash) {
  std::map<std::string, std::string> h;
  for (size_t i = 0; i + 1 < hash.elements.size(); i += 2) h[hash.elements[i].str] = hash.elements[i + 1].str;
  if (h.empty()) return NotFound("machine: not found");
  auto created = ParseIntegerOrZero(h["createdAt"], "machine " + h["machineId"] + " createdAt");
  if (!created.ok()) return created.status();
  auto active = ParseIntegerOrZero(h["lastActiveAt"], "machine " + h["machineId"] + " lastActiveAt");
  if (!active.ok()) return active.status();
  auto done = ParseIntegerOrZero(h["jobsDone"], "machine " + h["machineId"] + " jobsDone");
  if (!done.ok()) return done.status();
  return Machine{h["machineId"], h["state"],           *created, *active,       h["jobId"],
                 h["owner"],     h["draining"] == "1", *done,    h["lastError"]};
}

}  // namespace

std::string_view MachineStateName(MachineState state) { return kStateNames[static_cast<size_t>(state)]; }
std::string_view MachineActionName(MachineAction action) { return kActionNames[static_cast<size_t>(action)]; }

MachinePool::MachinePool(RedisClient& redis, Keys keys) : redis_(redis), keys_(std::move(keys)) {}

Result<ScriptReply> MachinePool::Run(const LuaScript& script, const Argv& args) {
  return RunScript(redis_, script, keys_.Machines(), keys_.prefix(), args);
}

Result<Admission> MachinePool::Admit(int max_machines, const std::string& owner) {
  if (max_machines < 0) return InvalidArgument("max machines must be >= 0");
  auto reply = Run(lua::kAdmit, {std::to_string(max_machines), "m_" + crypto::RandomToken(9), owner});
  if (!reply.ok()) return reply.status();
  if (Status s = RefusalStatus(*reply, "admission"); !s.ok()) return s;
  if (reply->outcome == "idle-available") return Admission{Admission::Decision::kIdleAvailable, ""};
  if (reply->outcome == "start") return Admission{Admission::Decision::kStart, reply->arg(0)};
  if (reply->outcome == "create") return Admission{Admission::Decision::kCreate, reply->arg(0)};
  return Admission{Admission::Decision::kWait, ""};
}

Status MachinePool::SetState(const std::string& machine_id, MachineState state) {
  auto reply = Run(lua::kMachineState, {machine_id, std::string(MachineStateName(state))});
  if (!reply.ok()) return reply.status();
  if (reply->outcome == "conflict") {
    return Conflict("machine " + machine_id + ": cannot go from " + reply->arg(0) + " to " +
                    std::string(MachineStateName(state)));
  }
  return RefusalStatus(*reply, "machine " + machine_id);
}

Result<bool> MachinePool::MarkGone(const Machine& seen) {
  if (seen.state != "running" && seen.state != "idle") return InvalidArgument("only a running or idle machine");
  auto reply = Run(lua::kMachineGone, {seen.id, seen.state, seen.owner});
  if (!reply.ok()) return reply.status();
  if (Status s = RefusalStatus(*reply, "machine " + seen.id); !s.ok()) return s;
  return reply->outcome == "ok";
}

Result<bool> MachinePool::Register(const std::string& machine_id) {
  auto reply = Run(lua::kMachineRegister, {machine_id});
  if (!reply.ok()) return reply.status();
  if (Status s = RefusalStatus(*reply, "machine " + machine_id); !s.ok()) return s;
  return reply->outcome == "ok";
}

Status MachinePool::Forget(const std::string& machine_id) {
  auto reply = Run(lua::kMachineForget, {machine_id});
  return reply.ok() ? Status::Ok() : reply.status();
}

Result<MachineActionResult> MachinePool::Act(const std::string& machine_id, MachineAction action,
                                             const std::string& owner, const std::string& reason) {
  auto reply = Run(lua::kMachineAction, {machine_id, std::string(MachineActionName(action)), owner, reason});
  if (!reply.ok()) return reply.status();
  if (reply->outcome == "conflict") return Conflict(reply->arg(0));
  if (Status s = RefusalStatus(*reply, "machine " + machine_id); !s.ok()) return s;
  return MachineActionResult{reply->arg(0), reply->arg(1)};
}

Result<std::vector<Machine>> MachinePool::List() {
  auto ids = redis_.Command({"ZRANGE", keys_.Machines(), "0", "-1"});
  if (!ids.ok()) return ids.status();
  std::vector<Argv> reads;
  for (const RedisValue& id : ids->elements) reads.push_back({"HGETALL", keys_.Machine(id.str)});
  std::vector<Machine> out;
  if (reads.empty()) return out;
  auto hashes = redis_.Pipeline(reads);
  if (!hashes.ok()) return hashes.status();
  for (const RedisValue& hash : *hashes) {
    auto machine = MachineFromHash(hash);  // gone between the two reads, or corrupt: skipped
    if (machine.ok()) out.push_back(std::move(*machine));
  }
  return out;
}

Result<Machine> MachinePool::Get(const std::string& machine_id) {
  auto hash = redis_.Command({"HGETALL", keys_.Machine(machine_id)});
  if (!hash.ok()) return hash.status();
  auto machine = MachineFromHash(*hash);
  if (!machine.ok() && machine.status().code() == Code::kNotFound)
    return NotFound("machine " + machine_id + ": not found");
  return machine;
}

}  // namespace tcoder::state
