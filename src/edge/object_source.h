// Where the edge reads objects: an interface with blocking calls (the edge
// runs them on its own thread pool, never on the io threads), and its S3
// implementation over a fixed pool of S3Clients, one per concurrent call.
// Thread-safety: ObjectSource implementations are safe from any thread.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"
#include "edge/range.h"
#include "storage/s3_client.h"

namespace tcoder::edge {

struct ObjectMeta {
  std::uint64_t size = 0;
  std::string etag;                           // quoted, as S3 sends it ("" when none)
  std::optional<std::int64_t> last_modified;  // Unix seconds
  std::string content_type;                   // as stored ("" when none)
};

class ObjectSource {
 public:
  virtual ~ObjectSource() = default;
  // NotFound for a missing key; kUnavailable when the store cannot be reached.
  [[nodiscard]] virtual Result<ObjectMeta> Head(std::string_view key) = 0;
  // The whole object (span: nullopt) or bytes [first, last]; kTooLarge past max_bytes.
  [[nodiscard]] virtual Result<std::string> Read(std::string_view key, std::optional<ByteSpan> span,
                                                 std::size_t max_bytes) = 0;
};

struct S3SourceConfig {
  storage::S3ClientConfig client;
  std::string bucket = "tcoder-output";
  int connections = 8;  // S3Clients in the pool (each keeps its own connection)
};

[[nodiscard]] Result<std::unique_ptr<ObjectSource>> MakeS3Source(S3SourceConfig config);

}  // namespace tcoder::edge
