// The files in deploy/ work as they are: systemd accepts the unit (systemd-analyze verify, with
// no warning), and the command line it runs starts hone serve.
#include <gtest/gtest.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "support/process.h"
#include "support/served.h"
#include "support/temp_dir.h"

namespace hone::test {
namespace {

const std::string kUnit = std::string(HONE_SOURCE_DIR) + "/deploy/hone.service";

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// `text` with every `from` replaced by `to`.
std::string replaced(std::string text, const std::string& from, const std::string& to) {
  for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
  return text;
}

TEST(DeployFiles, SystemdAcceptsTheUnit) {
  ASSERT_TRUE(std::filesystem::exists("/usr/bin/systemd-analyze"))
      << "systemd-analyze not installed: run scripts/setup --test";
  TempDir dir;
  // The unit names the installed binary; here it is the one just built.
  const std::string unit = replaced(read_text(kUnit), "/usr/local/bin/hone", kHone);
  const std::string path = dir.write("hone.service", unit);
  const ProcessResult verified = run_process({"/usr/bin/systemd-analyze", "verify", path});
  EXPECT_EQ(verified.exit_code, 0) << verified.err;
  EXPECT_EQ(verified.err, "");  // unknown keys are warnings only
  EXPECT_EQ(verified.out, "");
}

TEST(DeployFiles, TheUnitsCommandLineServes) {
  // ExecStart without its line continuations, with this machine's paths: models, a token file
  // in place of the credential, a free port.
  const std::string unit = replaced(read_text(kUnit), "\\\n", " ");
  const auto start = unit.find("\nExecStart=");
  ASSERT_NE(start, std::string::npos);
  const auto from = start + std::string("\nExecStart=").size();
  std::istringstream words(unit.substr(from, unit.find('\n', from) - from));
  std::vector<std::string> args;
  TempDir dir;
  const std::string token = dir.write("admin-token", "s3cret\n");
  for (std::string word; words >> word;) {
    if (word == "/usr/local/bin/hone") word = kHone;
    if (word == "/srv/hone/models") word = kExamples;
    if (word == "${CREDENTIALS_DIRECTORY}/admin-token") word = token;
    if (word == "0.0.0.0") word = "127.0.0.1";
    if (word == "8000") word = "0";
    args.push_back(word);
  }
  ChildProcess served(args);
  const std::uint16_t port = listening_port(served.read_line());
  ASSERT_NE(port, 0) << served.stderr_text();
  auto client = http::Client::connect("127.0.0.1", port).value();
  EXPECT_EQ(client.post("/v1/models/ceramic-armor:predict", kRow).value().status, 200);
  EXPECT_EQ(client.request("DELETE", "/api/cache", "", {{"Authorization", "Bearer s3cret"}})
                .value()
                .status,
            200);
  served.signal(SIGTERM);
  EXPECT_EQ(served.wait(), 0);
}

}  // namespace
}  // namespace hone::test
