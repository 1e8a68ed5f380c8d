#include "common/secrets.h"
#include "common/json_text.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <nlohmann/json.hpp>

#include "common/crypto.h"
#include "common/file_util.h"
#include "common/log.h"
#include "common/webhook_signature.h"

namespace tcoder {
namespace {

constexpr int kFormatVersion = 1;
constexpr std::size_t kMaxSecretLength = 1024;

struct Field {
  const char* name;
  std::string Secrets::*member;
  bool webhook_form;  // must parse as a Standard Webhooks secret
};

constexpr Field kFields[] = {
    {"api_key", &Secrets::api_key, false},
    {"s3_access_key", &Secrets::s3_access_key, false},
    {"s3_secret_key", &Secrets::s3_secret_key, false},
    {"webhook_secret", &Secrets::webhook_secret, true},
    {"internal_secret", &Secrets::internal_secret, true},
    {"jwt_secret", &Secrets::jwt_secret, false},
};

// An S3 access key id in the usual shape: 20 upper-case letters and digits.
std::string NewAccessKey() {
  std::string hex = crypto::Hex(crypto::RandomBytes(9));
  for (char& c : hex) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return "TC" + hex;
}

// Secrets travel in headers, URLs and environment variables: printable ASCII
// without spaces only.
bool Printable(std::string_view s) {
  for (char c : s) {
    if (c <= ' ' || c > '~') return false;
  }
  return true;
}

Status CheckField(const Field& f, const nlohmann::json& j) {
  if (!j.contains(f.name)) return InvalidArgument(std::string("missing \"") + f.name + "\"");
  const nlohmann::json& v = j.at(f.name);
  if (!v.is_string()) return InvalidArgument(std::string("\"") + f.name + "\" is not a string");
  const auto& s = v.get_ref<const std::string&>();
  if (s.empty() || s.size() > kMaxSecretLength || !Printable(s))
    return InvalidArgument(std::string("\"") + f.name + "\" must be 1-1024 printable characters");
  if (f.webhook_form) {
    if (auto signer = WebhookSigner::FromSecret(s); !signer.ok())
      return InvalidArgument(std::string("\"") + f.name + "\": " + signer.status().message());
  }
  return Status::Ok();
}

// An exclusive lock on <data_dir>/secrets.lock, held while it lives. flock()
// locks belong to the open file, so threads of one process exclude each other
// as well as other processes.
class DirLock {
 public:
  static Result<DirLock> Acquire(const std::filesystem::path& data_dir) {
    const std::filesystem::path path = data_dir / "secrets.lock";
    UniqueFd fd(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
    if (!fd.valid()) return ErrnoStatus("open " + path.string(), errno);
    while (::flock(fd.get(), LOCK_EX) != 0) {
      if (errno != EINTR) return ErrnoStatus("lock " + path.string(), errno);
    }
    return DirLock(std::move(fd));
  }

 private:
  explicit DirLock(UniqueFd fd) : fd_(std::move(fd)) {}
  UniqueFd fd_;  // closing it releases the lock
};

// Creates the data dir (its parents as usual, itself 0700) if it is missing.
Status EnsureDataDir(const std::filesystem::path& data_dir) {
  std::error_code ec;
  if (std::filesystem::is_directory(data_dir, ec)) return Status::Ok();
  if (data_dir.has_parent_path()) {
    std::filesystem::create_directories(data_dir.parent_path(), ec);
    if (ec) return IOError("create " + data_dir.parent_path().string() + ": " + ec.message());
  }
  if (::mkdir(data_dir.c_str(), 0700) != 0 && errno != EEXIST) return ErrnoStatus("mkdir " + data_dir.string(), errno);
  return Status::Ok();
}

void WarnIfReadableByOthers(const std::filesystem::path& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0 && (st.st_mode & 077) != 0)
    log::Warn("secrets file is readable by other users; chmod 600 it", {{"path", path.string()}});
}

}  // namespace

std::filesystem::path SecretsPath(const std::filesystem::path& data_dir) { return data_dir / "secrets.json"; }

Secrets GenerateSecrets() {
  return Secrets{.api_key = crypto::RandomToken(24),
                 .s3_access_key = NewAccessKey(),
                 .s3_secret_key = crypto::RandomToken(30),
                 .webhook_secret = NewWebhookSecret(),
                 .internal_secret = NewWebhookSecret(),
                 .jwt_secret = crypto::RandomToken(32)};
}

std::string SerializeSecrets(const Secrets& secrets) {
  nlohmann::json j = {{"version", kFormatVersion}};
  for (const Field& f : kFields) j[f.name] = secrets.*f.member;
  return JsonText(j, 2) + "\n";
}

Result<Secrets> ParseSecrets(std::string_view json_text) {
  const nlohmann::json j = nlohmann::json::parse(json_text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return InvalidArgument("not a JSON object");
  if (!j.contains("version") || j.at("version") != kFormatVersion)
    return InvalidArgument("unknown \"version\" (this tcoder reads version 1)");
  Secrets out;
  for (const Field& f : kFields) {
    if (Status s = CheckField(f, j); !s.ok()) return s;
    out.*f.member = j.at(f.name).get<std::string>();
  }
  return out;
}

Result<Secrets> LoadSecrets(const std::filesystem::path& data_dir) {
  const std::filesystem::path path = SecretsPath(data_dir);
  Result<std::string> text = ReadFile(path);
  if (!text.ok()) {
    if (text.status().code() == Code::kNotFound) return NotFound("no secrets yet in " + data_dir.string());
    return text.status();
  }
  Result<Secrets> secrets = ParseSecrets(*text);
  if (!secrets.ok()) {
    return InvalidArgument("secrets file " + path.string() + " is corrupt: " + secrets.status().message() +
                           " (fix it or move it away; a new one would invalidate keys already in use)");
  }
  WarnIfReadableByOthers(path);
  return secrets;
}

Result<Secrets> LoadOrCreateSecrets(const std::filesystem::path& data_dir) {
  Result<Secrets> existing = LoadSecrets(data_dir);
  if (existing.ok() || existing.status().code() != Code::kNotFound) return existing;
  if (Status s = EnsureDataDir(data_dir); !s.ok()) return s;
  Result<DirLock> lock = DirLock::Acquire(data_dir);
  if (!lock.ok()) return lock.status();
  // Another process may have written them while this one waited.
  existing = LoadSecrets(data_dir);
  if (existing.ok() || existing.status().code() != Code::kNotFound) return existing;
  Secrets fresh = GenerateSecrets();
  if (Status s = WriteFileAtomic(SecretsPath(data_dir), SerializeSecrets(fresh), 0600); !s.ok()) return s;
  return fresh;
}

Secrets WithOverrides(Secrets base, const Secrets& overrides) {
  for (const Field& f : kFields) {
    if (!(overrides.*f.member).empty()) base.*f.member = overrides.*f.member;
  }
  return base;
}

}  // namespace tcoder
