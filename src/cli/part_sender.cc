#include "cli/part_sender.h"

#include <algorithm>
#include <atomic>
#include <mutex>
#include <random>
#include <thread>

namespace tcoder::cli {

std::uint64_t PartLayout::Length(int n) const {
  if (n < 1 || n > part_count) return 0;
  return std::min(part_size, size - Offset(n));
}

// One Send: the queue of parts, the URLs, the progress and the first error.
class PartSender::Run {
 public:
  Run(PartSender& s, const std::vector<int>& parts, std::uint64_t already, const UploadProgress& on_progress)
      : s_(s), parts_(parts), done_bytes_(already), on_progress_(on_progress), in_flight_(s.options_.parallel, 0) {}

  Result<SentParts> Go() {
    std::vector<std::thread> threads;
    const int n = std::clamp<int>(s_.options_.parallel, 1, static_cast<int>(std::max<std::size_t>(parts_.size(), 1)));
    for (int i = 0; i < n; ++i) threads.emplace_back([this, i] { Work(i); });
    for (std::thread& t : threads) t.join();
    if (!error_.ok()) return error_;
    return sent_;
  }

 private:
  void Work(int slot) {
    for (std::size_t i = next_++; i < parts_.size() && !Failed(); i = next_++) {
      Status s = SendPart(slot, parts_[i]);
      if (!s.ok()) Fail(s);
    }
  }

  Status SendPart(int slot, int n) {
    bool renewed = false;
    for (int attempt = 1;; ++attempt) {
      auto url = Url(n, /*renew=*/false);
      if (!url.ok()) return url.status();
      auto answer = Put(slot, n, *url);
      if (answer.ok() && answer->ok()) return Stored(slot, n);
      Progress(slot, 0);
      if (answer.ok() && answer->status == 403 && !renewed) {  // expired: the same attempt with a new URL
        renewed = true;
        if (auto fresh = Url(n, /*renew=*/true); !fresh.ok()) return fresh.status();
        --attempt;
        continue;
      }
      const bool transient = !answer.ok() ? answer.status().code() == Code::kUnavailable : answer->transient();
      const Status why = !answer.ok() ? answer.status() : Status(Code::kInvalidArgument, answer->message);
      if (!transient || attempt >= s_.options_.attempts || Failed())
        return Status(why.code(), "part " + std::to_string(n) + ": " + why.message());
      std::this_thread::sleep_for(Backoff(attempt));
    }
  }

  Result<PutAnswer> Put(int slot, int n, const std::string& url) {
    auto progress = [this, slot](std::uint64_t sent, std::uint64_t) { Progress(slot, sent); };
    const std::uint64_t offset = s_.layout_.Offset(n), length = s_.layout_.Length(n);
    if (s_.options_.put) return s_.options_.put(url, offset, length, progress);
    return PutFileRange(url, s_.file_, offset, length, "", progress);
  }

  // The part's URL; renew: a fresh one (and fresh ones for the parts
  // signed with it, which expire with it).
  Result<std::string> Url(int n, bool renew) {
    std::lock_guard lock(mu_);
    if (renew) s_.urls_.clear();
    if (auto it = s_.urls_.find(n); it != s_.urls_.end()) return it->second;
    std::vector<int> wanted{n};
    for (std::size_t i = next_; i < parts_.size() && wanted.size() < 1000; ++i)
      if (parts_[i] != n && !s_.urls_.count(parts_[i])) wanted.push_back(parts_[i]);
    auto fresh = s_.fresh_urls_(wanted);
    if (!fresh.ok()) return fresh.status().WithContext("presigning parts");
    for (auto& [number, url] : *fresh) s_.urls_[number] = url;
    if (auto it = s_.urls_.find(n); it != s_.urls_.end()) return it->second;
    return Internal("the API gave no URL for part " + std::to_string(n));
  }

  Status Stored(int slot, int n) {
    std::lock_guard lock(mu_);
    in_flight_[slot] = 0;
    done_bytes_ += s_.layout_.Length(n);
    sent_.parts += 1;
    sent_.bytes += s_.layout_.Length(n);
    Report();
    return Status::Ok();
  }

  void Progress(int slot, std::uint64_t sent) {
    std::lock_guard lock(mu_);
    in_flight_[slot] = sent;
    Report();
  }

  void Report() {  // under mu_
    std::uint64_t total = done_bytes_;
    for (std::uint64_t b : in_flight_) total += b;
    if (on_progress_) on_progress_(std::min(total, s_.layout_.size), s_.layout_.size);
  }

  std::chrono::milliseconds Backoff(int attempt) {
    std::lock_guard lock(mu_);
    const auto cap = std::min<std::int64_t>(s_.options_.backoff_max.count(), s_.options_.backoff.count()
                                                                                 << std::min(attempt - 1, 16));
    std::uniform_int_distribution<std::int64_t> jitter(cap / 2, std::max<std::int64_t>(cap, 1));
    return std::chrono::milliseconds(jitter(rng_));
  }

  bool Failed() {
    std::lock_guard lock(mu_);
    return !error_.ok();
  }
  void Fail(const Status& s) {
    std::lock_guard lock(mu_);
    if (error_.ok()) error_ = s;
  }

  PartSender& s_;
  const std::vector<int>& parts_;
  std::atomic<std::size_t> next_{0};
  std::mutex mu_;
  std::uint64_t done_bytes_;
  const UploadProgress& on_progress_;
  std::vector<std::uint64_t> in_flight_;
  SentParts sent_;
  Status error_;
  std::mt19937_64 rng_{std::random_device{}()};
};

PartSender::PartSender(std::filesystem::path file, PartLayout layout, std::map<int, std::string> urls,
                       FreshUrls fresh_urls, PartSenderOptions options)
    : file_(std::move(file)),
      layout_(layout),
      urls_(std::move(urls)),
      fresh_urls_(std::move(fresh_urls)),
      options_(std::move(options)) {
  options_.parallel = std::max(options_.parallel, 1);
  options_.attempts = std::max(options_.attempts, 1);
}

Result<SentParts> PartSender::Send(const std::vector<int>& parts, std::uint64_t already,
                                   const UploadProgress& on_progress) {
  for (int n : parts)
    if (n < 1 || n > layout_.part_count) return InvalidArgument("part " + std::to_string(n) + " is out of range");
  Run run(*this, parts, already, on_progress);
  return run.Go();
}

}  // namespace tcoder::cli
