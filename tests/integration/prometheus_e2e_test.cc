// End to end: a real Prometheus server (Debian's /usr/bin/prometheus) on loopback scrapes a real
// hearthd every second; the test queries Prometheus's HTTP API for hearthd's series.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <chrono>
#include <functional>
#include <optional>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "tests/fakes/http_get.h"
#include "tests/fakes/subprocess.h"
#include "tests/fakes/temp_dir.h"

namespace hearth {
namespace {

using ::hearth::testing::HttpGet;

using ::hearth::testing::ReadFileOrEmpty;
using ::hearth::testing::Subprocess;
using ::hearth::testing::TempDir;

bool Eventually(const std::function<bool()>& done, std::chrono::seconds timeout) {
  auto end = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < end) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  return done();
}

// A loopback port that was free a moment ago (Prometheus cannot be asked for port 0 and report
// it back).
int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  socklen_t len = sizeof(addr);
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

TEST(PrometheusE2eTest, PrometheusScrapesHearthd) {
  if (access("/usr/bin/prometheus", X_OK) != 0) GTEST_SKIP() << "/usr/bin/prometheus missing";
  TempDir dir;
  dir.Write("root/app/config.toml", "port = 8080\n");
  dir.Write("root/other/config.yaml", "name: other\n");

  // Subprocess kills and reaps on destruction: no process outlives the test.
  Subprocess hearthd({HEARTH_BINARY_DIR "/server/hearthd", "serve", "--root", dir.Path("root"),
                      "--grpc-listen", "127.0.0.1:0", "--metrics-listen", "127.0.0.1:0"},
                     dir.Path("hearthd.out"), dir.Path("hearthd.err"));
  ASSERT_TRUE(hearthd.ok());
  static const std::regex kMetrics("serving metrics on 127\\.0\\.0\\.1:([0-9]+)");
  int metrics_port = 0;
  ASSERT_TRUE(Eventually(
      [&] {
        std::string err = ReadFileOrEmpty(dir.Path("hearthd.err"));
        std::smatch m;
        if (!std::regex_search(err, m, kMetrics)) return false;
        metrics_port = std::stoi(m[1]);
        return true;
      },
      std::chrono::seconds(20)))
      << ReadFileOrEmpty(dir.Path("hearthd.err"));

  int web_port = FreePort();
  dir.Write("prometheus.yml",
            "global:\n"
            "  scrape_interval: 1s\n"
            "  evaluation_interval: 1s\n"
            "scrape_configs:\n"
            "  - job_name: hearthd\n"
            "    static_configs:\n"
            "      - targets: ['127.0.0.1:" +
                std::to_string(metrics_port) + "']\n");
  dir.MakeDirs("tsdb");
  Subprocess prometheus(
      {"/usr/bin/prometheus", "--config.file=" + dir.Path("prometheus.yml"),
       "--storage.tsdb.path=" + dir.Path("tsdb"),
       "--web.listen-address=127.0.0.1:" + std::to_string(web_port), "--log.level=warn"},
      dir.Path("prometheus.out"), dir.Path("prometheus.err"));
  ASSERT_TRUE(prometheus.ok());

  // hearth_revision is 2 after loading two configs; Prometheus must have scraped it.
  static const std::regex kRevision(
      "\"__name__\":\"hearth_revision\"[^}]*\\}\\s*,\\s*\"value\":\\[[0-9.]+,\"([0-9.]+)\"\\]");
  std::string body;
  bool found = Eventually(
      [&] {
        body = HttpGet(web_port, "/api/v1/query?query=hearth_revision").value_or("");
        std::smatch m;
        return std::regex_search(body, m, kRevision) && std::stod(m[1]) == 2;
      },
      std::chrono::seconds(60));
  EXPECT_TRUE(found) << body << "\n" << ReadFileOrEmpty(dir.Path("prometheus.err"));

  // The target is healthy and the labelled families arrive intact.
  body = HttpGet(web_port, "/api/v1/query?query=up%7Bjob%3D%22hearthd%22%7D").value_or("");
  EXPECT_NE(body.find("\"value\":["), std::string::npos) << body;
  EXPECT_NE(body.find(",\"1\"]"), std::string::npos) << body;
  body = HttpGet(web_port, "/api/v1/query?query=hearth_configs%7Bstate%3D%22ok%22%7D").value_or("");
  EXPECT_NE(body.find(",\"2\"]"), std::string::npos) << body;
}

}  // namespace
}  // namespace hearth
