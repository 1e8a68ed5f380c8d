// Keys: the name of every Redis key of one deployment.
//
// Every key is "{<deployment>}:<name>"; the {} hash tag puts all of a
// deployment's keys in one cluster slot so multi-key scripts work on a
// clustered Redis. docs/state.md lists them. Thread-safety: immutable value.
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"

namespace tcoder::state {

class Keys {
 public:
  Keys() : Keys("tcoder") {}
  // kInvalidArgument unless `deployment` is 1-64 of [A-Za-z0-9_.-].
  static Result<Keys> ForDeployment(std::string_view deployment);

  const std::string& prefix() const { return prefix_; }  // "{tcoder}:"
  std::string Job(std::string_view id) const { return prefix_ + "job:" + std::string(id); }
  std::string JobChannel(std::string_view id) const { return prefix_ + "job-events:" + std::string(id); }
  std::string StatusIndex(std::string_view status) const { return prefix_ + "status:" + std::string(status); }
  std::string AllJobs() const { return prefix_ + "jobs"; }
  std::string Queue() const { return prefix_ + "queue"; }
  std::string Delayed() const { return prefix_ + "delayed"; }
  std::string Wake() const { return prefix_ + "wake"; }
  std::string Leases() const { return prefix_ + "leases"; }
  std::string Input(std::string_view bucket, std::string_view key) const;
  std::string Machine(std::string_view id) const { return prefix_ + "machine:" + std::string(id); }
  std::string Machines() const { return prefix_ + "machines"; }
  // A machine's pub/sub channel (its state changes) and its own wake-up list
  // (pushed when an operator drains it, so a blocked claim sees the drain).
  std::string MachineChannel(std::string_view id) const { return prefix_ + "machine-events:" + std::string(id); }
  std::string MachineWake(std::string_view id) const { return prefix_ + "machine-wake:" + std::string(id); }
  std::string Events() const { return prefix_ + "events"; }
  std::string Tick(std::string_view name) const { return prefix_ + "tick:" + std::string(name); }
  // A client webhook delivery record, and the set of deliveries due (by time).
  std::string Webhook(std::string_view id) const { return prefix_ + "webhook:" + std::string(id); }
  std::string WebhooksDue() const { return prefix_ + "webhooks:due"; }
  // Present (with a TTL) while a completion report with this webhook-id counts as seen.
  std::string ReportSeen(std::string_view id) const { return prefix_ + "report-seen:" + std::string(id); }
  // Never written: read by the start-up access check (access_check.h).
  std::string Cursor(std::string_view name) const { return prefix_ + "cursor:" + std::string(name); }
  std::string AccessProbe() const { return prefix_ + "access-probe"; }
  // Present (with a TTL) while the control plane `instance` is alive.
  std::string ControlPlane(std::string_view instance) const {
    return prefix_ + "control-plane:" + std::string(instance);
  }

 private:
  explicit Keys(std::string_view deployment);
  std::string prefix_;
};

}  // namespace tcoder::state
