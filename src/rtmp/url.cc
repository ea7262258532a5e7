#include "rtmp/url.h"

#include <algorithm>
#include <cctype>

namespace livesnap::rtmp {

namespace {

struct SplitQuery {
  std::string_view path;
  std::string_view query;
};

SplitQuery SplitAtQuery(std::string_view s) {
  size_t q = s.find('?');
  if (q == std::string_view::npos) return {s, {}};
  return {s.substr(0, q), s.substr(q + 1)};
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string PercentDecode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      int hi = HexValue(s[i + 1]);
      int lo = HexValue(s[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
        continue;
      }
    }
    out.push_back(s[i] == '+' ? ' ' : s[i]);
  }
  return out;
}

// The host of "rtmp://host[:port]/app...", lower-cased; IPv6 in brackets kept bare.
std::string HostOf(std::string_view tc_url) {
  size_t scheme = tc_url.find("://");
  std::string_view rest = scheme == std::string_view::npos ? tc_url : tc_url.substr(scheme + 3);
  rest = rest.substr(0, rest.find_first_of("/?"));
  if (size_t at = rest.rfind('@'); at != std::string_view::npos) rest = rest.substr(at + 1);
  std::string_view host;
  if (!rest.empty() && rest.front() == '[') {
    host = rest.substr(
        1, rest.find(']') == std::string_view::npos ? rest.size() - 1 : rest.find(']') - 1);
  } else {
    host = rest.substr(0, rest.find(':'));
  }
  std::string out(host);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

bool IsNameChar(char c, bool allow_slash) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '~' ||
         c == '-' || (allow_slash && c == '/');
}

absl::Status CheckName(std::string_view what, std::string_view value, bool allow_slash) {
  if (value.empty()) return absl::InvalidArgumentError(std::string(what) + " is empty");
  if (value.size() > 255) {
    return absl::InvalidArgumentError(std::string(what) + " longer than 255 characters");
  }
  for (char c : value) {
    if (!IsNameChar(c, allow_slash)) {
      return absl::InvalidArgumentError(std::string(what) + " \"" + std::string(value) +
                                        "\" has a character outside [A-Za-z0-9._~-]");
    }
  }
  if (value.front() == '/' || value.back() == '/' || value.find("..") != std::string_view::npos) {
    return absl::InvalidArgumentError(std::string(what) + " \"" + std::string(value) +
                                      "\" is not a plain name");
  }
  return absl::OkStatus();
}

void MergeQuery(std::map<std::string, std::string>& into, std::string_view query) {
  for (auto& [k, v] : ParseQuery(query)) into[k] = v;
}

}  // namespace

std::map<std::string, std::string> ParseQuery(std::string_view query) {
  std::map<std::string, std::string> out;
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (pair.empty()) continue;
    size_t eq = pair.find('=');
    std::string key = PercentDecode(pair.substr(0, eq));
    std::string value = eq == std::string_view::npos ? "" : PercentDecode(pair.substr(eq + 1));
    out[std::move(key)] = std::move(value);
  }
  return out;
}

absl::StatusOr<PublishTarget> ResolvePublishTarget(std::string_view tc_url, std::string_view app,
                                                   std::string_view stream_name) {
  PublishTarget target;
  SplitQuery url = SplitAtQuery(tc_url);
  SplitQuery app_parts = SplitAtQuery(app);
  SplitQuery stream_parts = SplitAtQuery(stream_name);
  MergeQuery(target.params, url.query);
  MergeQuery(target.params, app_parts.query);
  MergeQuery(target.params, stream_parts.query);

  target.domain = HostOf(url.path);
  for (const char* key : {"domain", "vhost"}) {
    auto it = target.params.find(key);
    if (it != target.params.end() && !it->second.empty()) target.domain = it->second;
  }
  std::transform(target.domain.begin(), target.domain.end(), target.domain.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  target.app = std::string(app_parts.path);
  while (!target.app.empty() && target.app.back() == '/') target.app.pop_back();
  target.stream = std::string(stream_parts.path);
  target.stream_query = std::string(stream_parts.query);

  if (target.domain.empty()) {
    return absl::InvalidArgumentError("no domain: tcUrl \"" + std::string(tc_url) +
                                      "\" has no host and no vhost/domain parameter");
  }
  if (absl::Status s = CheckName("domain", target.domain, false); !s.ok()) return s;
  if (absl::Status s = CheckName("app", target.app, true); !s.ok()) return s;
  if (absl::Status s = CheckName("stream name", target.stream, false); !s.ok()) return s;
  return target;
}

}  // namespace livesnap::rtmp
