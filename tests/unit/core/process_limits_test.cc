#include "core/process_limits.h"

#include <gtest/gtest.h>
#include <sys/resource.h>

namespace hone {
namespace {

TEST(ProcessLimits, SoftOpenFileLimitIsRaisedToTheHardOne) {
  rlimit original{};
  ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &original), 0);
  ASSERT_GT(original.rlim_max, 64U);
  rlimit lowered = original;
  lowered.rlim_cur = 64;
  ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &lowered), 0);
  EXPECT_EQ(raise_open_file_limit(), original.rlim_max);
  rlimit now{};
  ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &now), 0);
  EXPECT_EQ(now.rlim_cur, original.rlim_max);
  EXPECT_EQ(now.rlim_max, original.rlim_max);
  ::setrlimit(RLIMIT_NOFILE, &original);
}

}  // namespace
}  // namespace hone
