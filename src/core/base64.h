// Base64url (RFC 4648 section 5) without padding, as JSON Web Tokens and JWKs use it.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace hone {

std::string base64url_encode(std::string_view bytes);
// The bytes `text` encodes, or nothing when it holds a character outside the alphabet, padding,
// a length no encoding has (4n+1), or bits set past the last byte.
std::optional<std::string> base64url_decode(std::string_view text);

}  // namespace hone
