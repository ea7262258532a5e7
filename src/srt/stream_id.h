// File: srt/stream_id.h
//
// Stream identity from an SRT caller's stream id (SRTO_STREAMID), in the two
// forms encoders send:
//
//   #!::h=push.example.com,r=live/demo?auth_key=...,m=publish   (SRT access control,
//                                                               ApsaraVideo Live's form)
//   live/demo?auth_key=...                                       (plain)
//
// `h` names the domain; without it, the listener's default domain. `r` is
// "<app>/<stream>" with the stream's query string (push authentication reads
// it); the app may itself hold '/'. `m` must be "publish" (the default). Other
// keys (u, s, t) are accepted and ignored. The names then go through the
// same rules as RTMP's (ingest::ResolvePublishTarget), so a stream has one
// identity whichever protocol pushes it.
//
// Thread-safety: pure functions.
#pragma once

#include <string_view>

#include "absl/status/statusor.h"
#include "ingest/publish_target.h"

namespace livesnap::srt {

// InvalidArgument naming what is wrong: an empty id, a resource without
// "<app>/<stream>", a mode other than publish, no domain (no `h` and no
// default), or a name RTMP would refuse too.
absl::StatusOr<ingest::PublishTarget> ParseStreamId(std::string_view stream_id,
                                                    std::string_view default_domain);

}  // namespace livesnap::srt
