#include "common/log.h"
#include "common/duration.h"
#include "common/json_text.h"

#include <atomic>
#include <chrono>
#include <ctime>
#include <memory>
#include <mutex>
#include <string>

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

namespace tcoder::log {
namespace {

std::atomic<Level> g_level{Level::kInfo};
std::mutex g_mu;
std::string g_component = "tcoder";  // guarded by g_mu

std::shared_ptr<spdlog::logger> Logger() {
  static std::shared_ptr<spdlog::logger> logger = [] {
    auto l = std::make_shared<spdlog::logger>("tcoder", std::make_shared<spdlog::sinks::stderr_sink_mt>());
    l->set_pattern("%v");
    l->set_level(spdlog::level::trace);
    l->flush_on(spdlog::level::trace);
    return l;
  }();
  return logger;
}

std::string_view LevelName(Level level) {
  switch (level) {
    case Level::kDebug:
      return "debug";
    case Level::kInfo:
      return "info";
    case Level::kWarn:
      return "warn";
    case Level::kError:
      return "error";
    case Level::kOff:
      return "off";
  }
  return "info";
}

}  // namespace

Result<Level> ParseLevel(std::string_view name) {
  for (Level l : {Level::kDebug, Level::kInfo, Level::kWarn, Level::kError, Level::kOff}) {
    if (name == LevelName(l)) return l;
  }
  if (name == "warning") return Level::kWarn;
  return InvalidArgument("unknown log level '" + std::string(name) + "' (debug, info, warn, error, off)");
}

Status Init(std::string_view component, std::string_view level) {
  auto parsed = ParseLevel(level);
  if (!parsed.ok()) return parsed.status();
  g_level = *parsed;
  std::lock_guard lock(g_mu);
  g_component = std::string(component);
  return Status::Ok();
}

bool Enabled(Level level) { return level != Level::kOff && level >= g_level.load(); }

void Write(Level level, std::string_view msg, const nlohmann::json* fields) {
  if (!Enabled(level)) return;
  nlohmann::json line = nlohmann::json::object();
  line["ts"] = IsoTimestamp(UnixMillis());
  line["level"] = LevelName(level);
  {
    std::lock_guard lock(g_mu);
    line["component"] = g_component;
  }
  line["msg"] = msg;
  if (fields != nullptr && fields->is_object()) {
    for (const auto& [key, value] : fields->items()) {
      if (!line.contains(key)) line[key] = value;
    }
  }
  Logger()->info(JsonText(line));
}

void Debug(std::string_view msg) { Write(Level::kDebug, msg, nullptr); }
void Debug(std::string_view msg, const nlohmann::json& fields) { Write(Level::kDebug, msg, &fields); }
void Info(std::string_view msg) { Write(Level::kInfo, msg, nullptr); }
void Info(std::string_view msg, const nlohmann::json& fields) { Write(Level::kInfo, msg, &fields); }
void Warn(std::string_view msg) { Write(Level::kWarn, msg, nullptr); }
void Warn(std::string_view msg, const nlohmann::json& fields) { Write(Level::kWarn, msg, &fields); }
void Error(std::string_view msg) { Write(Level::kError, msg, nullptr); }
void Error(std::string_view msg, const nlohmann::json& fields) { Write(Level::kError, msg, &fields); }

}  // namespace tcoder::log
