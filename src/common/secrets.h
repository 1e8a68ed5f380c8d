// The deployment's secrets (API key, S3 keys, webhook, internal and JWT
// secrets), generated once from the CSPRNG and kept in <data-dir>/secrets.json
// (mode 0600, directory 0700), so every component and the CLI find the same ones.
//
// Thread-safety: free functions; concurrent callers, in one process or many,
// creating the file at once all end up with the same secrets (a file lock).
#pragma once

#include <filesystem>
#include <string>

#include "common/status.h"

namespace tcoder {

struct Secrets {
  std::string api_key;          // Authorization: Bearer for /api/*
  std::string s3_access_key;    // SigV4 access key id
  std::string s3_secret_key;    // SigV4 secret
  std::string webhook_secret;   // Standard Webhooks form: whsec_<base64>
  std::string internal_secret;  // workers' signed completion reports (whsec_<base64>)
  std::string jwt_secret;       // HS256 key for /premium/ tokens
};

// The file that holds them: <data_dir>/secrets.json.
std::filesystem::path SecretsPath(const std::filesystem::path& data_dir);

// Fresh random secrets (no file is touched).
Secrets GenerateSecrets();

// Reads the data dir's secrets. NotFound when there are none yet; a file that
// is not what this module writes is an InvalidArgument naming the problem
// (it is never silently replaced: keys already handed out would stop working).
Result<Secrets> LoadSecrets(const std::filesystem::path& data_dir);

// LoadSecrets, or, when there are none yet, generates them and writes the file
// atomically (the directory is created 0700 when missing). Later calls, and
// racing processes, get the same values.
Result<Secrets> LoadOrCreateSecrets(const std::filesystem::path& data_dir);

// `base` with every non-empty field of `overrides` (e.g. values given as
// flags) put in its place.
Secrets WithOverrides(Secrets base, const Secrets& overrides);

// The file's JSON text, and its parse with the checks LoadSecrets applies.
std::string SerializeSecrets(const Secrets& secrets);
Result<Secrets> ParseSecrets(std::string_view json_text);

}  // namespace tcoder
