#include "serve/api_keys.h"

#include <openssl/evp.h>

#include <algorithm>
#include <cmath>
#include <fstream>

#include "core/strings.h"

namespace hone::serve {
namespace {

KeyDigest digest_of(std::string_view key) {
  KeyDigest out{};
  unsigned int size = 0;
  EVP_Digest(key.data(), key.size(), out.data(), &size, EVP_sha256(), nullptr);
  return out;
}

}  // namespace

Result<KeyRate> parse_key_rate(std::string_view text) {
  const auto slash = text.find('/');
  const std::string number(text.substr(0, slash));
  const std::string_view unit = slash == std::string_view::npos ? "" : text.substr(slash + 1);
  char* end = nullptr;
  const double count = std::strtod(number.c_str(), &end);
  if (number.empty() || end != number.c_str() + number.size() || !std::isfinite(count) ||
      count <= 0 || (unit != "s" && unit != "m")) {
    return fail("a rate is N/s or N/m with N > 0, e.g. 50/s (got '" + std::string(text) + "')");
  }
  return KeyRate{unit == "s" ? count : count / 60};
}

Result<std::unique_ptr<ApiKeys>> ApiKeys::load(const std::string& path, KeyRate default_rate) {
  std::ifstream in(path);
  if (!in) return fail("cannot read the API keys file " + path);
  auto keys = std::make_unique<ApiKeys>();
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    const std::string_view text = trim(line);
    if (text.empty() || text.front() == '#') continue;
    const std::string where = path + ":" + std::to_string(number) + ": ";
    std::vector<std::string_view> words;
    for (const auto word : split(text, ' ')) {
      if (!trim(word).empty()) words.push_back(trim(word));
    }
    auto key = std::make_unique<Key>();
    key->per_second = default_rate.per_second;
    for (std::size_t i = 1; i < words.size(); ++i) {
      if (words[i].starts_with("models=")) {
        for (const auto model : split(words[i].substr(7), ',')) {
          if (!trim(model).empty()) key->models.emplace_back(trim(model));
        }
        if (key->models.empty()) return fail(where + "models= names no model");
      } else if (words[i].starts_with("rate=")) {
        auto rate = parse_key_rate(words[i].substr(5));
        if (!rate) return fail(where + rate.error().message);
        key->per_second = rate->per_second;
      } else {
        return fail(where + "unknown setting (expected models=A,B or rate=N/s)");
      }
    }
    key->tokens = std::max(1.0, key->per_second);
    if (!keys->keys_.emplace(digest_of(words[0]), std::move(key)).second) {
      return fail(where + "this key is already in the file");
    }
  }
  if (keys->keys_.empty()) return fail("the API keys file " + path + " holds no key");
  return keys;
}

AuthVerdict ApiKeys::check(std::string_view given, std::string_view model, Clock::time_point now) {
  const auto found = keys_.find(digest_of(given));
  if (found == keys_.end()) return {401, "the API key is not valid", 0};
  Key& key = *found->second;
  if (!key.models.empty() &&
      std::find(key.models.begin(), key.models.end(), model) == key.models.end()) {
    return {403, "this API key may not call model '" + std::string(model) + "'", 0};
  }
  if (key.per_second <= 0) return {};
  std::lock_guard lock(key.mutex);
  const double burst = std::max(1.0, key.per_second);
  if (key.refilled != Clock::time_point{}) {
    const double elapsed = std::chrono::duration<double>(now - key.refilled).count();
    key.tokens = std::min(burst, key.tokens + elapsed * key.per_second);
  }
  key.refilled = now;
  if (key.tokens >= 1) {
    key.tokens -= 1;
    return {};
  }
  const auto wait_s = static_cast<std::int64_t>(std::ceil((1 - key.tokens) / key.per_second));
  return {429, "this API key's rate limit is reached; retry later",
          std::max<std::int64_t>(1, wait_s)};
}

}  // namespace hone::serve
