#include "control/s3_events.h"

#include <nlohmann/json.hpp>

#include "http/url.h"

namespace tcoder::control {
namespace {

using nlohmann::json;

std::string Str(const json& obj, const char* field) {
  auto it = obj.find(field);
  return it != obj.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::uint64_t Size(const json& obj) {
  auto it = obj.find("size");
  return it != obj.end() && it->is_number_unsigned() ? it->get<std::uint64_t>() : 0;
}

std::string Unquote(std::string etag) {
  if (etag.size() >= 2 && etag.front() == '"' && etag.back() == '"') etag = etag.substr(1, etag.size() - 2);
  return etag;
}

Status AddRecord(const json& rec, ParsedEvents& out) {
  if (!rec.is_object()) return InvalidArgument("Records[] entries must be objects");
  std::string name = Str(rec, "eventName");
  if (name.rfind("s3:", 0) == 0) name = name.substr(3);  // MinIO: "s3:ObjectCreated:Put"
  if (name.rfind("ObjectCreated:", 0) != 0) {
    ++out.ignored;
    return Status::Ok();
  }
  const json* s3 = rec.contains("s3") && rec["s3"].is_object() ? &rec["s3"] : nullptr;
  if (s3 == nullptr || !s3->contains("bucket") || !s3->contains("object") || !(*s3)["bucket"].is_object() ||
      !(*s3)["object"].is_object())
    return InvalidArgument("a Records[] entry lacks s3.bucket or s3.object");
  const json& object = (*s3)["object"];
  auto key = DecodeNotificationKey(Str(object, "key"));
  if (!key || key->empty()) return InvalidArgument("a Records[] entry has a missing or badly encoded s3.object.key");
  state::ObjectEvent ev;
  ev.bucket = Str((*s3)["bucket"], "name");
  ev.key = *key;
  ev.size = Size(object);
  ev.etag = Unquote(Str(object, "eTag"));
  if (ev.etag.empty()) ev.etag = Unquote(Str(object, "etag"));
  ev.event_name = name;
  ev.event_time = Str(rec, "eventTime");
  if (ev.bucket.empty()) return InvalidArgument("a Records[] entry has no s3.bucket.name");
  out.created.push_back(std::move(ev));
  return Status::Ok();
}

Status AddR2Message(const json& msg, ParsedEvents& out) {
  if (msg.contains("body") && msg["body"].is_object()) return AddR2Message(msg["body"], out);  // queue envelope
  if (!msg.is_object() || !msg.contains("object") || !msg["object"].is_object())
    return InvalidArgument("not a storage event: expected Records[] (S3/MinIO) or {bucket, object, action} (R2)");
  std::string action = Str(msg, "action");
  if (action != "PutObject" && action != "CompleteMultipartUpload" && action != "CopyObject") {
    ++out.ignored;
    return Status::Ok();
  }
  const json& object = msg["object"];
  state::ObjectEvent ev;
  ev.bucket = Str(msg, "bucket");
  ev.key = Str(object, "key");
  ev.size = Size(object);
  ev.etag = Unquote(Str(object, "eTag"));
  ev.event_name = action == "PutObject"    ? "ObjectCreated:Put"
                  : action == "CopyObject" ? "ObjectCreated:Copy"
                                           : "ObjectCreated:CompleteMultipartUpload";
  ev.event_time = Str(msg, "eventTime");
  if (ev.bucket.empty() || ev.key.empty()) return InvalidArgument("an R2 message lacks bucket or object.key");
  out.created.push_back(std::move(ev));
  return Status::Ok();
}

// An EventBridge event from S3 (`source: aws.s3`): "Object Created" is an
// upload, any other detail-type is counted and ignored. Its key is taken as
// it is: EventBridge's examples show keys unescaped (a ':' stays a ':').
Status AddEventBridge(const json& doc, ParsedEvents& out) {
  if (Str(doc, "detail-type") != "Object Created") {
    ++out.ignored;
    return Status::Ok();
  }
  const json detail = doc.value("detail", json::object());
  if (!detail.is_object() || !detail.contains("bucket") || !detail["bucket"].is_object() ||
      !detail.contains("object") || !detail["object"].is_object())
    return InvalidArgument("an EventBridge event lacks detail.bucket or detail.object");
  state::ObjectEvent ev;
  ev.bucket = Str(detail["bucket"], "name");
  ev.key = Str(detail["object"], "key");
  ev.size = Size(detail["object"]);
  ev.etag = Unquote(Str(detail["object"], "etag"));
  const std::string reason = Str(detail, "reason");
  ev.event_name = "ObjectCreated:" + (reason.empty() ? std::string("Put") : reason);
  ev.event_time = Str(doc, "time");
  if (ev.bucket.empty() || ev.key.empty()) return InvalidArgument("an EventBridge event lacks bucket or key");
  out.created.push_back(std::move(ev));
  return Status::Ok();
}

}  // namespace

std::optional<std::string> DecodeNotificationKey(std::string_view key) {
  std::string plus;
  plus.reserve(key.size());
  for (char c : key) plus += c == '+' ? std::string("%20") : std::string(1, c);
  return http::PercentDecode(plus);
}

Result<ParsedEvents> ParseStorageEvents(std::string_view body) {
  json doc = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return InvalidArgument("malformed JSON body");
  ParsedEvents out;
  if (doc.is_object() && doc.contains("Records")) {
    if (!doc["Records"].is_array()) return InvalidArgument("Records must be an array");
    for (const json& rec : doc["Records"]) {
      if (Status s = AddRecord(rec, out); !s.ok()) return s;
    }
    return out;
  }
  if (doc.is_object() && Str(doc, "source") == "aws.s3" && doc.contains("detail-type")) {
    if (Status s = AddEventBridge(doc, out); !s.ok()) return s;
    return out;
  }
  if (doc.is_object() && doc.contains("Event") && Str(doc, "Event") == "s3:TestEvent") {
    ++out.ignored;
    return out;
  }
  if (doc.is_object() && doc.contains("messages") && doc["messages"].is_array()) doc = doc["messages"];
  if (doc.is_array()) {
    for (const json& msg : doc) {
      if (Status s = AddR2Message(msg, out); !s.ok()) return s;
    }
    return out;
  }
  if (Status s = AddR2Message(doc, out); !s.ok()) return s;
  return out;
}

}  // namespace tcoder::control
