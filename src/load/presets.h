// The named load shapes of `hone load --preset`, all closed-model (virtual users):
//   basic      10 users for 60 s
//   stress     50 users for 5 min
//   spike      10 users, a sudden jump to 100 users, back to 10, inside 2 min
//   endurance  20 users for 30 min
//   ramp       0 to 50 users over 2 min, 1 min at 50, down to 0 in 30 s
//   soak       up to 25 users in 1 min, 2 h at 25, down in 1 min
// --duration stretches or shrinks a preset's time axis to the given total; --scale multiplies
// its users.
#pragma once

#include <string>
#include <vector>

#include "core/result.h"
#include "load/profile.h"

namespace hone::load {

std::vector<std::string> preset_names();
Result<Profile> preset_profile(const std::string& name);

}  // namespace hone::load
