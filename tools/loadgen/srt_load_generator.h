// File: tools/loadgen/srt_load_generator.h
//
// The load generator's SRT mode: N concurrent SRT callers (libsrt, live
// mode, non-blocking, all on one local UDP port and so one libsrt
// multiplexer) from one thread, each sending the same MPEG-TS
// (TsPlan) in 1316-byte messages paced by its PCR, with its timestamps
// moved on at every loop of the file, as an encoder pushing
// `-f mpegts srt://...` does. Stream ids are `#!::h=<domain>,r=<app>/<name>,m=publish`
// with a domain, else `<app>/<name>` (the listener's default domain).
//
// A caller counts as published once connected (SRT has no publish answer;
// a refused stream id fails the connection), and fails when the server
// closes it. One tick of tick_ms sends every stream what became due; a
// stream whose send buffer is full lags, and lags over stall_ms are
// counted as stalls. LoadOptions' threads, chunk_size and profile do not
// apply.
//
//   auto generator = CreateSrtLoadGenerator(options, plan);
//   LoadReport report = (*generator)->Run();
//
// Thread-safety: as LoadGenerator.
#pragma once

#include <memory>

#include "absl/status/statusor.h"
#include "tools/loadgen/load_generator.h"
#include "tools/loadgen/ts_plan.h"

namespace livesnap::loadgen {

// InvalidArgument for options out of range or a host that is not an IPv4
// or IPv6 address. `plan` must outlive the generator.
absl::StatusOr<std::unique_ptr<LoadGenerator>> CreateSrtLoadGenerator(LoadOptions options,
                                                                      const TsPlan& plan);

}  // namespace livesnap::loadgen
