// File: web/console_assets_data.h
//
// The table web/embed_assets.cmake generates, for console_assets.cc only.
//
// Thread-safety: immutable static data.
#pragma once

#include <cstddef>
#include <span>

namespace livesnap::console::internal {

struct EmbeddedAsset {
  const char* path;
  const unsigned char* data;
  size_t size_bytes;
  const char* mime_type;
  const char* etag;
};

std::span<const EmbeddedAsset> EmbeddedAssets();

}  // namespace livesnap::console::internal
