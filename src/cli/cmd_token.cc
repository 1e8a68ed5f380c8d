// `tcoder token`: prints a JWT for the edge, signed with the configured JWT
// secret (--jwt-secret, TCODER_JWT_SECRET, the config file, else the data
// dir's secrets).
#include <chrono>
#include <ctime>
#include <iostream>

#include "cli/commands.h"
#include "cli/flags.h"
#include "common/secrets.h"
#include "edge/jwt.h"

namespace tcoder::cli {

int RunToken(int argc, char** argv) {
  FlagSet flags("token", "Mint a JWT for the edge (--premium for /premium/ paths)");
  bool premium = false;
  Duration ttl{std::chrono::hours(1)};
  std::string jwt_secret;
  flags.AddFlag("premium", premium, "Mark the token premium (is_premium: true)");
  flags.Add("ttl", ttl, "How long the token is valid (e.g. 3600, 30m, 1h)");
  flags.Add("jwt-secret", jwt_secret, "HS256 secret (default: the data dir's)");
  if (auto code = flags.Parse(argc, argv)) return *code;

  if (jwt_secret.empty()) {
    Result<Secrets> secrets = LoadSecrets(flags.common().data_dir);
    if (!secrets.ok()) {
      std::cerr << "tcoder token: " << secrets.status().message()
                << (secrets.status().code() == Code::kNotFound ? " (run `tcoder up` once, or give --jwt-secret)" : "")
                << "\n";
      return 1;
    }
    jwt_secret = secrets->jwt_secret;
  }
  Result<std::string> token = edge::MintToken(jwt_secret, premium, ttl.seconds(), std::time(nullptr));
  if (!token.ok()) {
    std::cerr << "tcoder token: " << token.status().message() << "\n";
    return 2;
  }
  std::cout << *token << "\n";
  return 0;
}

}  // namespace tcoder::cli
