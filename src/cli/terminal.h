// Terminal input and output for the client: secrets read without echo, and a one-line progress
// display that redraws itself on a terminal and degrades to plain lines in pipes and logs.
#pragma once

#include <iosfwd>
#include <string>
#include <string_view>

#include "base/result.h"

namespace custody::cli {

bool StdinIsTerminal();
bool StdoutIsTerminal();

// Reads one line from standard input (without its line ending). kInvalidArgument on EOF before
// any character, so an empty pipe is not taken for an empty password.
Result<std::string> ReadLineFromStdin(std::string_view what);

// Prompts on stderr and reads one line from the terminal on stdin with echo turned off; echo is
// restored afterwards, also when the user interrupts with Ctrl-C. REQUIRES: StdinIsTerminal().
Result<std::string> PromptSecret(std::string_view prompt);

// Shows how far a job has come. On a terminal it redraws one line with '\r'; otherwise it prints
// a line only when something changes in a way worth a line (status, every 10%). Not thread-safe.
class ProgressDisplay {
 public:
  ProgressDisplay(std::ostream& out, bool terminal, std::string label);
  ~ProgressDisplay();

  // `fraction` in [0,1]; `status` is the job's status word ("queued", "running", ...).
  void Update(double fraction, std::string_view status);
  // Prints a whole line of its own (e.g. "retrying: ..."), keeping the bar below it.
  void Note(std::string_view line);
  // Ends the bar's line. Idempotent.
  void Finish();

 private:
  void Draw();

  std::ostream& out_;
  const bool terminal_;
  const std::string label_;
  double fraction_ = 0;
  std::string status_;
  int last_decile_ = -1;
  std::string last_status_;
  bool drawn_ = false;
};

}  // namespace custody::cli
