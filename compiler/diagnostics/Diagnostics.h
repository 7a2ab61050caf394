// The one diagnostics engine: every error, warning and note kilnc reports
// goes through DiagnosticEngine::report with an ID from Diagnostics.def.
#pragma once

#include "diagnostics/SourceManager.h"

#include <fmt/format.h>

#include <cstdio>
#include <deque>
#include <functional>
#include <string>
#include <vector>

namespace kiln {

enum class Severity { Error, Warning, Note };

enum class DiagID {
#define DIAG(id, severity, text) id,
#include "diagnostics/Diagnostics.def"
#undef DIAG
};

std::string_view diagText(DiagID id);
Severity diagSeverity(DiagID id);

template <class... Args>
std::string formatDiag(DiagID id, const Args &...args) {
  try {
    return fmt::vformat(diagText(id), fmt::make_format_args(args...));
  } catch (const fmt::format_error &) {
    // A message whose arguments do not fit its text still gets reported.
    return std::string(diagText(id));
  }
}

struct Diagnostic {
  Severity severity;
  DiagID id;
  SourceRange range;
  std::string message;
  std::vector<Diagnostic> notes;

  // Attaches a note that explains this diagnostic.
  template <class... Args>
  Diagnostic &note(DiagID noteId, SourceRange where, const Args &...args) {
    notes.push_back({diagSeverity(noteId), noteId, where, formatDiag(noteId, args...), {}});
    return *this;
  }
  bool operator==(const Diagnostic &) const = default;
};

class DiagnosticEngine {
public:
  explicit DiagnosticEngine(const SourceManager &sources) : sources_(sources) {}

  // Past kMaxPerSeverity of one severity a diagnostic is counted but not
  // kept: a hostile input can have an error on every line.
  static constexpr unsigned kMaxPerSeverity = 100;

  template <class... Args>
  Diagnostic &report(DiagID id, SourceRange where, const Args &...args) {
    Severity severity = diagSeverity(id);
    if (severity == Severity::Error) ++errors_;
    if (severity == Severity::Warning) ++warnings_;
    if (++reported_[static_cast<int>(severity)] > kMaxPerSeverity) {
      ++dropped_;
      droppedDiagnostic_ = {severity, id, where, {}, {}};
      return droppedDiagnostic_;
    }
    diags_.push_back({severity, id, where, formatDiag(id, args...), {}});
    if (context_ && severity != Severity::Note) context_(diags_.back());
    if (repeatsEarlier(diags_.back())) return forgetLast();
    return diags_.back();
  }

  // Whether a diagnostic of `severity` reported now would be shown (work
  // that only improves a message can be skipped otherwise).
  bool willShow(Severity severity) const { return reported_[static_cast<int>(severity)] < kMaxPerSeverity; }
  // Called on every error and warning as it is reported, to attach notes
  // about the context it arose in (the calls that led to it).
  void setContext(std::function<void(Diagnostic &)> context) { context_ = std::move(context); }

  unsigned errorCount() const { return errors_; }
  const SourceManager &sources() const { return sources_; }
  // A point in the stream of diagnostics: dropSince(mark()) forgets the ones
  // reported after it (a lookup that may fail quietly).
  struct Mark {
    size_t kept;
    unsigned errors, warnings, dropped, reported[3];
    bool operator==(const Mark &) const = default;
  };
  Mark mark() const { return {diags_.size(), errors_, warnings_, dropped_, {reported_[0], reported_[1], reported_[2]}}; }
  void dropSince(const Mark &mark);
  // The errors reported between `from` and `to` become warnings; returns
  // the first of them, if any.
  Diagnostic *demoteErrors(const Mark &from, const Mark &to);
  unsigned warningCount() const { return warnings_; }
  bool hasErrors() const { return errors_ != 0; }
  const std::deque<Diagnostic> &diagnostics() const { return diags_; }

  // Prints every diagnostic reported so far, clang style, then forgets them.
  void print(std::FILE *out, bool color);
  // Prints the "N errors generated." line, if there were errors.
  void printSummary(std::FILE *out) const;
  // `kilnc check --verify`: compares the reported diagnostics with the
  // `# expected-error {{...}}` comments of the sources; prints mismatches.
  bool verify(std::FILE *out, uint32_t file);

private:
  // Code evaluated many times (a comprehension's body, a loop) reports the
  // same diagnostic at the same place each time: it is shown once.
  bool repeatsEarlier(const Diagnostic &d) const;
  // Forgets the last diagnostic reported; returns a sink for its notes.
  Diagnostic &forgetLast();
  void printOne(std::FILE *out, const Diagnostic &d, bool color) const;

  const SourceManager &sources_;
  std::deque<Diagnostic> diags_;
  unsigned errors_ = 0;
  unsigned warnings_ = 0;
  unsigned reported_[3] = {};  // by Severity
  unsigned dropped_ = 0;
  Diagnostic droppedDiagnostic_{};  // takes the notes of a dropped diagnostic
  std::function<void(Diagnostic &)> context_;
};

}  // namespace kiln
