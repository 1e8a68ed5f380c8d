#include "cli/multipart_upload.h"

#include <set>

namespace tcoder::cli {
namespace {

Status ApiFailure(const std::string& what, const Result<ApiResponse>& r) {
  const std::string why = ResponseError(r);
  if (!r.ok()) return Status(r.status().code(), what + ": " + why);
  return Status(r->status >= 500 ? Code::kUnavailable : Code::kInvalidArgument, what + ": " + why);
}

FreshUrls UrlsFrom(const ApiCall& api, const std::string& job_id) {
  return [api, job_id](const std::vector<int>& numbers) -> Result<std::map<int, std::string>> {
    auto r = api("POST", "/api/uploads/" + job_id + "/parts", nlohmann::json({{"partNumbers", numbers}}).dump());
    if (!r.ok() || r->status != 200) return ApiFailure("asking for part URLs", r);
    std::map<int, std::string> urls;
    for (const auto& p : r->body.value("parts", nlohmann::json::array()))
      urls[p.value("partNumber", 0)] = p.value("url", "");
    return urls;
  };
}

// The parts of `layout` that are not in the store at their length.
std::vector<int> Missing(const PartLayout& layout, const nlohmann::json& uploaded) {
  std::set<int> have;
  for (const auto& p : uploaded) {
    const int n = p.value("partNumber", 0);
    if (p.value("size", std::uint64_t{0}) == layout.Length(n)) have.insert(n);
  }
  std::vector<int> todo;
  for (int n = 1; n <= layout.part_count; ++n)
    if (!have.count(n)) todo.push_back(n);
  return todo;
}

std::uint64_t BytesOf(const PartLayout& layout, const std::vector<int>& parts) {
  std::uint64_t total = 0;
  for (int n : parts) total += layout.Length(n);
  return total;
}

// Sends `todo`, then completes; a part the completion finds missing is sent
// once more.
Result<SentParts> SendAndComplete(const MultipartContext& ctx, const std::string& job_id, const PartLayout& layout,
                                  std::map<int, std::string> urls, std::vector<int> todo) {
  PartSender sender(ctx.file, layout, std::move(urls), UrlsFrom(ctx.api, job_id), ctx.options);
  SentParts total;
  for (int round = 0; round < 2; ++round) {
    auto sent = sender.Send(todo, layout.size - BytesOf(layout, todo), ctx.on_progress);
    if (!sent.ok()) return sent.status();
    total.parts += sent->parts;
    total.bytes += sent->bytes;
    auto done = ctx.api("POST", "/api/uploads/" + job_id + "/complete", "{}");
    if (done.ok() && done->status == 200) return total;
    const bool missing = done.ok() && done->status == 400 && done->body.is_object() &&
                         done->body.value("details", nlohmann::json()).contains("missing");
    if (!missing || round == 1) return ApiFailure("completing the upload", done);
    todo.clear();
    for (const auto& n : done->body["details"]["missing"]) todo.push_back(n.get<int>());
  }
  return total;
}

PartLayout LayoutOf(const ResumeRecord& r) { return {r.size, r.part_size, r.part_count}; }

}  // namespace

Result<std::optional<MultipartResult>> ResumeMultipart(const MultipartContext& ctx) {
  auto record = ctx.resume->Load();
  if (!record) return std::optional<MultipartResult>();
  auto state = ctx.api("GET", "/api/uploads/" + record->job_id, "");
  if (!state.ok() || state->status >= 500) return ApiFailure("looking up the upload to resume", state);
  const std::string status = state->status == 200 ? state->body.value("status", "") : "";
  if (state->status == 200 && status != "uploading" && status != "failed" && status != "cancelled") {
    ctx.resume->Forget();  // completed already: the job goes on
    if (ctx.notes) *ctx.notes << "job " << record->job_id << " was uploaded already\n";
    return std::optional<MultipartResult>(MultipartResult{record->job_id, true, record->part_count, {}});
  }
  if (status != "uploading" || state->body.value("uploadId", "") != record->upload_id ||
      state->body.value("size", std::uint64_t{0}) != record->size) {
    ctx.resume->Forget();  // over (failed, cancelled, gone): a new upload
    return std::optional<MultipartResult>();
  }
  const PartLayout layout = LayoutOf(*record);
  std::vector<int> todo = Missing(layout, state->body.value("uploadedParts", nlohmann::json::array()));
  MultipartResult result{record->job_id, true, layout.part_count - static_cast<int>(todo.size()), {}};
  if (ctx.notes)
    *ctx.notes << "resuming job " << record->job_id << ": " << result.parts_in_store << " of " << layout.part_count
               << " parts already uploaded\n";
  auto sent = SendAndComplete(ctx, record->job_id, layout, {}, std::move(todo));
  if (!sent.ok()) return sent.status();
  result.sent = *sent;
  ctx.resume->Forget();
  return std::optional<MultipartResult>(result);
}

Result<MultipartResult> SendMultipart(const MultipartContext& ctx, const nlohmann::json& ticket) {
  const nlohmann::json mp = ticket.value("multipart", nlohmann::json::object());
  ResumeRecord record{ticket.value("jobId", ""), mp.value("uploadId", ""), mp.value("size", std::uint64_t{0}),
                      mp.value("partSize", std::uint64_t{0}), mp.value("partCount", 0)};
  if (record.job_id.empty() || record.part_size == 0 || record.part_count < 1)
    return Internal("the API's multipart answer lacks jobId, partSize or partCount");
  if (Status s = ctx.resume->Save(record); !s.ok()) return s.WithContext("remembering the upload");
  std::map<int, std::string> urls;
  for (const auto& p : mp.value("parts", nlohmann::json::array())) urls[p.value("partNumber", 0)] = p.value("url", "");
  std::vector<int> all;
  for (int n = 1; n <= record.part_count; ++n) all.push_back(n);
  auto sent = SendAndComplete(ctx, record.job_id, LayoutOf(record), std::move(urls), std::move(all));
  if (!sent.ok()) return sent.status();
  ctx.resume->Forget();
  return MultipartResult{record.job_id, false, 0, *sent};
}

}  // namespace tcoder::cli
