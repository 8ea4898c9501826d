// The files in deploy/ work as they are: systemd accepts the unit (systemd-analyze verify, with
// no warning), and the command line it runs starts hone serve; the Dockerfile builds as CI does,
// installs what the binary links, and its command and health check work.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <csignal>
#include <filesystem>
#include <set>
#include <sstream>

#include "core/units.h"
#include "http/limits.h"
#include "support/fixture_files.h"
#include "support/process.h"
#include "support/served.h"
#include "support/temp_dir.h"
#include "support/text.h"

namespace hone::test {
namespace {

const std::string kUnit = std::string(HONE_SOURCE_DIR) + "/deploy/hone.service";

TEST(DeployFiles, SystemdAcceptsTheUnit) {
  ASSERT_TRUE(std::filesystem::exists("/usr/bin/systemd-analyze"))
      << "systemd-analyze not installed: run scripts/setup --test";
  TempDir dir;
  // The unit names the installed binary; here it is the one just built.
  const std::string unit = replaced(read_whole_file(kUnit), "/usr/local/bin/hone", kHone);
  const std::string path = dir.write("hone.service", unit);
  const ProcessResult verified = run_process({"/usr/bin/systemd-analyze", "verify", path});
  EXPECT_EQ(verified.exit_code, 0) << verified.err;
  EXPECT_EQ(verified.err, "");  // unknown keys are warnings only
  EXPECT_EQ(verified.out, "");
}

TEST(DeployFiles, TheUnitsCommandLineServes) {
  // ExecStart without its line continuations, with this machine's paths: models, a token file
  // in place of the credential, a free port.
  const std::string unit = replaced(read_whole_file(kUnit), "\\\n", " ");
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

// deploy/Dockerfile. The image itself is built by scripts/container-check (minutes of apt and
// compiling: outside CI); these check what the file promises against this machine.
namespace dockerfile {

const std::string kDockerfile = std::string(HONE_SOURCE_DIR) + "/deploy/Dockerfile";

// The instruction's text with its continuation lines joined; empty when absent. `from` skips
// that many earlier ones of the same name.
std::string instruction(const std::string& text, const std::string& name, int from = 0) {
  const std::string joined = replaced(text, "\\\n", " ");
  std::size_t at = 0;
  for (int seen = -1; seen < from; ++seen) {
    at = joined.find("\n" + name + " ", at == 0 ? 0 : at + 1);
    if (at == std::string::npos) return "";
  }
  const auto begin = at + name.size() + 2;
  return joined.substr(begin, joined.find('\n', begin) - begin);
}

// ["a", "b"] as its strings.
std::vector<std::string> json_strings(const std::string& text) {
  simdjson::dom::parser parser;
  std::vector<std::string> out;
  const simdjson::dom::element root = parser.parse(text).value();
  const simdjson::dom::array items = root.get_array().value();
  for (const simdjson::dom::element item : items) {
    out.emplace_back(std::string_view(item.get_string().value()));
  }
  return out;
}

}  // namespace dockerfile

TEST(DeployFiles, TheDockerfileBuildsAsCiDoes) {
  const std::string text = read_whole_file(dockerfile::kDockerfile);
  const std::string build = dockerfile::instruction(text, "RUN");
  // .ci/run's build: scripts/test release = scripts/setup, then the release preset.
  EXPECT_NE(read_whole_file(std::string(HONE_SOURCE_DIR) + "/.ci/run").find("scripts/test release"),
            std::string::npos);
  const std::string test = read_whole_file(std::string(HONE_SOURCE_DIR) + "/scripts/test");
  for (const std::string step : {"cmake --preset", "cmake --build --preset"}) {
    EXPECT_NE(test.find(step + " \"$preset\""), std::string::npos) << step;
    EXPECT_NE(build.find(step + " release"), std::string::npos) << step << " in: " << build;
  }
  EXPECT_EQ(build.rfind("scripts/setup", 0), 0u) << build;
  EXPECT_NE(text.find("\nUSER 10001:10001\n"), std::string::npos);
  EXPECT_NE(text.find("\nSTOPSIGNAL SIGTERM\n"), std::string::npos);
}

// Every shared library the binary links comes from a package the runtime stage installs (or
// one they depend on, or the base system's C and C++ runtimes).
TEST(DeployFiles, TheDockerfileInstallsEveryLibraryTheBinaryLinks) {
  const std::string text = read_whole_file(dockerfile::kDockerfile);
  const std::string runtime = dockerfile::instruction(text, "RUN", 1);
  ASSERT_NE(runtime.find("apt-get install"), std::string::npos) << runtime;
  std::set<std::string> allowed = {"libc6", "libgcc-s1", "libstdc++6"};
  std::istringstream words(runtime.substr(runtime.find("--no-install-recommends")));
  for (std::string word; words >> word && word != "&&";) {
    if (word.rfind("--", 0) == 0) continue;
    allowed.insert(word);
    const ProcessResult depends = run_process({"/usr/bin/dpkg-query", "-W", "-f=${Depends}", word});
    ASSERT_EQ(depends.exit_code, 0) << word << ": " << depends.err;
    std::istringstream names(replaced(depends.out + ",", ",", " "));
    for (std::string name; names >> name;) {
      if (name[0] != '(' && name != "|") allowed.insert(name.substr(0, name.find(':')));
    }
  }
  const ProcessResult linked = run_process({"/usr/bin/ldd", kHone});
  ASSERT_EQ(linked.exit_code, 0) << linked.err;
  std::istringstream lines(linked.out);
  int libraries = 0;
  for (std::string line; std::getline(lines, line);) {
    const auto arrow = line.find("=> /");
    if (arrow == std::string::npos) continue;
    const std::string path = line.substr(arrow + 3, line.find(" (", arrow) - arrow - 3);
    const std::string real = std::filesystem::canonical(path).string();
    ProcessResult owner = run_process({"/usr/bin/dpkg", "-S", real});
    if (owner.exit_code != 0) owner = run_process({"/usr/bin/dpkg", "-S", path});
    ASSERT_EQ(owner.exit_code, 0) << path << ": " << owner.err;
    const std::string package = owner.out.substr(0, owner.out.find(':'));
    // The sanitizer presets' runtimes are not part of a release image.
    if (package.rfind("libasan", 0) == 0 || package.rfind("libubsan", 0) == 0 ||
        package.rfind("libtsan", 0) == 0) {
      continue;
    }
    ++libraries;
    EXPECT_TRUE(allowed.count(package))
        << path << " comes from " << package << ", which the Dockerfile does not install";
  }
  EXPECT_GT(libraries, 10);
}

// The image's command line serves, and its HEALTHCHECK command tells ready from not.
TEST(DeployFiles, TheDockerfilesCommandServesAndItsHealthCheckSeesIt) {
  const std::string text = read_whole_file(dockerfile::kDockerfile);
  auto args = dockerfile::json_strings(dockerfile::instruction(text, "ENTRYPOINT"));
  for (auto& arg : dockerfile::json_strings(dockerfile::instruction(text, "CMD"))) {
    if (arg == "/srv/hone/models") arg = kExamples;
    if (arg == "0.0.0.0") arg = "127.0.0.1";
    if (arg == "8000") arg = "0";
    args.push_back(arg);
  }
  ASSERT_EQ(args.at(0), "/usr/local/bin/hone");
  args[0] = kHone;
  const std::string check = dockerfile::instruction(text, "HEALTHCHECK");
  const auto health = dockerfile::json_strings(check.substr(check.find("CMD [") + 4));
  ASSERT_EQ(health.size(), 3u);
  ASSERT_EQ(health[0], "bash");
  const auto check_port = [&](std::uint16_t port) {
    return run_process(
               {"/bin/bash", health[1], replaced(health[2], "/8000", "/" + std::to_string(port))})
        .exit_code;
  };
  ChildProcess served(args);
  const std::uint16_t port = listening_port(served.read_line());
  ASSERT_NE(port, 0) << served.stderr_text();
  EXPECT_EQ(check_port(port), 0);
  served.signal(SIGTERM);
  EXPECT_EQ(served.wait(), 0);
  EXPECT_NE(check_port(port), 0);  // nothing listens
}

// The balancers' timeouts, as deploy/haproxy.cfg and deploy/nginx.conf promise: they wait for an
// answer longer than any deadline of hone's own (its defaults, and the drain the files' command
// line gives), so that a client sees hone's error and message; nginx closes idle connections to
// an instance before hone's idle timeout would.
namespace balancers {

// The duration after the first `key ` in `text` (up to a space, ';' or the line's end).
std::chrono::milliseconds setting(const std::string& text, const std::string& key) {
  const auto at = text.find(key + " ");
  EXPECT_NE(at, std::string::npos) << key;
  if (at == std::string::npos) return {};
  const auto begin = at + key.size() + 1;
  const std::string value = text.substr(begin, text.find_first_of(" ;\n", begin) - begin);
  const auto parsed = parse_duration(value);
  EXPECT_TRUE(parsed.ok()) << key << " " << value;
  return parsed.ok() ? std::chrono::duration_cast<std::chrono::milliseconds>(*parsed)
                     : std::chrono::milliseconds{};
}

}  // namespace balancers

TEST(DeployFiles, TheBalancersOutwaitHoneAndCloseIdleConnectionsFirst) {
  const http::Limits hone;
  for (const char* file : {"/deploy/haproxy.cfg", "/deploy/nginx.conf"}) {
    const std::string text = read_whole_file(std::string(HONE_SOURCE_DIR) + file);
    const bool haproxy = std::string(file).find("haproxy") != std::string::npos;
    const auto answer = balancers::setting(text, haproxy ? "timeout server" : "proxy_read_timeout");
    const auto drain = balancers::setting(text, "--drain-timeout");
    for (const auto own : {hone.header_timeout, hone.body_timeout, hone.write_timeout, drain}) {
      EXPECT_GT(answer, own) << file;
    }
    EXPECT_GT(answer.count(), 0) << file;
    if (!haproxy) {
      EXPECT_LT(balancers::setting(text, "keepalive_timeout"), hone.idle_timeout);
    }
  }
}

}  // namespace
}  // namespace hone::test
