#include "load/presets.h"

#include "core/strings.h"

namespace hone::load {

std::vector<std::string> preset_names() {
  return {"basic", "stress", "spike", "endurance", "ramp", "soak"};
}

Result<Profile> preset_profile(const std::string& name) {
  if (name == "basic") return Profile::constant(10, 60);
  if (name == "stress") return Profile::constant(50, 300);
  if (name == "spike") {
    return Profile(10, {{20, 10}, {2, 100}, {40, 100}, {2, 10}, {56, 10}});
  }
  if (name == "endurance") return Profile::constant(20, 1800);
  if (name == "ramp") return Profile(0, {{120, 50}, {60, 50}, {30, 0}});
  if (name == "soak") return Profile(0, {{60, 25}, {7200, 25}, {60, 0}});
  return fail("unknown preset '" + name + "' (presets: " + join(preset_names(), ", ") + ")");
}

}  // namespace hone::load
