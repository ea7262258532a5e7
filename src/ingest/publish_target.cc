#include "ingest/publish_target.h"

#include <algorithm>
#include <cctype>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"

namespace livesnap::ingest {

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

// A name as shown in an error (and so in a log line): escaped, so a control
// byte stays visible, and cut short, so one bad name cannot flood a line.
std::string Printable(std::string_view value) {
  constexpr size_t kShownBytes = 64;
  std::string shown = absl::CHexEscape(std::string(value.substr(0, kShownBytes)));
  if (value.size() > kShownBytes) shown += "...";
  return "\"" + shown + "\"";
}

absl::Status Refuse(std::string_view what, std::string_view value, std::string_view reason) {
  return absl::InvalidArgumentError(std::string(what) + " " + Printable(value) + " " +
                                    std::string(reason));
}

// A name is used as is in object keys and file paths ({AppName},
// {StreamName}): every '/'-separated segment must be a plain file name.
absl::Status CheckName(std::string_view what, std::string_view value, bool allow_slash,
                       size_t max_bytes) {
  if (value.empty()) return absl::InvalidArgumentError(std::string(what) + " is empty");
  if (value.size() > max_bytes) {
    return Refuse(what, value,
                  absl::StrCat("is ", value.size(), " bytes long (at most ", max_bytes, ")"));
  }
  for (char c : value) {
    if (!IsNameChar(c, allow_slash)) {
      return Refuse(what, value, "has a character outside [A-Za-z0-9._~-]");
    }
  }
  for (size_t start = 0; start <= value.size();) {
    const size_t end = std::min(value.find('/', start), value.size());
    const std::string_view segment = value.substr(start, end - start);
    if (segment.empty()) return Refuse(what, value, "has an empty path segment");
    if (segment == "." || segment == "..") {
      return Refuse(what, value, "has a \"" + std::string(segment) + "\" path segment");
    }
    start = end + 1;
  }
  if (value.find("..") != std::string_view::npos) {
    return Refuse(what, value, "contains \"..\"");
  }
  return absl::OkStatus();
}

bool IsHex(std::string_view text, size_t min_size, size_t max_size, bool lower_only) {
  if (text.size() < min_size || text.size() > max_size) return false;
  return std::all_of(text.begin(), text.end(), [&](char c) {
    return std::isdigit(static_cast<unsigned char>(c)) || (c >= 'a' && c <= 'f') ||
           (!lower_only && c >= 'A' && c <= 'F');
  });
}

// Type B: {YYYYMMDDHHMM}/{md5hash}; type C: {md5hash}/{hexadecimal timestamp}.
bool IsPathSignature(std::string_view first, std::string_view second) {
  const bool type_b =
      first.size() == 12 &&
      std::all_of(first.begin(), first.end(),
                  [](char c) { return std::isdigit(static_cast<unsigned char>(c)); }) &&
      IsHex(second, 32, 32, true);
  const bool type_c = IsHex(first, 32, 32, true) && IsHex(second, 1, 15, false);
  return type_b || type_c;
}

// Takes a leading URL signature off app + "/" + stream, when the rest still
// names an app and a stream; the stream is then the last segment.
void TakePathSignature(PublishTarget& target) {
  const std::string path = target.app + "/" + target.stream;
  const size_t first_end = path.find('/');
  const size_t second_end = path.find('/', first_end + 1);
  if (second_end == std::string::npos) return;
  const size_t last = path.rfind('/');
  if (last <= second_end + 1 || last + 1 == path.size()) return;  // no app or no stream left
  if (!IsPathSignature(std::string_view(path).substr(0, first_end),
                       std::string_view(path).substr(first_end + 1, second_end - first_end - 1))) {
    return;
  }
  target.path_signature = path.substr(0, second_end);
  target.app = path.substr(second_end + 1, last - second_end - 1);
  target.stream = path.substr(last + 1);
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
  TakePathSignature(target);

  if (target.domain.empty()) {
    return absl::InvalidArgumentError("no domain: tcUrl \"" + std::string(tc_url) +
                                      "\" has no host and no vhost/domain parameter");
  }
  if (absl::Status s = CheckName("domain", target.domain, false, kMaxDomainBytes); !s.ok()) {
    return s;
  }
  if (absl::Status s = CheckName("app", target.app, true, kMaxAppNameBytes); !s.ok()) return s;
  if (absl::Status s = CheckName("stream name", target.stream, false, kMaxStreamNameBytes);
      !s.ok()) {
    return s;
  }
  return target;
}

}  // namespace livesnap::ingest
