#include "api/internal/static_files.h"

#include <gtest/gtest.h>

#include <fstream>

#include "tests/support/subprocess.h"

namespace livesnap::api::internal {
namespace {

namespace fs = std::filesystem;

TEST(MimeTypeTest, ByExtension) {
  EXPECT_EQ(MimeTypeForPath("index.html"), "text/html; charset=utf-8");
  EXPECT_EQ(MimeTypeForPath("a/b/app.JS"), "text/javascript; charset=utf-8");
  EXPECT_EQ(MimeTypeForPath("style.css"), "text/css; charset=utf-8");
  EXPECT_EQ(MimeTypeForPath("logo.svg"), "image/svg+xml");
  EXPECT_EQ(MimeTypeForPath("x.json"), "application/json");
  EXPECT_EQ(MimeTypeForPath("x.woff2"), "font/woff2");
  EXPECT_EQ(MimeTypeForPath("dir.v1/README"), "application/octet-stream");
}

TEST(SafePathTest, PlainSegmentsOnly) {
  EXPECT_TRUE(IsSafeRelativePath(""));
  EXPECT_TRUE(IsSafeRelativePath("index.html"));
  EXPECT_TRUE(IsSafeRelativePath("js/app.v2.js"));
  for (const std::string& path :
       std::vector<std::string>{"..", "../etc/passwd", "a/../../b", "./a", "a//b", "/a", "a/",
                                "a\\b", std::string("a\0b", 3)}) {
    EXPECT_FALSE(IsSafeRelativePath(path)) << path;
  }
}

TEST(ResolveUnderRootTest, FindsFilesAndDirectoriesButNeverLeavesTheRoot) {
  testing::TempDir dir;
  const fs::path root = dir / "console";
  fs::create_directories(root / "js");
  std::ofstream(root / "index.html") << "<html>";
  std::ofstream(root / "js" / "app.js") << "1";
  std::ofstream(dir / "secret.txt") << "secret";
  fs::create_symlink(dir / "secret.txt", root / "leak.txt");
  fs::create_symlink(root / "js" / "app.js", root / "alias.js");

  auto file = ResolveUnderRoot(root, "js/app.js");
  ASSERT_TRUE(file);
  EXPECT_EQ(file->kind, ResolvedKind::kFile);
  auto directory = ResolveUnderRoot(root, "js");
  ASSERT_TRUE(directory);
  EXPECT_EQ(directory->kind, ResolvedKind::kDirectory);
  EXPECT_TRUE(ResolveUnderRoot(root, "alias.js"));
  EXPECT_FALSE(ResolveUnderRoot(root, "leak.txt"));
  EXPECT_FALSE(ResolveUnderRoot(root, "../secret.txt"));
  EXPECT_FALSE(ResolveUnderRoot(root, "missing.html"));
  EXPECT_FALSE(ResolveUnderRoot(dir / "nowhere", "index.html"));
}

}  // namespace
}  // namespace livesnap::api::internal
