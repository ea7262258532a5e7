#include "net/curl.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace livesnap::net {
namespace {

TEST(CurlTest, InitSucceedsOnceAndAgain) {
  EXPECT_TRUE(InitCurl().ok());
  EXPECT_TRUE(InitCurl().ok());
  absl::StatusOr<CurlEasy> easy = NewCurlEasy();
  ASSERT_TRUE(easy.ok()) << easy.status();
  EXPECT_NE(easy->get(), nullptr);
}

TEST(CurlTest, AppendHeaderKeepsEveryLine) {
  CurlSlist list;
  ASSERT_TRUE(AppendHeader(list, "A: 1"));
  ASSERT_TRUE(AppendHeader(list, "B: 2"));
  ASSERT_NE(list, nullptr);
  EXPECT_STREQ(list->data, "A: 1");
  ASSERT_NE(list->next, nullptr);
  EXPECT_STREQ(list->next->data, "B: 2");
}

TEST(CurlTest, ErrorCodesSayWhetherTryingAgainCanHelp) {
  EXPECT_EQ(CurlErrorCode(CURLE_OPERATION_TIMEDOUT), absl::StatusCode::kDeadlineExceeded);
  EXPECT_EQ(CurlErrorCode(CURLE_COULDNT_CONNECT), absl::StatusCode::kUnavailable);
  EXPECT_EQ(CurlErrorCode(CURLE_COULDNT_RESOLVE_HOST), absl::StatusCode::kUnavailable);
  EXPECT_EQ(CurlErrorCode(CURLE_RECV_ERROR), absl::StatusCode::kUnavailable);
  EXPECT_EQ(CurlErrorCode(CURLE_URL_MALFORMAT), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(CurlErrorCode(CURLE_UNSUPPORTED_PROTOCOL), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(CurlErrorCode(CURLE_PEER_FAILED_VERIFICATION), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(CurlErrorCode(CURLE_SSL_CACERT_BADFILE), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(CurlErrorCode(CURLE_OUT_OF_MEMORY), absl::StatusCode::kResourceExhausted);
}

// A real transfer to a listening socket that never answers ends in a
// timeout, which reads as DeadlineExceeded.
TEST(CurlTest, ATransferThatGetsNoAnswerTimesOut) {
  const int listener = socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(listener, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
  ASSERT_EQ(listen(listener, 1), 0);
  socklen_t length = sizeof(address);
  ASSERT_EQ(getsockname(listener, reinterpret_cast<sockaddr*>(&address), &length), 0);
  const std::string url = "http://127.0.0.1:" + std::to_string(ntohs(address.sin_port)) + "/";

  absl::StatusOr<CurlEasy> easy = NewCurlEasy();
  ASSERT_TRUE(easy.ok()) << easy.status();
  curl_easy_setopt(easy->get(), CURLOPT_URL, url.c_str());
  curl_easy_setopt(easy->get(), CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(easy->get(), CURLOPT_TIMEOUT_MS, 200L);
  const CURLcode code = curl_easy_perform(easy->get());
  close(listener);
  EXPECT_EQ(CurlErrorCode(code), absl::StatusCode::kDeadlineExceeded) << curl_easy_strerror(code);
}

}  // namespace
}  // namespace livesnap::net
