// RunInventory: list the folder, analyse its files on a small thread pool, deliver them in path
// order, and summarise.
#include "inventory/inventory.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <set>
#include <thread>
#include <utility>

#include "base/fd.h"

namespace custody::inventory {
namespace {

namespace fs = std::filesystem;

// Files read into a reusable buffer up to this size; a buffer grown past it for a larger file is
// released afterwards so one big file does not pin its memory for the rest of the walk.
constexpr size_t kKeepBufferBytes = 16u << 20;
// How far workers may run ahead of delivery (in files, per thread): bounds the analyses held in
// memory while an early, slow file is still being read.
constexpr size_t kAheadPerThread = 16;

// What the listing found at one path.
struct Item {
  fs::path rel;
  fs::path abs;
  std::string skipped;  // set: not a file we read (symlink, special file)
  std::string error;    // set: could not be listed
};

std::string ErrnoText(int e) { return std::strerror(e); }

std::string KindOf(fs::file_type t) {
  switch (t) {
    case fs::file_type::fifo:
      return "a FIFO";
    case fs::file_type::socket:
      return "a socket";
    case fs::file_type::block:
      return "a block device";
    case fs::file_type::character:
      return "a character device";
    default:
      return "not a regular file";
  }
}

class Lister {
 public:
  Lister(const InventoryOptions& options, std::vector<Item>& out) : options_(options), out_(out) {}

  // Lists `dir` (whose path relative to the root is `rel`). Directory errors become items.
  void Walk(const fs::path& dir, const fs::path& rel) {
    if (options_.follow_symlinks) {
      // Following links can lead back into a folder already listed.
      struct stat st {};
      if (::stat(dir.c_str(), &st) == 0 && !visited_.insert({st.st_dev, st.st_ino}).second) return;
    }
    std::error_code ec;
    fs::directory_iterator it(dir, fs::directory_options::none, ec);
    if (ec) {
      out_.push_back({rel, dir, "", "cannot list the folder: " + ec.message()});
      return;
    }
    std::vector<fs::directory_entry> entries;
    for (; it != fs::directory_iterator(); it.increment(ec)) {
      if (ec) break;
      entries.push_back(*it);
    }
    if (ec) out_.push_back({rel, dir, "", "cannot list the folder: " + ec.message()});
    // In name order, so that when links are followed the name a folder is first reached by (and
    // so listed under) does not depend on the order the file system returns entries in.
    std::sort(entries.begin(), entries.end(),
              [](const fs::directory_entry& a, const fs::directory_entry& b) {
                return a.path().filename() < b.path().filename();
              });
    for (const fs::directory_entry& e : entries) Visit(e, rel / e.path().filename());
  }

 private:
  void Visit(const fs::directory_entry& e, const fs::path& rel) {
    const std::string name = e.path().filename().string();
    if (!options_.hidden && !name.empty() && name[0] == '.') return;
    std::error_code ec;
    fs::file_status st = e.symlink_status(ec);
    if (ec) {
      out_.push_back({rel, e.path(), "", "cannot stat: " + ec.message()});
      return;
    }
    if (fs::is_symlink(st)) {
      if (!options_.follow_symlinks) {
        out_.push_back({rel, e.path(), "symbolic link (not followed)", ""});
        return;
      }
      st = e.status(ec);
      if (ec || !fs::exists(st)) {
        out_.push_back({rel, e.path(), "broken symbolic link", ""});
        return;
      }
    }
    if (fs::is_directory(st)) {
      Walk(e.path(), rel);
    } else if (fs::is_regular_file(st)) {
      out_.push_back({rel, e.path(), "", ""});
    } else {
      out_.push_back({rel, e.path(), "special file (" + KindOf(st.type()) + ")", ""});
    }
  }

