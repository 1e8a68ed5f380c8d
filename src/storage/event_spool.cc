#include "storage/event_spool.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <optional>

#include <nlohmann/json.hpp>

#include "common/duration.h"
#include "common/file_util.h"
#include "common/json_text.h"
#include "common/log.h"

namespace tcoder::storage::server {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr std::size_t kBatch = 512;

json ToJson(const ObjectEvent& e) {
  return {{"bucket", e.bucket},       {"key", e.key}, {"size", e.size}, {"etag", e.etag}, {"eventName", e.event_name},
          {"eventTime", e.event_time}};
}

std::optional<ObjectEvent> FromJson(std::string_view line) {
  const json j = json::parse(line, nullptr, false);
  if (!j.is_object()) return std::nullopt;
  ObjectEvent e;
  e.bucket = j.value("bucket", "");
  e.key = j.value("key", "");
  e.size = j.value("size", std::uint64_t{0});
  e.etag = j.value("etag", "");
  e.event_name = j.value("eventName", "");
  e.event_time = j.value("eventTime", "");
  return e;
}

}  // namespace

EventSpool::EventSpool(fs::path dir, SinkFactory factory, std::chrono::milliseconds retry)
    : spool_(dir / "events.spool"),
      offset_file_(dir / "events.offset"),
      factory_(std::move(factory)),
      retry_(retry),
      loop_(retry, [this] { Step(); }) {}

Result<std::unique_ptr<EventSpool>> EventSpool::Open(const fs::path& dir, SinkFactory factory,
                                                     std::chrono::milliseconds retry) {
  std::unique_ptr<EventSpool> spool(new EventSpool(dir, std::move(factory), retry));
  std::string content;
  if (auto text = ReadFile(spool->spool_); text.ok()) content = std::move(*text);
  // A line without its newline was never acknowledged (Add fsyncs whole lines).
  const auto last_nl = content.rfind('\n');
  const std::uint64_t whole = last_nl == std::string::npos ? 0 : last_nl + 1;
  UniqueFd fd(::open(spool->spool_.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644));
  if (!fd.valid() || ::ftruncate(fd.get(), static_cast<off_t>(whole)) != 0) {
    return ErrnoStatus("open " + spool->spool_.string(), errno);
  }
  spool->size_ = whole;
  if (auto text = ReadFile(spool->offset_file_); text.ok()) {
    std::uint64_t off = 0;
    std::from_chars(text->data(), text->data() + text->size(), off);
    spool->offset_ = std::min(off, whole);
  }
  spool->loop_.Start();
  if (spool->offset_ != spool->size_) spool->loop_.Kick();
  return spool;
}

EventSpool::~EventSpool() { loop_.Stop(); }

Status EventSpool::Add(ObjectEvent event) {
  if (event.event_time.empty()) event.event_time = IsoTimestamp(UnixMillis());
  const std::string line = JsonText(ToJson(event)) + "\n";
  std::lock_guard lock(mu_);
  UniqueFd fd(::open(spool_.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC));
  if (!fd.valid()) return ErrnoStatus("open " + spool_.string(), errno);
  const ssize_t n = ::write(fd.get(), line.data(), line.size());
  if (n != static_cast<ssize_t>(line.size()) || ::fsync(fd.get()) != 0) {
    const int err = n < 0 ? errno : EIO;
    if (::ftruncate(fd.get(), static_cast<off_t>(size_)) != 0) log::Error("event spool: cannot undo a torn line");
    return ErrnoStatus("append to " + spool_.string(), err);
  }
  size_ += line.size();
  loop_.Kick();
  return Status::Ok();
}

void EventSpool::Step() {
  while (!loop_.stopping()) {
    {
      std::lock_guard lock(mu_);
      if (offset_ == size_) return;
    }
    if (!DeliverPending()) {
      loop_.SleepFor(retry_);
      return;
    }
  }
}

bool EventSpool::DeliverPending() {
  std::uint64_t start = 0;
  std::uint64_t end = 0;
  {
    std::lock_guard lock(mu_);
    start = offset_;
    end = size_;
  }
  // A window of whole lines (events are small; 1 MiB holds thousands).
  std::string text(static_cast<std::size_t>(std::min<std::uint64_t>(end - start, 1 << 20)), '\0');
  {
    UniqueFd fd(::open(spool_.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd.valid() ||
        ::pread(fd.get(), text.data(), text.size(), static_cast<off_t>(start)) != static_cast<ssize_t>(text.size())) {
      return false;
    }
  }
  text.resize(text.rfind('\n') == std::string::npos ? 0 : text.rfind('\n') + 1);
  if (!sink_) {
    auto sink = factory_();
    if (!sink.ok()) {
      log::Warn("event spool: Redis unavailable; events wait in the spool", {{"error", sink.status().message()}});
      return false;
    }
    sink_ = std::move(*sink);
  }
  std::size_t pos = 0;
  std::size_t sent = 0;
  while (pos < text.size() && sent < kBatch) {
    const auto nl = text.find('\n', pos);
    const std::string_view line(text.data() + pos, nl - pos);
    if (auto event = FromJson(line)) {
      Status s = sink_->Append(*event);
      if (!s.ok()) {
        log::Warn("event spool: delivery failed; will retry", {{"error", s.message()}});
        sink_.reset();
        break;
      }
    } else {
      log::Error("event spool: dropping an unreadable line");
    }
    pos = nl + 1;
    ++sent;
  }
  if (pos == 0) return false;
  if (!SaveOffset(start + pos).ok()) return false;
  std::lock_guard lock(mu_);
  offset_ = start + pos;
  if (offset_ == size_ && SaveOffset(0).ok()) {
    // Everything delivered: start the file over (a crash in between only repeats events).
    offset_ = 0;
    if (::truncate(spool_.c_str(), 0) == 0) size_ = 0;
  }
  return sink_ != nullptr;
}

Status EventSpool::SaveOffset(std::uint64_t offset) { return WriteFileAtomic(offset_file_, std::to_string(offset)); }

}  // namespace tcoder::storage::server
