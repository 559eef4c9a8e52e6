#include "cli/terminal.h"

#include <signal.h>
#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iostream>

namespace custody::cli {
namespace {

// The terminal state to restore if SIGINT arrives while echo is off.
struct termios g_saved_termios;
volatile sig_atomic_t g_echo_off = 0;

void RestoreAndReraise(int sig) {
  if (g_echo_off) ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &g_saved_termios);
  ::signal(sig, SIG_DFL);
  ::raise(sig);
}

}  // namespace

bool StdinIsTerminal() { return ::isatty(STDIN_FILENO) == 1; }
bool StdoutIsTerminal() { return ::isatty(STDOUT_FILENO) == 1; }

Result<std::string> ReadLineFromStdin(std::string_view what) {
  std::string line;
  if (!std::getline(std::cin, line) && line.empty())
    return InvalidArgument("expected the " + std::string(what) + " as one line on standard input");
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

Result<std::string> PromptSecret(std::string_view prompt) {
  std::cerr << prompt << std::flush;
  struct termios old_t;
  if (::tcgetattr(STDIN_FILENO, &old_t) != 0) return InvalidArgument("cannot read the terminal");
  struct termios quiet = old_t;
  quiet.c_lflag &= ~tcflag_t(ECHO);
  quiet.c_lflag |= ECHONL;
  g_saved_termios = old_t;
  struct sigaction sa {};
  struct sigaction old_int {};
  struct sigaction old_term {};
  sa.sa_handler = RestoreAndReraise;
  sigemptyset(&sa.sa_mask);
  ::sigaction(SIGINT, &sa, &old_int);
  ::sigaction(SIGTERM, &sa, &old_term);
  g_echo_off = 1;
  ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
  std::string line;
  bool got = static_cast<bool>(std::getline(std::cin, line));
  ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &old_t);
  g_echo_off = 0;
  ::sigaction(SIGINT, &old_int, nullptr);
  ::sigaction(SIGTERM, &old_term, nullptr);
  if (!got) return InvalidArgument("no input");
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

ProgressDisplay::ProgressDisplay(std::ostream& out, bool terminal, std::string label)
    : out_(out), terminal_(terminal), label_(std::move(label)) {}

ProgressDisplay::~ProgressDisplay() { Finish(); }

void ProgressDisplay::Update(double fraction, std::string_view status) {
  if (!std::isfinite(fraction)) fraction = 0;
  fraction_ = std::clamp(fraction, 0.0, 1.0);
  if (!status.empty()) status_ = std::string(status);
  if (terminal_) {
    Draw();
    return;
  }
  int decile = int(fraction_ * 10 + 1e-9);
  if (decile == last_decile_ && status_ == last_status_) return;
  last_decile_ = decile;
  last_status_ = status_;
  out_ << label_ << ": " << status_ << " " << int(std::lround(fraction_ * 100)) << "%\n"
       << std::flush;
}

void ProgressDisplay::Note(std::string_view line) {
  if (terminal_ && drawn_) out_ << "\r\033[K";
  out_ << line << "\n";
  if (terminal_ && drawn_) Draw();
  out_ << std::flush;
}

void ProgressDisplay::Draw() {
  constexpr int kWidth = 30;
  int filled = int(fraction_ * kWidth + 1e-9);
  std::string bar(size_t(filled), '#');
  bar.append(size_t(kWidth - filled), '-');
  char pct[8];
  std::snprintf(pct, sizeof(pct), "%3d%%", int(std::lround(fraction_ * 100)));
  // "\033[K" clears what a longer previous line left behind.
  out_ << "\r" << label_ << " [" << bar << "] " << pct << " " << status_ << "\033[K" << std::flush;
  drawn_ = true;
}

void ProgressDisplay::Finish() {
  if (terminal_ && drawn_) out_ << "\n" << std::flush;
  drawn_ = false;
}

}  // namespace custody::cli
