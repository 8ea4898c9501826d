#include "sweep/server_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "core/strings.h"
#include "sweep/cpu_pin.h"

extern char** environ;

namespace hone::sweep {
namespace {
namespace fs = std::filesystem;

// The nested node of `root` at "a.b.c", created as needed.
void set_path(YAML::Node root, const std::string& dotted, const std::string& value) {
  std::vector<std::string> keys;
  for (const auto part : split(dotted, '.')) keys.emplace_back(part);
  std::vector<YAML::Node> chain = {root};
  for (std::size_t i = 0; i + 1 < keys.size(); ++i) chain.push_back(chain.back()[keys[i]]);
  chain.back()[keys.back()] = YAML::Load(value);  // keeps the value's type: 2ms, true, 64
}

// The first line the child writes to `fd`, within `limit`.
std::string first_line(int fd, std::chrono::milliseconds limit) {
  std::string line;
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (line.find('\n') == std::string::npos) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(left.count())) <= 0) break;
    char buffer[512];
    const ssize_t n = read(fd, buffer, sizeof buffer);
    if (n <= 0) break;
    line.append(buffer, static_cast<std::size_t>(n));
  }
  return line.substr(0, line.find('\n'));
}

}  // namespace

Status write_configured_repository(const std::string& from, const std::string& to,
                                   const Configuration& configuration) {
  std::error_code error;
  fs::remove_all(to, error);
  fs::copy(from, to, fs::copy_options::recursive, error);
  if (error) return fail("cannot copy the model repository " + from + ": " + error.message());
  for (const auto& entry : fs::directory_iterator(to)) {
    const fs::path config = entry.path() / "config.yaml";
    if (!fs::exists(config)) continue;
    try {
      YAML::Node root = YAML::LoadFile(config.string());
      for (const auto& [key, value] : configuration) {
        if (key.rfind("model.", 0) == 0) set_path(root, key.substr(6), value);
      }
      YAML::Emitter out;
      out << root;
      std::ofstream(config) << out.c_str() << "\n";
    } catch (const YAML::Exception& e) {
      return fail(config.string() + ": " + e.what());
    }
  }
  return {};
}

Result<ServerProcess> ServerProcess::start(const SweepSpec& spec,
                                           const Configuration& configuration,
                                           const std::string& work) {
  std::error_code error;
  fs::create_directories(work, error);
  const std::string repository = (fs::path(work) / "models").string();
  if (auto s = write_configured_repository(spec.models, repository, configuration); !s)
    return s.error();
  std::vector<std::string> args = {"/proc/self/exe", "serve",  "--models",
                                   repository,       "--port", "0"};
  args.insert(args.end(), spec.serve_args.begin(), spec.serve_args.end());
  for (const auto& [key, value] : configuration) {
    if (key.rfind("--", 0) != 0) continue;
    if (value == "true") {
      args.push_back(key);
    } else if (value != "false") {
      args.push_back(key);
      args.push_back(value);
    }
  }
  int out[2];
  if (pipe(out) != 0) return fail("cannot make a pipe for hone serve");
  const std::string log = (fs::path(work) / "serve.log").string();
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
  posix_spawn_file_actions_addclose(&actions, out[0]);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, log.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  std::vector<char*> argv;
  for (auto& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  pid_t pid = -1;
  int spawned = 0;
  {
    const CpuPin pin(spec.serve_cpus);  // the child inherits the CPUs
    spawned = posix_spawn(&pid, "/proc/self/exe", &actions, nullptr, argv.data(), environ);
  }
  posix_spawn_file_actions_destroy(&actions);
  close(out[1]);
  if (spawned != 0) {
    close(out[0]);
    return fail("cannot start hone serve");
  }
  const std::string line = first_line(out[0], std::chrono::seconds(120));
  const std::size_t at = line.find("http://");
  const std::size_t colon = at == std::string::npos ? at : line.find(':', at + 7);
  // The pipe stays open while it runs: a write to a closed one would kill it.
  ServerProcess server(pid,
                       colon == std::string::npos
                           ? 0
                           : static_cast<std::uint16_t>(std::atoi(line.c_str() + colon + 1)),
                       out[0]);
  if (server.port_ == 0) {
    server.stop();
    return fail("hone serve did not start (" + join(args, " ") + "); its log: " + log);
  }
  return server;
}

ServerProcess::ServerProcess(ServerProcess&& other) noexcept
    : pid_(other.pid_), port_(other.port_), out_fd_(other.out_fd_) {
  other.pid_ = -1;
  other.out_fd_ = -1;
}

ServerProcess::~ServerProcess() { stop(); }

std::string ServerProcess::base_url() const { return "http://127.0.0.1:" + std::to_string(port_); }

void ServerProcess::stop() {
  if (pid_ <= 0) {
    if (out_fd_ >= 0) close(out_fd_);
    out_fd_ = -1;
    return;
  }
  kill(pid_, SIGTERM);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
  int status = 0;
  while (waitpid(pid_, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() > deadline) {
      kill(pid_, SIGKILL);
      waitpid(pid_, &status, 0);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  pid_ = -1;
  if (out_fd_ >= 0) close(out_fd_);
  out_fd_ = -1;
}

}  // namespace hone::sweep