  const InventoryOptions& options_;
  std::vector<Item>& out_;
  std::set<std::pair<dev_t, ino_t>> visited_;
};

// Reads and analyses one listed item. `buffer` is the calling thread's read buffer.
InventoryEntry Process(const Item& item, const InventoryOptions& options,
                       std::vector<uint8_t>& buffer) {
  InventoryEntry e;
  e.path = item.rel;
  e.absolute = item.abs;
  if (!item.error.empty()) {
    e.error = item.error;
    return e;
  }
  if (!item.skipped.empty()) {
    e.skipped = item.skipped;
    return e;
  }
  // O_NONBLOCK: a file replaced by a FIFO after the listing must not block the walk.
  int flags = O_RDONLY | O_CLOEXEC | O_NONBLOCK | (options.follow_symlinks ? 0 : O_NOFOLLOW);
  UniqueFd fd(::open(item.abs.c_str(), flags));
  if (fd.get() < 0) {
    int err = errno;
    if (err == ELOOP) {
      e.skipped = "symbolic link (not followed)";
    } else {
      e.error = "cannot open: " + ErrnoText(err);
    }
    return e;
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) {
    e.error = "cannot stat: " + ErrnoText(errno);
    return e;
  }
  if (!S_ISREG(st.st_mode)) {
    e.skipped = "special file (not a regular file)";
    return e;
  }
  const uint64_t declared = uint64_t(st.st_size);
  if (declared > options.max_file_bytes) {
    e.skipped = "larger than " + std::to_string(options.max_file_bytes) + " bytes (" +
                std::to_string(declared) + ")";
    return e;
  }
  // Read to EOF but never more than the limit (a file may grow while it is read): one byte past
  // the declared size tells whether it did.
  const size_t cap = size_t(std::min<uint64_t>(declared, options.max_file_bytes)) + 1;
  buffer.resize(cap);
  size_t got = 0;
  while (got < cap) {
    ssize_t n = ::read(fd.get(), buffer.data() + got, cap - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      e.error = "read error: " + ErrnoText(errno);
      break;
    }
    if (n == 0) break;
    got += size_t(n);
  }
  if (e.error.empty() && got > options.max_file_bytes) {
    e.skipped = "larger than " + std::to_string(options.max_file_bytes) + " bytes";
  } else if (e.error.empty()) {
    // A file that grew by a byte past its declared size is analysed as far as it was declared.
    size_t size = std::min<size_t>(got, size_t(declared));
    e.analysis = AnalyzeFile(std::span<const uint8_t>(buffer.data(), size),
                             item.rel.generic_string(), options.analyzer);
  }
  if (buffer.capacity() > kKeepBufferBytes) {
    std::vector<uint8_t>().swap(buffer);
  }
  return e;
}

void Account(const InventoryEntry& e, InventorySummary& s) {
  ++s.files;
  if (!e.error.empty()) {
    ++s.errors;
    return;
  }
  if (!e.analysis) {
    ++s.skipped;
    return;
  }
  const FileAnalysis& a = *e.analysis;
  ++s.analysed;
  s.bytes += a.size;
  ++s.media_types[a.media_type];
  ++s.c2pa[a.c2pa_state];
  if (a.ai_generated) {
    ++s.ai_generated;
    if (a.ai_tools.empty()) ++s.by_tool["unknown"];
    for (const std::string& t : a.ai_tools) ++s.by_tool[t];
  }
  if (!a.prompts.empty()) ++s.with_prompts;
  if (a.workflow_embedded) ++s.with_workflows;
  bool secret = false, pii = false, dictionary = false, name = false;
  for (const LocatedFinding& f : a.findings) {
    ++s.by_rule[f.finding.rule_id];
    switch (f.finding.kind) {
      case dlp::FindingKind::kSecret:
        secret = true;
        break;
      case dlp::FindingKind::kPii:
        pii = true;
        break;
      case dlp::FindingKind::kDictionary:
        dictionary = true;
        if (f.where == "name") name = true;
        break;
    }
  }
  s.with_secrets += secret;
  s.with_pii += pii;
  s.with_dictionary += dictionary;
  s.names_matching += name;
}

json::object Counts(const std::map<std::string, uint64_t>& m) {
  json::object o;
  for (const auto& [k, v] : m) o[k] = v;
  return o;
}

}  // namespace

json::object InventorySummary::ToJson() const {
  return json::object{{"files", files},
                      {"bytes", bytes},
                      {"analysed", analysed},
                      {"skipped", skipped},
                      {"errors", errors},
                      {"ai_generated", ai_generated},
                      {"by_tool", Counts(by_tool)},
                      {"with_prompts", with_prompts},
                      {"with_workflows", with_workflows},
                      {"with_secrets", with_secrets},
                      {"with_pii", with_pii},
                      {"with_dictionary", with_dictionary},
                      {"names_matching", names_matching},
                      {"by_rule", Counts(by_rule)},
                      {"c2pa", Counts(c2pa)},
                      {"media_types", Counts(media_types)},
                      {"seconds", seconds}};
}

Result<InventorySummary> RunInventory(
    const fs::path& dir, const InventoryOptions& options,
    const std::function<Status(const InventoryEntry&)>& on_entry,
    const std::function<void(uint64_t done, uint64_t total)>& on_progress) {
  const auto start = std::chrono::steady_clock::now();
  std::error_code ec;
  fs::path root = fs::canonical(dir, ec);
  if (ec) return InvalidArgument("cannot read " + dir.string() + ": " + ec.message());
  if (!fs::is_directory(root, ec)) return InvalidArgument(dir.string() + " is not a directory");
  {
    fs::directory_iterator probe(root, ec);
    if (ec) return InvalidArgument("cannot list " + dir.string() + ": " + ec.message());
  }

  std::vector<Item> items;
  Lister(options, items).Walk(root, fs::path());
  std::sort(items.begin(), items.end(), [](const Item& a, const Item& b) { return a.rel < b.rel; });
  const size_t n = items.size();

  InventorySummary summary;
  unsigned threads = options.threads > 0 ? unsigned(options.threads)
                                         : std::max(1u, std::thread::hardware_concurrency());
  threads = unsigned(std::min<size_t>(threads, std::max<size_t>(n, 1)));

  Status status = OkStatus();
  auto deliver = [&](const InventoryEntry& e, size_t done) {
    Account(e, summary);
    if (on_entry) status = on_entry(e);
    if (on_progress) on_progress(done, n);
    return status.ok();
  };

  if (threads <= 1) {
    std::vector<uint8_t> buffer;
    for (size_t i = 0; i < n; ++i)
      if (!deliver(Process(items[i], options, buffer), i + 1)) break;
  } else {
    std::mutex mu;
    std::condition_variable ready;  // a slot was filled
    std::condition_variable space;  // delivery moved on, or the walk stops
    std::vector<std::optional<InventoryEntry>> slots(n);
    size_t next_claim = 0, next_deliver = 0;
    bool stop = false;
    const size_t window = size_t(threads) * kAheadPerThread;
    auto work = [&] {
      std::vector<uint8_t> buffer;
      for (;;) {
        size_t i;
        {
          std::unique_lock lock(mu);
          space.wait(lock,
                     [&] { return stop || next_claim >= n || next_claim < next_deliver + window; });
          if (stop || next_claim >= n) return;
          i = next_claim++;
        }
        InventoryEntry e = Process(items[i], options, buffer);
        {
          std::lock_guard lock(mu);
          slots[i] = std::move(e);
        }
        ready.notify_one();
      }
    };
    std::vector<std::thread> pool;
    pool.reserve(threads);
    for (unsigned t = 0; t < threads; ++t) pool.emplace_back(work);
    for (size_t d = 0; d < n; ++d) {
      InventoryEntry e;
      {
        std::unique_lock lock(mu);
        ready.wait(lock, [&] { return slots[d].has_value(); });
        e = std::move(*slots[d]);
        slots[d].reset();
        next_deliver = d + 1;
      }
      space.notify_all();
      if (!deliver(e, d + 1)) break;
    }
    {
      std::lock_guard lock(mu);
      stop = true;
    }
    space.notify_all();
    for (std::thread& t : pool) t.join();
  }
  RETURN_IF_ERROR(status);
  summary.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return summary;
}

}  // namespace custody::inventory
