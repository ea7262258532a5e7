#include "tests/s3/s3cmd.h"

#include <algorithm>
#include <chrono>
#include <fstream>

#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "tests/s3/s3rver.h"

namespace livesnap::testing {

S3cmd::S3cmd(const std::filesystem::path& dir, uint16_t port, std::string bucket)
    : dir_(dir), config_(dir / "s3cmd.cfg"), bucket_(std::move(bucket)) {
  std::ofstream(config_) << "[default]\naccess_key = " << kS3rverAccessKey
                         << "\nsecret_key = " << kS3rverSecretKey
                         << "\nhost_base = 127.0.0.1:" << port
                         << "\nhost_bucket = 127.0.0.1:" << port
                         << "\nuse_https = False\nsignature_v2 = False\n";
}

RunResult S3cmd::Run(const std::vector<std::string>& args) const {
  std::vector<std::string> argv = {"s3cmd", "-c", config_.string()};
  argv.insert(argv.end(), args.begin(), args.end());
  return testing::Run(argv, std::chrono::seconds(60));
}

std::string S3cmd::Uri(const std::string& key) const { return "s3://" + bucket_ + "/" + key; }

std::vector<std::string> S3cmd::List(const std::string& prefix) const {
  // Lines read "<date> <time> <size> s3://bucket/key".
  const std::string root = Uri("");
  RunResult result = Run({"ls", "-r", root + prefix});
  std::vector<std::string> keys;
  if (result.exit_code != 0) return keys;
  for (absl::string_view line : absl::StrSplit(result.output, '\n', absl::SkipEmpty())) {
    const size_t at = line.find(root);
    if (at != absl::string_view::npos) keys.emplace_back(line.substr(at + root.size()));
  }
  std::sort(keys.begin(), keys.end());
  return keys;
}

std::string S3cmd::Get(const std::string& key) const {
  const std::filesystem::path file = dir_ / ("s3cmd-get-" + std::to_string(++gets_));
  RunResult result = Run({"get", "--force", Uri(key), file.string()});
  return result.exit_code == 0 ? ReadFile(file) : "";
}

std::string S3cmd::Info(const std::string& key, const std::string& field) const {
  // s3cmd 2.3 prints the object's fields, then fails reading s3rver's ACL:
  // the exit code says nothing about the fields.
  RunResult result = Run({"info", Uri(key)});
  for (absl::string_view line : absl::StrSplit(result.output, '\n')) {
    line = absl::StripLeadingAsciiWhitespace(line);
    if (absl::ConsumePrefix(&line, field + ":")) {
      return std::string(absl::StripAsciiWhitespace(line));
    }
  }
  return "";
}

}  // namespace livesnap::testing
