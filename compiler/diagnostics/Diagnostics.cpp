#include "diagnostics/Diagnostics.h"

#include <algorithm>
#include <regex>

namespace kiln {

namespace {
struct DiagInfo {
  Severity severity;
  std::string_view text;
};
constexpr DiagInfo kDiagInfo[] = {
#define DIAG(id, severity, text) {Severity::severity, text},
#include "diagnostics/Diagnostics.def"
#undef DIAG
};

const char *severityName(Severity s) {
  switch (s) {
  case Severity::Error: return "error";
  case Severity::Warning: return "warning";
  case Severity::Note: return "note";
  }
  return "";
}

const char *severityColor(Severity s) {
  switch (s) {
  case Severity::Error: return "\033[1;31m";
  case Severity::Warning: return "\033[1;35m";
  case Severity::Note: return "\033[1;36m";
  }
  return "";
}
}  // namespace

std::string_view diagText(DiagID id) { return kDiagInfo[static_cast<int>(id)].text; }
Severity diagSeverity(DiagID id) { return kDiagInfo[static_cast<int>(id)].severity; }

void DiagnosticEngine::printOne(std::FILE *out, const Diagnostic &d, bool color) const {
  const char *bold = color ? "\033[1m" : "";
  const char *reset = color ? "\033[0m" : "";
  if (d.range.valid()) {
    LineColumn lc = sources_.lineColumn(d.range.begin);
    fmt::print(out, "{}{}:{}:{}: ", bold, sources_.name(d.range.begin.file), lc.line, lc.column);
  } else {
    fmt::print(out, "{}kilnc: ", bold);
  }
  fmt::print(out, "{}{}:{} {}{}{}\n", color ? severityColor(d.severity) : "", severityName(d.severity),
             reset, bold, d.message, reset);
  if (d.range.valid()) {
    LineColumn lc = sources_.lineColumn(d.range.begin);
    std::string_view line = sources_.lineText(d.range.begin.file, lc.line);
    fmt::print(out, "{}\n", line);
    // Caret under the first character, tildes under the rest of the range
    // on this line; tabs are kept so the caret lines up.
    std::string marker;
    for (unsigned i = 0; i + 1 < lc.column && i < line.size(); ++i)
      marker += line[i] == '\t' ? '\t' : ' ';
    marker += '^';
    uint32_t lineEnd = d.range.begin.offset - (lc.column - 1) + static_cast<uint32_t>(line.size());
    for (uint32_t o = d.range.begin.offset + 1; o < d.range.end && o < lineEnd; ++o) marker += '~';
    fmt::print(out, "{}{}{}\n", color ? "\033[1;32m" : "", marker, reset);
  }
  for (const Diagnostic &n : d.notes) printOne(out, n, color);
}

void DiagnosticEngine::print(std::FILE *out, bool color) {
  // In source order; diagnostics without a location (files, options) last.
  std::vector<const Diagnostic *> order;
  for (const Diagnostic &d : diags_) order.push_back(&d);
  std::stable_sort(order.begin(), order.end(), [](const Diagnostic *a, const Diagnostic *b) {
    auto key = [](const Diagnostic *d) {
      return d->range.valid() ? std::pair(d->range.begin.file, d->range.begin.offset) : std::pair(~0u, 0u);
    };
    return key(a) < key(b);
  });
  for (const Diagnostic *d : order) printOne(out, *d, color);
  diags_.clear();
}

void DiagnosticEngine::printSummary(std::FILE *out) const {
  if (errors_ == 0) return;
  fmt::print(out, "{} error{} generated.\n", errors_, errors_ == 1 ? "" : "s");
}

bool DiagnosticEngine::verify(std::FILE *out, uint32_t file) {
  struct Expected {
    Severity severity;
    unsigned line;  // 0: any line
    std::string text;
    bool seen = false;
  };
  std::vector<Expected> expected;
  bool checkNotes = false;
  static const std::regex re(R"(expected-(error|warning|note)(@([+-]?\d+|\*))?\s*\{\{(.*?)\}\})");
  unsigned lines = sources_.lineCount(file);
  for (unsigned line = 1; line <= lines; ++line) {
    std::string text(sources_.lineText(file, line));
    for (std::sregex_iterator it(text.begin(), text.end(), re), end; it != end; ++it) {
      const std::smatch &m = *it;
      Severity s = m[1] == "error" ? Severity::Error : m[1] == "warning" ? Severity::Warning : Severity::Note;
      checkNotes |= s == Severity::Note;
      unsigned target = line;
      if (m[3].matched) target = m[3] == "*" ? 0 : unsigned(int(line) + std::stoi(m[3]));
      expected.push_back({s, target, m[4], false});
    }
  }

  bool ok = true;
  auto check = [&](const Diagnostic &d) {
    unsigned line = d.range.valid() && d.range.begin.file == file ? sources_.lineColumn(d.range.begin).line : 0;
    for (Expected &e : expected) {
      if (!e.seen && e.severity == d.severity && (e.line == 0 || e.line == line) &&
          d.message.find(e.text) != std::string::npos) {
        e.seen = true;
        return;
      }
    }
    ok = false;
    fmt::print(out, "error: {} seen but not expected (line {}): {}\n", severityName(d.severity), line, d.message);
  };
  for (const Diagnostic &d : diags_) {
    check(d);
    if (checkNotes)
      for (const Diagnostic &n : d.notes) check(n);
  }
  for (const Expected &e : expected) {
    if (e.seen) continue;
    ok = false;
    fmt::print(out, "error: {} expected but not seen (line {}): {}\n", severityName(e.severity), e.line, e.text);
  }
  diags_.clear();
  return ok;
}

}  // namespace kiln
