#include "web/console_assets.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>

namespace livesnap::console {
namespace {

namespace fs = std::filesystem;

std::string ReadFile(const fs::path& path) {
  std::ifstream file(path, std::ios::binary);
  std::ostringstream content;
  content << file.rdbuf();
  return content.str();
}

TEST(ConsoleAssets, EveryAppFileIsEmbeddedByteForByte) {
  const fs::path app_dir = LIVESNAP_CONSOLE_APP_DIR;
  int files = 0;
  for (const auto& entry : fs::recursive_directory_iterator(app_dir)) {
    if (!entry.is_regular_file()) continue;
    const std::string relative = fs::relative(entry.path(), app_dir).generic_string();
    const std::optional<ConsoleAsset> asset = FindConsoleAsset(relative);
    ASSERT_TRUE(asset.has_value()) << relative;
    EXPECT_EQ(asset->path, relative);
    EXPECT_EQ(asset->content, ReadFile(entry.path())) << relative;
    ++files;
  }
  EXPECT_GE(files, 3);
  EXPECT_EQ(AllConsoleAssets().size(), static_cast<size_t>(files) + 1);  // + the npm library
}

TEST(ConsoleAssets, CarriesTheLibraryFromNpm) {
  const std::optional<ConsoleAsset> library = FindConsoleAsset("vendor/preact-htm.js");
  ASSERT_TRUE(library.has_value());
  EXPECT_EQ(library->content, ReadFile(LIVESNAP_CONSOLE_VENDOR_FILE));
  EXPECT_NE(library->content.find("useState"), std::string_view::npos);
  EXPECT_EQ(library->mime_type, "text/javascript; charset=utf-8");
}

TEST(ConsoleAssets, MimeTypesFollowTheExtension) {
  ASSERT_TRUE(FindConsoleAsset("index.html"));
  EXPECT_EQ(FindConsoleAsset("index.html")->mime_type, "text/html; charset=utf-8");
  ASSERT_TRUE(FindConsoleAsset("console.css"));
  EXPECT_EQ(FindConsoleAsset("console.css")->mime_type, "text/css; charset=utf-8");
  ASSERT_TRUE(FindConsoleAsset("js/app.js"));
  EXPECT_EQ(FindConsoleAsset("js/app.js")->mime_type, "text/javascript; charset=utf-8");
}

TEST(ConsoleAssets, EtagsAreQuotedStrongAndDifferPerContent) {
  std::set<std::string_view> contents;
  std::set<std::string_view> etags;
  for (const ConsoleAsset& asset : AllConsoleAssets()) {
    ASSERT_GE(asset.etag.size(), 3u) << asset.path;
    EXPECT_EQ(asset.etag.front(), '"') << asset.path;
    EXPECT_EQ(asset.etag.back(), '"') << asset.path;
    EXPECT_FALSE(asset.etag.starts_with("W/")) << asset.path;
    contents.insert(asset.content);
    etags.insert(asset.etag);
  }
  EXPECT_EQ(etags.size(), contents.size());
}

TEST(ConsoleAssets, UnknownPathsFindNothing) {
  EXPECT_FALSE(FindConsoleAsset(""));
  EXPECT_FALSE(FindConsoleAsset("/index.html"));
  EXPECT_FALSE(FindConsoleAsset("missing.html"));
  EXPECT_FALSE(FindConsoleAsset("js/"));
  EXPECT_FALSE(FindConsoleAsset("js/app.js.map"));
}

}  // namespace
}  // namespace livesnap::console
