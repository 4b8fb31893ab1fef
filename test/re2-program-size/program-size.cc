// Prints RE2's own measure of each pattern read from stdin, one pattern a line, as one JSON object
// a line: {"pattern":…,"programSize":N,"reverseProgramSize":N}, or {"pattern":…,"error":…} when
// RE2 refuses it. RE2 is compiled as Envoy compiles a safe_regex: default options, quiet.
// Test support only (see README.md): built by regenerate.sh against the system's libre2.
#include <cstdio>
#include <iostream>
#include <string>

#include <re2/re2.h>

static std::string json(const std::string& s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

int main() {
  std::string pattern;
  while (std::getline(std::cin, pattern)) {
    RE2 re(pattern, RE2::Quiet);
    std::cout << "{\"pattern\":" << json(pattern);
    if (re.ok()) {
      std::cout << ",\"programSize\":" << re.ProgramSize()
                << ",\"reverseProgramSize\":" << re.ReverseProgramSize();
    } else {
      std::cout << ",\"error\":" << json(re.error());
    }
    std::cout << "}\n";
  }
  return 0;
}
