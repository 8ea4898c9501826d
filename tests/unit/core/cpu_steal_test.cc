// /proc/stat's steal column, as the load generator reads it to tell a busy generator from one
// whose machine's hypervisor kept it waiting.
#include "core/cpu_steal.h"

#include <gtest/gtest.h>

#include <thread>

namespace hone {
namespace {

TEST(CpuSteal, TheStealColumnInSecondsAndTheCpusListed) {
  const char* text =
      "cpu  1809641 7468 339368 2080596 16355 0 47798 28050 0 0\n"
      "cpu0 884346 3540 163720 1070342 5829 0 23090 14057 0 0\n"
      "cpu1 925294 3927 175647 1010254 10525 0 24708 13992 0 0\n"
      "intr 1 2 3\nctxt 99\n";
  const auto steal = parse_proc_stat(text, 100);
  ASSERT_TRUE(steal);
  EXPECT_DOUBLE_EQ(steal->steal_s, 280.5);
  EXPECT_EQ(steal->cpus, 2);
  EXPECT_DOUBLE_EQ(parse_proc_stat(text, 1000)->steal_s, 28.05);
}

TEST(CpuSteal, NoStealColumnOrNoCpuLineIsNotAFigure) {
  EXPECT_FALSE(parse_proc_stat("cpu  1 2 3 4 5 6 7\ncpu0 1 2 3 4 5 6 7\n", 100));
  EXPECT_FALSE(parse_proc_stat("intr 1 2 3\n", 100));
  EXPECT_FALSE(parse_proc_stat("cpu  1 2 3 4 5 6 7 8\n", 0));
  EXPECT_FALSE(parse_proc_stat("", 100));
}

TEST(CpuSteal, ThisMachine) {
  const auto steal = read_machine_steal();
  ASSERT_TRUE(steal) << "/proc/stat has a steal column on every kernel since 2.6.11";
  EXPECT_EQ(steal->cpus, static_cast<int>(std::thread::hardware_concurrency()));
  EXPECT_GE(steal->steal_s, 0);
}

}  // namespace
}  // namespace hone
