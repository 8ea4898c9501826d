// Runs the hone binary as a child process for CLI tests: capture of stdout and stderr, exit
// code, signals, and a hard time limit after which the child is killed (a test never hangs).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace hone::test {

struct ProcessResult {
  int exit_code = -1;  // -1 when killed by a signal or the time limit
  bool timed_out = false;
  std::string out;
  std::string err;
};

ProcessResult run_process(const std::vector<std::string>& args,
                          std::chrono::milliseconds limit = std::chrono::seconds(60));

// The port in hone serve's "listening on http://HOST:PORT ..." line; 0 when absent.
std::uint16_t listening_port(const std::string& line);

// A child left running (hone serve): its stdout is read line by line.
class ChildProcess {
 public:
  explicit ChildProcess(const std::vector<std::string>& args);
  ~ChildProcess();  // kills the child if it still runs
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  // Next line of stdout, or empty at EOF or after the time limit.
  std::string read_line(std::chrono::milliseconds limit = std::chrono::seconds(30));
  void signal(int number);
  // Waits for the exit; -1 if it had to be killed at the limit or died of a signal.
  int wait(std::chrono::milliseconds limit = std::chrono::seconds(30));
  std::string stderr_text();

 private:
  pid_t pid_ = -1;
  int out_fd_ = -1;
  int err_fd_ = -1;
  std::string out_buffer_;
  std::string err_buffer_;
  bool exited_ = false;
};

}  // namespace hone::test
