// File: ingest/publish_target.h
//
// Stream identity and the naming rules every ingest protocol applies
// (DESIGN.md "Stream identity"), so that a stream has one identity whichever
// protocol pushes it. RTMP passes the connect command's tcUrl, app and the
// publish's stream name; SRT (srt/stream_id.h) the parts of its stream id.
// The domain is the host of the URL, unless a `vhost=` or `domain=` query
// parameter (on the URL, the app or the stream name) names it, as clients
// connecting by IP do:
//
//   rtmp://push.example.com/live          + "demo"            -> push.example.com/live/demo
//   rtmp://127.0.0.1/live?vhost=a.com     + "demo?token=x"    -> a.com/live/demo, query "token=x"
//
// A path that starts with a URL signature of type B ({12 digits}/{md5hash})
// or C ({md5hash}/{hex timestamp}) has it taken off into path_signature,
// wherever the client split the path between app and stream name (ffmpeg
// sends "T/H" + "live/demo" for rtmp://host/T/H/live/demo, OBS "T/H/live" +
// "demo"):
//   rtmp://h/202311150613/92e1...2f05/live + "demo" -> h/live/demo,
//                                              path_signature "202311150613/92e1...2f05"
//
// Thread-safety: pure functions.
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace livesnap::ingest {

struct PublishTarget {
  std::string domain;
  std::string app;
  std::string stream;
  std::string stream_query;                   // the stream name's query string, without '?'
  std::string path_signature;                 // "{a}/{b}" taken off the path, or ""
  std::map<std::string, std::string> params;  // tcUrl, app and stream query parameters merged
};

// The longest names accepted. Names go as they are into object keys and file
// paths; 128 bytes leave room for the rest of a 255-byte file name (NAME_MAX)
// around {StreamName} or an app segment (".jpg", a sequence number, a time),
// and for domain + app + stream together in a 1024-byte S3 key.
inline constexpr size_t kMaxStreamNameBytes = 128;
inline constexpr size_t kMaxAppNameBytes = 128;
inline constexpr size_t kMaxDomainBytes = 253;

// `tc_url` and `app` come from RTMP's connect command, `stream_name` from
// publish (or the same parts of an SRT stream id). Fails (InvalidArgument, naming the part, the
// reason and the value, escaped and cut short) for a name that could never be stored: a domain, app
// or stream that is empty, longer than its limit above, holds characters outside [A-Za-z0-9._~-]
// ('/' is allowed inside app) or contains "..", or an app with an empty, "." or ".." path segment
// ("a//b", "./x", "a/./b"). Trailing slashes of the app are dropped first.
absl::StatusOr<PublishTarget> ResolvePublishTarget(std::string_view tc_url, std::string_view app,
                                                   std::string_view stream_name);

// Splits "a=1&b=2" into a map (later keys win); percent-decodes values.
std::map<std::string, std::string> ParseQuery(std::string_view query);

}  // namespace livesnap::ingest
