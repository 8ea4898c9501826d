// A hone serve the sweep starts for one configuration: the model repository copied with the
// configuration's model keys written into every config.yaml, the configuration's flags added to
// the target's, on a free port; ready once it prints its listening line. Its log goes to a file.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>

#include "core/result.h"
#include "sweep/sweep_spec.h"

namespace hone::sweep {

class ServerProcess {
 public:
  // `work` is a folder of this configuration's own (repository copy, log).
  static Result<ServerProcess> start(const SweepSpec& spec, const Configuration& configuration,
                                     const std::string& work);
  ServerProcess(ServerProcess&& other) noexcept;
  ServerProcess& operator=(ServerProcess&&) = delete;
  ~ServerProcess();  // stops it

  std::string base_url() const;
  // SIGTERM, then SIGKILL when it has not exited within 15 s.
  void stop();

 private:
  ServerProcess(pid_t pid, std::uint16_t port, int out_fd)
      : pid_(pid), port_(port), out_fd_(out_fd) {}
  pid_t pid_ = -1;
  std::uint16_t port_ = 0;
  int out_fd_ = -1;  // its stdout, read for the listening line
};

// Writes `from` (a model repository) to `to` with each model's config.yaml given `key` = `value`
// for every "model." key of the configuration.
Status write_configured_repository(const std::string& from, const std::string& to,
                                   const Configuration& configuration);

}  // namespace hone::sweep
