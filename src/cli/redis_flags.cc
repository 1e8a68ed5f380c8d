#include "cli/redis_flags.h"

#include <cstdlib>

#include "common/log.h"
#include "state/redis_client.h"

namespace tcoder::cli {

void AddRedisTlsFlags(FlagSet& flags, state::RedisTlsOptions& tls) {
  flags.Add("redis-ca-file", tls.ca_file, "CA bundle (PEM) for rediss:// (default: the system's)");
  flags.Add("redis-cert-file", tls.cert_file, "Client certificate (PEM) for rediss://, with --redis-key-file");
  flags.Add("redis-key-file", tls.key_file, "Client certificate's private key (PEM)");
  flags.AddFlag("redis-tls-insecure", tls.insecure, "rediss:// without checking the server's certificate (unsafe)");
}

void ApplyRedisTls(const state::RedisTlsOptions& tls) {
  if (tls.insecure) {
    log::Warn(
        "redis TLS certificate checks are off (--redis-tls-insecure): anyone on the path can read and change "
        "the state store's traffic");
  }
  auto put = [](const char* name, const std::string& value) {
    if (value.empty()) {
      ::unsetenv(name);
    } else {
      ::setenv(name, value.c_str(), 1);
    }
  };
  put("TCODER_REDIS_CA_FILE", tls.ca_file);
  put("TCODER_REDIS_CERT_FILE", tls.cert_file);
  put("TCODER_REDIS_KEY_FILE", tls.key_file);
  put("TCODER_REDIS_TLS_INSECURE", tls.insecure ? "true" : "");
  state::SetDefaultRedisTls(tls);
}

}  // namespace tcoder::cli
