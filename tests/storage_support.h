// Helpers for the built-in S3 server's integration tests: the server as a
// child process (start, SIGKILL, restart on the same data), the Debian aws CLI
// with a private environment, curl, and files compared by streaming SHA-256.
//
// For tests only; one owner per object.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "common/process.h"
#include "common/status.h"
#include "common/temp_dir.h"

namespace tcoder::testing {

inline constexpr std::string_view kS3AccessKey = "storagetestkey";
inline constexpr std::string_view kS3SecretKey = "storage/test+secret";

class StorageServer {
 public:
  struct Options {
    std::filesystem::path binary;  // empty: TcoderBinary()
    std::string redis_url;
    std::vector<std::pair<std::string, std::string>> env;
  };
  // Starts `tcoder storage` with its data under `dir`/data on a free port.
  static Result<std::unique_ptr<StorageServer>> Start(const std::filesystem::path& dir, Options options);
  ~StorageServer();

  int port() const { return port_; }
  pid_t pid() const { return process_ ? process_->pid() : -1; }
  std::string endpoint() const { return "http://127.0.0.1:" + std::to_string(port_); }
  std::filesystem::path data_dir() const { return dir_ / "data"; }

  Status Kill();      // SIGKILL, no cleanup
  Status Restart();   // start again on the same port and data
  ExitStatus Stop();  // SIGTERM, waits

 private:
  StorageServer(std::filesystem::path dir, Options options) : dir_(std::move(dir)), options_(std::move(options)) {}
  Status Launch();
  std::filesystem::path dir_;
  Options options_;
  int port_ = -1;
  std::unique_ptr<Subprocess> process_;
};

// The release binary build/tcoder when it exists (fast for the 1 GiB tests), else TcoderBinary().
std::filesystem::path FastTcoderBinary();

// Runs /usr/bin/aws with only the given endpoint and the test keys in its
// environment (a private HOME and config), e.g. {"s3", "ls"}.
RunResult Aws(const std::string& endpoint, const std::filesystem::path& home, std::vector<std::string> args);
// Runs curl -sS with `args`; out is the body, and the last line "%{http_code}".
struct CurlResult {
  int status = 0;
  std::string body;
  std::string err;
};
CurlResult Curl(std::vector<std::string> args);

// A file of `size` bytes of pseudo-random content (seeded), written in blocks.
Status MakeFile(const std::filesystem::path& path, std::uint64_t size, std::uint32_t seed);
// Hex SHA-256 of a file, read in blocks.
Result<std::string> FileSha256(const std::filesystem::path& path);
// VmHWM (peak RSS) of a live process, in KiB; -1 if unreadable.
long PeakRssKiB(pid_t pid);
// Every regular file under `root`, recursively.
std::vector<std::filesystem::path> FilesUnder(const std::filesystem::path& root);

}  // namespace tcoder::testing
