#include "diagnostics/Diagnostics.h"

#include "diagnostics/Utf8.h"

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

namespace {

// Messages quote names and values from the input: any length is possible.
constexpr size_t kMaxMessage = 1000;

// The source line of a diagnostic as printed, and the caret line under it.
struct Snippet {
  std::string line, marker;
};

// Characters are shown as `printable` spells them, and a long line only
// around the caret, so that any input prints as two short lines.
Snippet snippet(std::string_view line, size_t caret, size_t end) {
  constexpr size_t kWidth = 160;
  size_t from = 0, to = line.size();
  if (line.size() > kWidth) {
    from = caret > kWidth / 2 ? std::min(caret - kWidth / 2, line.size() - kWidth) : 0;
    to = from + kWidth;
    while (from > 0 && (static_cast<unsigned char>(line[from]) & 0xC0) == 0x80) --from;
    while (to < line.size() && (static_cast<unsigned char>(line[to]) & 0xC0) == 0x80) ++to;
  }
  Snippet s;
  if (from > 0) s.line = s.marker = "...";
  if (from > 0) s.marker = "   ";
  for (size_t i = from; i < to;) {
    size_t n = std::max<size_t>(1, utf8Length(line, i));
    std::string shown = printable(line.substr(i, n));
    s.line += shown;
    size_t width = 0;
    for (char c : shown) width += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
    if (i < caret)
      s.marker += shown == "\t" ? std::string("\t") : std::string(width, ' ');
    else if (i == caret)
      s.marker += "^" + std::string(width - 1, '~');
    else if (i < end)
      s.marker += std::string(width, '~');
    i += n;
  }
  if (caret >= to) s.marker += '^';
  if (to < line.size()) s.line += "...";
  return s;
}

}  // namespace

void DiagnosticEngine::printOne(std::FILE *out, const Diagnostic &d, bool color) const {
  const char *bold = color ? "\033[1m" : "";
  const char *reset = color ? "\033[0m" : "";
  if (d.range.valid()) {
    LineColumn lc = sources_.lineColumn(d.range.begin);
    fmt::print(out, "{}{}:{}:{}: ", bold, printable(sources_.name(d.range.begin.file)), lc.line, lc.column);
  } else {
    fmt::print(out, "{}kilnc: ", bold);
  }
  fmt::print(out, "{}{}:{} {}{}{}\n", color ? severityColor(d.severity) : "", severityName(d.severity),
             reset, bold, printable(d.message, kMaxMessage), reset);
  if (d.range.valid()) {
    LineColumn lc = sources_.lineColumn(d.range.begin);
    std::string_view line = sources_.lineText(d.range.begin.file, lc.line);
    size_t caret = lc.column - 1;
    Snippet s = snippet(line, caret, caret + (d.range.end - d.range.begin.offset));
    fmt::print(out, "{}\n{}{}{}\n", s.line, color ? "\033[1;32m" : "", s.marker, reset);
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
  if (dropped_) fmt::print(out, "kilnc: note: {} more diagnostics are not shown\n", dropped_);
  diags_.clear();
  dropped_ = 0;
}

bool DiagnosticEngine::repeatsEarlier(const Diagnostic &d) const {
  return std::find(diags_.begin(), diags_.end() - 1, d) != diags_.end() - 1;
}

Diagnostic &DiagnosticEngine::forgetLast() {
  Severity severity = diags_.back().severity;
  diags_.pop_back();
  if (severity == Severity::Error) --errors_;
  if (severity == Severity::Warning) --warnings_;
  --reported_[static_cast<int>(severity)];
  droppedDiagnostic_ = {};
  return droppedDiagnostic_;
}

void DiagnosticEngine::dropSince(const Mark &mark) {
  diags_.resize(std::min(diags_.size(), mark.kept));
  errors_ = mark.errors;
  warnings_ = mark.warnings;
  dropped_ = mark.dropped;
  for (int i = 0; i < 3; ++i) reported_[i] = mark.reported[i];
}

Diagnostic *DiagnosticEngine::demoteErrors(const Mark &from, const Mark &to) {
  Diagnostic *first = nullptr;
  for (size_t i = from.kept; i < to.kept && i < diags_.size(); ++i) {
    if (diags_[i].severity != Severity::Error) continue;
    diags_[i].severity = Severity::Warning;
    --errors_, ++warnings_;
    --reported_[static_cast<int>(Severity::Error)], ++reported_[static_cast<int>(Severity::Warning)];
    if (!first) first = &diags_[i];
  }
  return first;
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
  // clang's form: expected-note@+1 2 {{text}} expects two notes on the next line.
  static const std::regex re(R"(expected-(error|warning|note)(@([+-]?\d+|\*))?\s*(\d+)?\s*\{\{(.*?)\}\})");
  unsigned lines = sources_.lineCount(file);
  for (unsigned line = 1; line <= lines; ++line) {
    std::string text(sources_.lineText(file, line));
    for (std::sregex_iterator it(text.begin(), text.end(), re), end; it != end; ++it) {
      const std::smatch &m = *it;
      Severity s = m[1] == "error" ? Severity::Error : m[1] == "warning" ? Severity::Warning : Severity::Note;
      checkNotes |= s == Severity::Note;
      unsigned target = line;
      if (m[3].matched) target = m[3] == "*" ? 0 : unsigned(int(line) + std::stoi(m[3]));
      for (int n = m[4].matched ? std::stoi(m[4]) : 1; n > 0; --n) expected.push_back({s, target, m[5], false});
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
