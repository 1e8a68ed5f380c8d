// EventSpool: object-created events kept in a local append-only file
// (events.spool, fsynced before Add returns) and forwarded to an EventSink
// (the state store's event stream, in production) by a background thread, so
// an event outlives an outage of the sink and a restart. Delivery is at least
// once: a crash between the sink's Append and recording the new offset
// (events.offset) sends that event again. Thread-safety: Add is thread-safe;
// the forwarder is the spool's own thread.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>

#include "common/background_loop.h"
#include "common/status.h"
#include "storage/event_sink.h"

namespace tcoder::storage::server {

class EventSpool {
 public:
  // Opens (creating) the spool in `dir`, drops a torn last line, and starts
  // forwarding. `retry` is the pause after a failed delivery.
  [[nodiscard]] static Result<std::unique_ptr<EventSpool>> Open(const std::filesystem::path& dir, SinkFactory factory,
                                                                std::chrono::milliseconds retry);
  ~EventSpool();  // stops the forwarder; undelivered events stay in the file

  // Durably records `event` (event_time filled in when empty); the forwarder
  // delivers it soon. Errors: the disk failed (the event is not recorded).
  [[nodiscard]] Status Add(ObjectEvent event);

 private:
  EventSpool(std::filesystem::path dir, SinkFactory factory, std::chrono::milliseconds retry);
  void Step();  // delivers until nothing is pending or the sink fails
  // Delivers what is pending; false when the sink failed.
  bool DeliverPending();
  Status SaveOffset(std::uint64_t offset);

  std::filesystem::path spool_;
  std::filesystem::path offset_file_;
  SinkFactory factory_;
  std::chrono::milliseconds retry_;
  std::unique_ptr<EventSink> sink_;
  std::mutex mu_;             // guards the spool file's end and the fields below
  std::uint64_t size_ = 0;    // bytes in the spool
  std::uint64_t offset_ = 0;  // bytes delivered
  BackgroundLoop loop_;
};

}  // namespace tcoder::storage::server
