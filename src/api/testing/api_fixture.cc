#include "api/testing/api_fixture.h"

#include <algorithm>
#include <cstdlib>
#include <span>
#include <vector>

#include "absl/strings/ascii.h"

namespace livesnap::api::testing {

namespace {

// The newest image of a stream as the pipeline leaves it: the overwrite
// object of the default pattern, read back from the store.
LatestImageFn LatestFromStore(storage::ObjectStore* store) {
  return [store](const media::StreamKey& key) -> std::optional<LatestImage> {
    const std::string object = key.app + "/" + key.stream + ".jpg";
    absl::StatusOr<std::vector<uint8_t>> bytes = store->Get(object);
    if (!bytes.ok()) return std::nullopt;
    absl::StatusOr<std::vector<storage::ObjectInfo>> listed = store->List(object);
    const auto size = ReadJpegSize(std::string(bytes->begin(), bytes->end()));
    if (!listed.ok() || listed->empty() || !size) return std::nullopt;
    LatestImage image;
    image.jpeg = std::make_shared<const std::vector<uint8_t>>(*std::move(bytes));
    image.width = size->width;
    image.height = size->height;
    image.capture_unix_ms = listed->front().modified_unix_ms;
    return image;
  };
}

}  // namespace

catalog::testing::Backend TestBackend() {
  const char* url_file = std::getenv("LIVESNAP_TEST_POSTGRES_URL_FILE");
  return url_file != nullptr && *url_file != '\0' ? catalog::testing::Backend::kPostgres
                                                  : catalog::testing::Backend::kSqlite;
}

void ApiFixture::SetUp() {
  auto database = catalog::testing::TestDatabase::Create(TestBackend());
  ASSERT_TRUE(database.ok()) << database.status();
  database_ = *std::move(database);
  auto catalog = catalog::OpenCatalog(database_->url());
  ASSERT_TRUE(catalog.ok()) << catalog.status();
  catalog_ = *std::move(catalog);
  ASSERT_TRUE(catalog_->UpsertBucket({"snapshots", "cn-shanghai", "file.local", "file"}).ok());
  ASSERT_TRUE(
      catalog_->UpsertBucket({"beijing", "cn-beijing", "oss-cn-beijing.local", "file"}).ok());
  auto store = storage::FileStore::Create(dir_ / "snapshots");
  ASSERT_TRUE(store.ok()) << store.status();
  store_ = *std::move(store);
  auto beijing = storage::FileStore::Create(dir_ / "beijing");
  ASSERT_TRUE(beijing.ok()) << beijing.status();
  beijing_store_ = *std::move(beijing);
  hub_ = std::make_unique<media::MediaHub>(clock_, registry_);
}

void ApiFixture::TearDown() {
  if (server_) server_->Stop();
}

void ApiFixture::StartServer(bool auth_enabled, const std::string& console_dir) {
  ApiOptions options;
  options.listen_host = "127.0.0.1";
  options.port = 0;
  options.auth_enabled = auth_enabled;
  options.access_keys = {{kKeyId, kKeySecret}};
  options.worker_threads = 2;
  options.console_dir = console_dir;
  options.metrics_token = kMetricsToken;
  options.health = [this] {
    std::lock_guard lock(health_mu_);
    return health_problems_;
  };
  if (adjust_options_) adjust_options_(options);
  SnapshotSources sources;
  sources.stores = {{"snapshots", store_.get()}, {"beijing", beijing_store_.get()}};
  sources.latest_image = LatestFromStore(store_.get());
  auto server =
      ApiServer::Create(options, catalog_.get(), hub_.get(), &registry_, &clock_, sources);
  ASSERT_TRUE(server.ok()) << server.status();
  server_ = *std::move(server);
  ASSERT_GT(server_->port(), 0);
  ASSERT_TRUE(server_->Start().ok());
}

// Port 0 when the server failed to start: every call then fails (status 0)
// instead of the test crashing.
static uint16_t PortOf(const std::unique_ptr<ApiServer>& server) {
  return server ? static_cast<uint16_t>(server->port()) : 0;
}

livesnap::testing::ApiClient ApiFixture::Client() const {
  return livesnap::testing::ApiClient(PortOf(server_));
}

livesnap::testing::ApiClient ApiFixture::SignedClient(const std::string& id,
                                                      const std::string& secret) const {
  livesnap::testing::ApiClient client(PortOf(server_),
                                      livesnap::testing::ApiCredentials{id, secret});
  client.set_clock([this] { return clock_.UnixMs(); });
  return client;
}

void ApiFixture::AddDomain(const std::string& name, const std::string& region) {
  auto response = Client().Call(
      "AddLiveDomain", {{"DomainName", name}, {"Region", region}, {"LiveDomainType", "liveVideo"}});
  ASSERT_TRUE(IsApiSuccess(response)) << response.raw;
}

std::map<std::string, std::string> ApiFixture::TemplateParams(const std::string& domain,
                                                              const std::string& app) {
  return {{"DomainName", domain},
          {"AppName", app},
          {"TimeInterval", "5"},
          {"OssEndpoint", "file.local"},
          {"OssBucket", "snapshots"},
          {"OverwriteOssObject", "{AppName}/{StreamName}.jpg"},
          {"SequenceOssObject", "{AppName}/{StreamName}/{Sequence}.jpg"}};
}

std::string ApiFixture::MakeJpeg(int width, int height) const {
  const std::filesystem::path out = dir_ / ("frame-" + std::to_string(width) + ".jpg");
  auto result = livesnap::testing::Run(
      {"ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i",
       "testsrc2=size=" + std::to_string(width) + "x" + std::to_string(height), "-frames:v", "1",
       out.string()},
      std::chrono::seconds(60));
  EXPECT_EQ(result.exit_code, 0) << result.output;
  return livesnap::testing::ReadFile(out);
}

std::optional<JpegSize> ReadJpegSize(const std::string& bytes) {
  auto byte = [&](size_t i) { return static_cast<uint8_t>(bytes[i]); };
  if (bytes.size() < 4 || byte(0) != 0xFF || byte(1) != 0xD8) return std::nullopt;
  size_t pos = 2;
  while (pos + 4 <= bytes.size()) {
    if (byte(pos) != 0xFF) return std::nullopt;
    const uint8_t marker = byte(pos + 1);
    const size_t length = (size_t{byte(pos + 2)} << 8) | byte(pos + 3);
    // SOF0..SOF15 but DHT (C4), JPG (C8) and DAC (CC).
    if (marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC) {
      if (pos + 9 > bytes.size()) return std::nullopt;
      return JpegSize{(byte(pos + 7) << 8) | byte(pos + 8), (byte(pos + 5) << 8) | byte(pos + 6)};
    }
    pos += 2 + length;
  }
  return std::nullopt;
}

::testing::AssertionResult IsApiError(const livesnap::testing::ApiResponse& response, int status,
                                      const std::string& code) {
  if (response.status != status || response.Code() != code) {
    return ::testing::AssertionFailure() << "expected " << status << " " << code << ", got "
                                         << response.status << " " << response.raw;
  }
  const nlohmann::json& body = response.body;
  for (const char* field : {"RequestId", "HostId", "Code", "Message"}) {
    if (!body.contains(field) || !body[field].is_string() ||
        body[field].get<std::string>().empty()) {
      return ::testing::AssertionFailure() << "error body lacks " << field << ": " << response.raw;
    }
  }
  if (body.size() != 4) return ::testing::AssertionFailure() << "extra fields: " << response.raw;
  if (response.Header("content-type").find("application/json") != 0) {
    return ::testing::AssertionFailure() << "content type " << response.Header("content-type");
  }
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult IsApiSuccess(const livesnap::testing::ApiResponse& response) {
  if (response.status != 200 || !response.body.is_object() || response.body.contains("Code") ||
      !response.body.contains("RequestId") ||
      response.body["RequestId"].get<std::string>().empty()) {
    return ::testing::AssertionFailure()
           << "not a success: " << response.status << " " << response.raw;
  }
  return ::testing::AssertionSuccess();
}

RawHttpAnswer ReadRawAnswer(livesnap::testing::RawClient& client,
                            std::chrono::milliseconds timeout) {
  RawHttpAnswer answer;
  std::vector<uint8_t> bytes;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    const int got = client.ReceiveSome(bytes, std::max(left, std::chrono::milliseconds(1)));
    const std::string text(bytes.begin(), bytes.end());
    const size_t end = text.find("\r\n\r\n");
    bool whole = got < 0;
    if (end != std::string::npos) {
      const std::string head = absl::AsciiStrToLower(text.substr(0, end));
      const size_t length_at = head.find("content-length:");
      const size_t length =
          length_at == std::string::npos ? 0 : std::stoul(head.substr(length_at + 15));
      whole = whole || text.size() >= end + 4 + length;
    }
    if (whole) break;
  }
  answer.raw.assign(bytes.begin(), bytes.end());
  if (answer.raw.starts_with("HTTP/1.1 ") && answer.raw.size() >= 12) {
    answer.status = std::stoi(answer.raw.substr(9, 3));
  }
  const size_t body = answer.raw.find("\r\n\r\n");
  if (body != std::string::npos) {
    const auto json = nlohmann::json::parse(answer.raw.substr(body + 4), nullptr, false);
    if (json.is_object() && json.contains("Code")) answer.code = json["Code"].get<std::string>();
  }
  return answer;
}

RawHttpAnswer RawHttp(uint16_t port, const std::string& request,
                      std::chrono::milliseconds timeout) {
  livesnap::testing::RawClient client;
  if (!client.Connect(port)) return {};
  if (!client.Send(std::span(reinterpret_cast<const uint8_t*>(request.data()), request.size()))) {
    return {};
  }
  return ReadRawAnswer(client, timeout);
}

}  // namespace livesnap::api::testing
