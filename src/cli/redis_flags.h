// The flags every command that connects to Redis takes for rediss:// URLs:
// --redis-ca-file (default: the system's CA bundle), --redis-cert-file and
// --redis-key-file (a client certificate), --redis-tls-insecure (no
// certificate or host name check; logged as a warning). Thread-safety: call
// from main's thread, before any connection.
#pragma once

#include "cli/flags.h"
#include "state/redis_socket.h"

namespace tcoder::cli {

void AddRedisTlsFlags(FlagSet& flags, state::RedisTlsOptions& tls);

// Makes `tls` the process's settings (state::SetDefaultRedisTls) and exports
// them as TCODER_REDIS_* so the components this process starts use them too.
void ApplyRedisTls(const state::RedisTlsOptions& tls);

}  // namespace tcoder::cli
