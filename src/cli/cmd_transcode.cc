// `tcoder transcode FILE`: asks the API for a presigned URL, uploads the file
// straight to storage (progress bar), follows the job over SSE (progress bar)
// and prints the playable URLs. Exit 1 when the job fails, with its reason.
// A large file goes up in parallel parts (the server decides: docs/api.md);
// an interrupted multipart upload is resumed by running the same command again.
#include <filesystem>
#include <iostream>
#include <sstream>
#include <variant>

#include "cli/api_client.h"
#include "cli/commands.h"
#include "cli/job_follow.h"
#include "cli/multipart_upload.h"
#include "cli/presigned_upload.h"
#include "cli/progress_bar.h"
#include "common/json_text.h"
#include "common/media_type.h"

namespace tcoder::cli {
namespace {

struct TranscodeFlags {
  ClientFlags client;
  std::string file;
  std::string preset;
  std::string qualities;
  std::string download;
  std::string webhook_url;
  bool premium = false;
  bool no_wait = false;
  int parallel = 4;
};

std::string ContentTypeFor(const std::filesystem::path& path) {
  const std::string_view type = MediaTypeFor(path.filename().string());
  return type.empty() ? "application/octet-stream" : std::string(type);
}

nlohmann::json UploadRequest(const TranscodeFlags& f, std::uint64_t size) {
  const std::filesystem::path path(f.file);
  nlohmann::json body = {{"filename", path.filename().string()},
                         {"contentType", ContentTypeFor(path)},
                         {"size", size},
                         {"visibility", f.premium ? "premium" : "public"}};
  if (!f.preset.empty()) body["preset"] = f.preset;
  if (!f.webhook_url.empty()) body["webhookUrl"] = f.webhook_url;
  if (!f.download.empty()) body["download"] = f.download;
  if (!f.qualities.empty()) {
    body["outputQualities"] = nlohmann::json::array();
    std::stringstream ss(f.qualities);
    for (std::string q; std::getline(ss, q, ',');)
      if (!q.empty()) body["outputQualities"].push_back(q);
  }
  return body;
}

// "720p", "720p download", "storyboard": an output's quality, and its kind
// when that is not a rendition's playlist or the quality itself.
std::string OutputLabel(const nlohmann::json& o) {
  const std::string quality = Field(o, "quality"), kind = Field(o, "kind");
  return kind == "playlist" || kind == quality ? quality : quality + " " + kind;
}

void PrintResult(const nlohmann::json& job) {
  std::cout << "job       " << Field(job, "jobId") << "  " << Field(job, "status") << "\n";
  if (!job.value("playlistUrl", nlohmann::json()).is_null())
    std::cout << "playlist  " << Field(job, "playlistUrl") << "\n";
  if (job.contains("dashUrl")) std::cout << "dash      " << Field(job, "dashUrl") << "\n";
  if (job.contains("outputs") && job["outputs"].is_array())
    for (const auto& o : job["outputs"])
      if (o.value("kind", "") != "poster") std::cout << "  " << OutputLabel(o) << "  " << Field(o, "url") << "\n";
  if (!job.value("posterUrl", nlohmann::json()).is_null()) std::cout << "poster    " << Field(job, "posterUrl") << "\n";
  if (job.value("visibility", "") == "premium") std::cout << "premium outputs need a token: tcoder token --premium\n";
}

// Follows the job with a progress bar; returns the final record.
Result<nlohmann::json> Follow(const TranscodeFlags& f, const std::string& key, const std::string& job_id) {
  ProgressBar bar("transcode", stderr);
  int progress = 0;
  std::string status = "queued";
  ApiClient api(f.client.server, key);
  auto job = FollowJob(api, job_id, [&](const nlohmann::json& update) {
    if (update.contains("progress") && update["progress"].is_number()) progress = update["progress"].get<int>();
    if (update.contains("status") && update["status"].is_string()) status = update["status"].get<std::string>();
    bar.Percent(status == "completed" ? 100 : progress, status);
  });
  bar.Finish();
  return job;
}

MultipartContext PartsContext(const TranscodeFlags& f, const CommonFlags& common, const UploadResume& resume,
                              ProgressBar& bar) {
  MultipartContext ctx;
  ctx.api = [&f, &common](const std::string& method, const std::string& path, const std::string& body) {
    return CallApi(f.client, common, method, path, body);
  };
  ctx.resume = &resume;
  ctx.file = f.file;
  ctx.options.parallel = f.parallel;
  ctx.on_progress = [&bar](std::uint64_t s, std::uint64_t t) { bar.Bytes(s, t); };
  ctx.notes = &std::cerr;
  return ctx;
}

void ReportParts(const MultipartResult& r) {
  std::cerr << "uploaded " << ProgressBar::FormatBytes(static_cast<double>(r.sent.bytes)) << " in " << r.sent.parts
            << (r.sent.parts == 1 ? " part" : " parts");
  if (r.resumed) std::cerr << " (" << r.parts_in_store << " already in the store)";
  std::cerr << "\n";
}

// Uploads the file: resumes the multipart upload an earlier run left, else
// asks for a new upload (one PUT or parts). Returns the job id, or the exit
// code after printing why.
std::variant<std::string, int> UploadInput(const TranscodeFlags& f, const CommonFlags& common, std::uint64_t size) {
  auto resume = UploadResume::For(std::filesystem::path(common.data_dir) / "uploads", f.client.server, f.file);
  if (!resume.ok()) {
    std::cerr << "tcoder transcode: " << resume.status().message() << "\n";
    return 2;
  }
  ProgressBar bar("upload   ", stderr);
  const MultipartContext ctx = PartsContext(f, common, *resume, bar);
  auto resumed = ResumeMultipart(ctx);
  if (resumed.ok() && resumed->has_value()) {
    bar.Finish();
    ReportParts(**resumed);
    return (*resumed)->job_id;
  }
  if (!resumed.ok()) {
    bar.Finish();
    std::cerr << "tcoder transcode: upload interrupted: " << resumed.status().message()
              << "\nrun the same command again to resume it\n";
    return 1;
  }
  auto created = CallApi(f.client, common, "POST", "/api/upload", JsonText(UploadRequest(f, size)));
  if (int code = CheckResponse("transcode", created)) return code;
  const std::string job_id = created->body.value("jobId", "");
  if (created->body.value("uploadMethod", "") == "multipart") {
    auto sent = SendMultipart(ctx, created->body);
    bar.Finish();
    if (!sent.ok()) {
      std::cerr << "tcoder transcode: upload interrupted: " << sent.status().message()
                << "\nrun the same command again to resume it\n";
      return 1;
    }
    ReportParts(*sent);
    return job_id;
  }
  Status put = PutFile(created->body.value("uploadUrl", ""), f.file, ContentTypeFor(f.file),
                       [&](std::uint64_t s, std::uint64_t t) { bar.Bytes(s, t); });
  bar.Finish();
  if (!put.ok()) {
    std::cerr << "tcoder transcode: " << put.message() << "\n";
    (void)CallApi(f.client, common, "DELETE", "/api/jobs/" + job_id);
    return 1;
  }
  return job_id;
}

}  // namespace

int RunTranscode(int argc, char** argv) {
  FlagSet flags("transcode", "Upload a video, follow its job, print the playable URLs");
  TranscodeFlags f;
  AddClientFlags(flags, f.client);
  flags.AddPositional("file", f.file, "The video to transcode")->required();
  flags.Add("preset", f.preset,
            "default, web-optimized, hls, hls-adaptive or cmaf (the server's default: hls-adaptive)");
  flags.Add("qualities", f.qualities, "Output qualities, e.g. 360p,720p");
  flags.Add("download", f.download, "Also an MP4 download of one rung: a quality (e.g. 720p) or top");
  flags.Add("webhook-url", f.webhook_url, "Notify this URL when the job ends");
  flags.AddFlag("premium", f.premium, "Outputs under premium/ (playing them needs a token)");
  flags.AddFlag("no-wait", f.no_wait, "Return once the upload is done");
  flags.Add("parallel", f.parallel, "Parts sent at once, for a file that goes up in parts");
  if (auto code = flags.Parse(argc, argv)) return *code;
  while (!f.client.server.empty() && f.client.server.back() == '/') f.client.server.pop_back();

  std::error_code ec;
  const auto size = std::filesystem::file_size(f.file, ec);
  if (ec || !std::filesystem::is_regular_file(f.file)) {
    std::cerr << "tcoder transcode: cannot read " << f.file << "\n";
    return 2;
  }
  auto key = ResolveApiKey(f.client, flags.common());
  if (!key.ok()) {
    std::cerr << "tcoder transcode: " << key.status().message() << "\n";
    return 1;
  }
  auto uploaded = UploadInput(f, flags.common(), size);
  if (const int* code = std::get_if<int>(&uploaded)) return *code;
  const std::string job_id = std::get<std::string>(uploaded);
  if (f.no_wait) {
    auto job = CallApi(f.client, flags.common(), "GET", "/api/jobs/" + job_id);
    if (f.client.json && job.ok())
      std::cout << JsonText(job->body) << "\n";
    else
      std::cout << "job " << job_id << " uploaded; follow it with: tcoder status " << job_id << "\n";
    return 0;
  }
  auto job = Follow(f, *key, job_id);
  if (!job.ok()) {
    std::cerr << "tcoder transcode: " << job.status().message() << "\n";
    return 1;
  }
  const bool completed = job->value("status", "") == "completed";
  if (!completed)
    std::cerr << "tcoder transcode: job " << job_id << " " << Field(*job, "status") << ": " << Field(*job, "error")
              << "\n";
  if (f.client.json)
    std::cout << JsonText(*job) << "\n";
  else if (completed)
    PrintResult(*job);
  return completed ? 0 : 1;
}

}  // namespace tcoder::cli
