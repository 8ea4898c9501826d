#include "support/process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>

namespace hone::test {
namespace {

using Clock = std::chrono::steady_clock;

pid_t spawn(const std::vector<std::string>& args, int& out_fd, int& err_fd) {
  int out_pipe[2];
  int err_pipe[2];
  if (::pipe(out_pipe) != 0 || ::pipe(err_pipe) != 0) return -1;
  const pid_t pid = ::fork();
  if (pid == 0) {
    const int null_fd = ::open("/dev/null", O_RDONLY);  // children never read the test's input
    if (null_fd >= 0) ::dup2(null_fd, 0);
    ::dup2(out_pipe[1], 1);
    ::dup2(err_pipe[1], 2);
    ::close(out_pipe[0]);
    ::close(err_pipe[0]);
    std::vector<char*> argv;
    for (const auto& arg : args) argv.push_back(const_cast<char*>(arg.c_str()));
    argv.push_back(nullptr);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  ::close(out_pipe[1]);
  ::close(err_pipe[1]);
  out_fd = out_pipe[0];
  err_fd = err_pipe[0];
  return pid;
}

// Reads whatever is available from fd into out; false at EOF.
bool drain(int fd, std::string& out) {
  char chunk[4096];
  const ssize_t n = ::read(fd, chunk, sizeof chunk);
  if (n <= 0) return false;
  out.append(chunk, static_cast<std::size_t>(n));
  return true;
}

int decode_status(int status) { return WIFEXITED(status) ? WEXITSTATUS(status) : -1; }

}  // namespace

std::uint16_t listening_port(const std::string& line) {
  const auto scheme = line.find("://");
  if (scheme == std::string::npos || line.rfind("http", scheme) == std::string::npos) return 0;
  std::size_t host_end = scheme + 3;
  if (line.compare(host_end, 1, "[") == 0) host_end = line.find(']', host_end);  // IPv6
  const auto colon = host_end == std::string::npos ? host_end : line.find(':', host_end);
  if (colon == std::string::npos) return 0;
  return static_cast<std::uint16_t>(std::atoi(line.c_str() + colon + 1));
}

ProcessResult run_process(const std::vector<std::string>& args, std::chrono::milliseconds limit) {
  ProcessResult result;
  int out_fd = -1;
  int err_fd = -1;
  const pid_t pid = spawn(args, out_fd, err_fd);
  if (pid < 0) return result;
  const auto deadline = Clock::now() + limit;
  bool out_open = true;
  bool err_open = true;
  while (out_open || err_open) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) {
      result.timed_out = true;
      ::kill(pid, SIGKILL);
      break;
    }
    pollfd fds[2] = {{out_open ? out_fd : -1, POLLIN, 0}, {err_open ? err_fd : -1, POLLIN, 0}};
    if (::poll(fds, 2, static_cast<int>(left.count())) < 0 && errno != EINTR) break;
    if (out_open && (fds[0].revents & (POLLIN | POLLHUP)) != 0)
      out_open = drain(out_fd, result.out);
    if (err_open && (fds[1].revents & (POLLIN | POLLHUP)) != 0)
      err_open = drain(err_fd, result.err);
  }
  ::close(out_fd);
  ::close(err_fd);
  int status = 0;
  ::waitpid(pid, &status, 0);
  result.exit_code = result.timed_out ? -1 : decode_status(status);
  return result;
}

ChildProcess::ChildProcess(const std::vector<std::string>& args) {
  pid_ = spawn(args, out_fd_, err_fd_);
  ::fcntl(err_fd_, F_SETFL, ::fcntl(err_fd_, F_GETFL) | O_NONBLOCK);
}

ChildProcess::~ChildProcess() {
  if (pid_ > 0 && !exited_) {
    ::kill(pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
  }
  if (out_fd_ >= 0) ::close(out_fd_);
  if (err_fd_ >= 0) ::close(err_fd_);
}

std::string ChildProcess::read_line(std::chrono::milliseconds limit) {
  const auto deadline = Clock::now() + limit;
  while (true) {
    const auto newline = out_buffer_.find('\n');
    if (newline != std::string::npos) {
      std::string line = out_buffer_.substr(0, newline);
      out_buffer_.erase(0, newline + 1);
      return line;
    }
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) return {};
    pollfd fd{out_fd_, POLLIN, 0};
    if (::poll(&fd, 1, static_cast<int>(left.count())) <= 0) return {};
    if (!drain(out_fd_, out_buffer_)) return {};
  }
}

void ChildProcess::signal(int number) { ::kill(pid_, number); }

int ChildProcess::wait(std::chrono::milliseconds limit) {
  const auto deadline = Clock::now() + limit;
  int status = 0;
  while (true) {
    const pid_t done = ::waitpid(pid_, &status, WNOHANG);
    if (done == pid_) {
      exited_ = true;
      return decode_status(status);
    }
    if (Clock::now() >= deadline) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, &status, 0);
      exited_ = true;
      return -1;
    }
    // The child's exit is the event; a short poll on its stderr paces the loop and keeps the
    // pipe from filling up.
    pollfd fd{err_fd_, POLLIN, 0};
    if (::poll(&fd, 1, 10) > 0) drain(err_fd_, err_buffer_);
  }
}

std::string ChildProcess::stderr_text() {
  while (drain(err_fd_, err_buffer_)) {
  }
  return err_buffer_;
}

}  // namespace hone::test
