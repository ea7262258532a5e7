// The embedded console as livesnapd serves it: a real ApiServer whose
// ApiOptions::console_files is FindConsoleAsset (the daemon's wiring),
// called over HTTP.
#include <gtest/gtest.h>
#include <httplib.h>
#include <prometheus/registry.h>

#include <fstream>
#include <memory>
#include <string>

#include "api/api_server.h"
#include "base/clock.h"
#include "catalog/catalog.h"
#include "tests/support/subprocess.h"
#include "web/console_assets.h"

namespace livesnap::console {
namespace {

std::optional<api::ConsoleFile> EmbeddedFile(std::string_view path) {
  const std::optional<ConsoleAsset> asset = FindConsoleAsset(path);
  if (!asset) return std::nullopt;
  return api::ConsoleFile{asset->content, asset->mime_type, asset->etag};
}

class ConsoleServingTest : public ::testing::Test {
 protected:
  void StartServer(const std::string& console_dir = "") {
    auto catalog = catalog::OpenCatalog("sqlite://" + (dir_ / "catalog.db").string());
    ASSERT_TRUE(catalog.ok()) << catalog.status();
    catalog_ = *std::move(catalog);
    api::ApiOptions options;
    options.auth_enabled = false;
    options.worker_threads = 2;
    options.console_dir = console_dir;
    options.console_files = EmbeddedFile;
    auto server = api::ApiServer::Create(options, catalog_.get(), nullptr, &registry_,
                                         &SystemClock::Instance());
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    ASSERT_TRUE(server_->Start().ok());
  }
  void TearDown() override {
    if (server_) server_->Stop();
  }

  httplib::Result Get(const std::string& path, const httplib::Headers& headers = {}) {
    httplib::Client client("127.0.0.1", server_->port());
    client.set_connection_timeout(5);
    client.set_read_timeout(10);
    return client.Get(path, headers);
  }

  livesnap::testing::TempDir dir_;
  prometheus::Registry registry_;
  std::unique_ptr<catalog::Catalog> catalog_;
  std::unique_ptr<api::ApiServer> server_;
};

TEST_F(ConsoleServingTest, TheRootRedirectsToTheConsole) {
  StartServer();
  auto root = Get("/");
  ASSERT_TRUE(root);
  EXPECT_EQ(root->status, 302);
  EXPECT_EQ(root->get_header_value("Location"), "/console/");
  auto bare = Get("/console");
  ASSERT_TRUE(bare);
  EXPECT_EQ(bare->status, 302);
  EXPECT_EQ(bare->get_header_value("Location"), "/console/");
}

TEST_F(ConsoleServingTest, ServesEveryAssetByteForByteWithItsTypeAndEtag) {
  StartServer();
  ASSERT_FALSE(AllConsoleAssets().empty());
  for (const ConsoleAsset& asset : AllConsoleAssets()) {
    auto response = Get("/console/" + std::string(asset.path));
    ASSERT_TRUE(response) << asset.path;
    EXPECT_EQ(response->status, 200) << asset.path;
    EXPECT_EQ(response->body, asset.content) << asset.path;
    EXPECT_EQ(response->get_header_value("Content-Type"), asset.mime_type) << asset.path;
    EXPECT_EQ(response->get_header_value("ETag"), asset.etag) << asset.path;
    EXPECT_EQ(response->get_header_value("Cache-Control"), "no-cache") << asset.path;
  }
  auto index = Get("/console/");
  ASSERT_TRUE(index);
  EXPECT_EQ(index->status, 200);
  EXPECT_EQ(index->body, FindConsoleAsset("index.html")->content);
}

TEST_F(ConsoleServingTest, AMatchingIfNoneMatchAnswersNotModified) {
  StartServer();
  const std::string etag(FindConsoleAsset("js/app.js")->etag);
  auto same = Get("/console/js/app.js", {{"If-None-Match", etag}});
  ASSERT_TRUE(same);
  EXPECT_EQ(same->status, 304);
  EXPECT_TRUE(same->body.empty());
  EXPECT_EQ(same->get_header_value("ETag"), etag);
  auto listed = Get("/console/js/app.js", {{"If-None-Match", "\"0000\", " + etag}});
  ASSERT_TRUE(listed);
  EXPECT_EQ(listed->status, 304);
  auto other = Get("/console/js/app.js", {{"If-None-Match", "\"0000\""}});
  ASSERT_TRUE(other);
  EXPECT_EQ(other->status, 200);
  EXPECT_EQ(other->body, FindConsoleAsset("js/app.js")->content);
}

TEST_F(ConsoleServingTest, PageRequestsOfClientRoutesGetTheIndex) {
  StartServer();
  const httplib::Headers page = {{"Accept", "text/html,application/xhtml+xml,*/*;q=0.8"}};
  for (const char* path : {"/console/domains", "/console/domains/push.example.com/snapshots",
                           "/console/streams/push.example.com/live/demo.v2"}) {
    auto response = Get(path, page);
    ASSERT_TRUE(response) << path;
    EXPECT_EQ(response->status, 200) << path;
    EXPECT_EQ(response->body, FindConsoleAsset("index.html")->content) << path;
    EXPECT_EQ(response->get_header_value("Content-Type"), "text/html; charset=utf-8") << path;
  }
  // A missing script or image stays a 404, so a broken reference shows.
  for (const char* path : {"/console/js/missing.js", "/console/domains"}) {
    auto response = Get(path, {{"Accept", "*/*"}});
    ASSERT_TRUE(response) << path;
    EXPECT_EQ(response->status, 404) << path;
    EXPECT_NE(response->body.find("InvalidPath.NotFound"), std::string::npos) << path;
  }
}

TEST_F(ConsoleServingTest, PathsLeavingTheConsoleAreRefused) {
  StartServer();
  auto response = Get("/console/js/../../etc/passwd", {{"Accept", "text/html"}});
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 400);
  EXPECT_NE(response->body.find("InvalidPath.Malformed"), std::string::npos);
}

// Development: console_dir = web/app serves the sources as they are edited,
// and the npm library it lacks from the embedded copy.
TEST_F(ConsoleServingTest, AConsoleDirectoryComesFirstAndEmbeddedFilesFillItsGaps) {
  const auto console_dir = dir_ / "console";
  std::filesystem::create_directories(console_dir);
  std::ofstream(console_dir / "index.html") << "<!doctype html><title>development</title>";
  StartServer(console_dir.string());
  auto index = Get("/console/");
  ASSERT_TRUE(index);
  EXPECT_EQ(index->body, "<!doctype html><title>development</title>");
  auto route = Get("/console/domains", {{"Accept", "text/html"}});
  ASSERT_TRUE(route);
  EXPECT_EQ(route->status, 200);
  EXPECT_EQ(route->body, "<!doctype html><title>development</title>");
  EXPECT_EQ(route->get_header_value("Content-Type"), "text/html; charset=utf-8");
  auto embedded_only = Get("/console/vendor/preact-htm.js");
  ASSERT_TRUE(embedded_only);
  EXPECT_EQ(embedded_only->status, 200);
  EXPECT_EQ(embedded_only->body, FindConsoleAsset("vendor/preact-htm.js")->content);
  auto missing = Get("/console/js/missing.js");
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 404);
}

}  // namespace
}  // namespace livesnap::console
