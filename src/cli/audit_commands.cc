// custody audit verify / log / checkpoint / proof.
#include <iostream>

#include "cli/command_util.h"
#include "http/url.h"

namespace custody::cli {
namespace {

// ---- verify -------------------------------------------------------------------------------------

struct VerifyOptions {
  CommonFlags common;
  std::string data;
};

// Prints a verification report ({"ok","entries","checkpoints","checkpoints_verified",
// "first_bad_entry","problems","root"}) and fails with exit code 4 if it is not OK.
Status ReportVerification(const json::object& report, bool json_out) {
  const json::value* ok = report.if_contains("ok");
  bool passed = ok != nullptr && ok->is_bool() && ok->as_bool();
  if (json_out) {
    PrintJson(report);
  } else if (passed) {
    std::cout << "audit log OK: " << Str(report, "entries") << " entries, "
              << Str(report, "checkpoints_verified") << " checkpoints verified, root "
              << Str(report, "root") << "\n";
  } else {
    std::cout << "audit log FAILED\n";
    for (const json::value& p : Arr(report, "problems"))
      if (p.is_string()) std::cout << "  " << std::string_view(p.as_string()) << "\n";
    if (!Str(report, "first_bad_entry").empty())
      std::cout << "first bad entry: " << Str(report, "first_bad_entry") << "\n";
  }
  if (!passed) return ExitError(ErrorCode::kDataLoss, "audit log verification failed", 4);
  return OkStatus();
}

Status Verify(const VerifyOptions& o, const OfflineAuditVerify& offline) {
  if (!o.data.empty()) {
    if (!offline) return Internal("offline verification is not available in this build");
    ASSIGN_OR_RETURN(json::object report, offline(o.data));
    return ReportVerification(report, o.common.json);
  }
  ASSIGN_OR_RETURN(Session s, Session::Open(o.common.server));
  ASSIGN_OR_RETURN(json::object report, s.CallObject("GET", "/v1/audit/verify"));
  return ReportVerification(report, o.common.json);
}

// ---- log ----------------------------------------------------------------------------------------

struct LogOptions {
  CommonFlags common;
  std::optional<uint64_t> from;
  std::optional<uint64_t> limit;
  std::string resource;
};

Status Log(const LogOptions& o) {
  ASSIGN_OR_RETURN(Session s, Session::Open(o.common.server));
  http::QueryParams q;
  if (o.from) q.emplace_back("from", std::to_string(*o.from));
  if (o.limit) q.emplace_back("limit", std::to_string(*o.limit));
  if (!o.resource.empty()) q.emplace_back("resource", o.resource);
  ASSIGN_OR_RETURN(json::value r, s.Call("GET", "/v1/audit" + http::BuildQuery(q)));
  if (o.common.json) {
    PrintJson(r);
    return OkStatus();
  }
  std::vector<std::vector<std::string>> rows = {
      {"SEQ", "TIME", "PRINCIPAL", "ACTION", "RESOURCE", "OUTCOME", "RULES"}};
  for (const json::value& row : Arr(r, "entries")) {
    const json::object& e = Obj(row, "entry");
    std::string rules;
    for (const json::value& d : Arr(Obj(e, "decision"), "determining"))
      if (d.is_string()) rules += (rules.empty() ? "" : ",") + std::string(d.as_string());
    std::string principal = Str(e, "principal");
    if (!Str(e, "on_behalf_of").empty()) principal += " for " + Str(e, "on_behalf_of");
    rows.push_back({Str(row, "seq"), Str(e, "time"), principal, Str(e, "action"),
                    Str(e, "resource"), Str(e, "outcome"), rules});
  }
  PrintTable(rows, "no entries");
  std::cout << "log size: " << Str(r, "size") << " entries\n";
  return OkStatus();
}

// ---- checkpoint / proof -------------------------------------------------------------------------

Status Checkpoint(const CommonFlags& o) {
  ASSIGN_OR_RETURN(Session s, Session::Open(o.server));
  if (o.json) {
    ASSIGN_OR_RETURN(json::value r, s.Call("GET", "/v1/audit/checkpoint?format=json"));
    PrintJson(r);
    return OkStatus();
  }
  ASSIGN_OR_RETURN(std::string note, s.CallText("/v1/audit/checkpoint"));
  std::cout << note;
  if (!note.empty() && note.back() != '\n') std::cout << "\n";
  return OkStatus();
}

struct ProofOptions {
  CommonFlags common;
  std::optional<uint64_t> index;
  std::optional<uint64_t> size;
  std::optional<uint64_t> from;
  std::optional<uint64_t> to;
  bool tlog = false;
};

Status Proof(const ProofOptions& o) {
  if (!o.index && (o.size || o.tlog))
    return InvalidArgument("--size and --tlog apply to inclusion proofs: give --index");
  if (o.index && (o.from || o.to))
    return InvalidArgument("give --index (inclusion proof) or --from/--to (consistency proof)");
  if (!o.index && !o.from && !o.to)
    return InvalidArgument("give --index N (inclusion proof) or --from A [--to B] (consistency)");
  ASSIGN_OR_RETURN(Session s, Session::Open(o.common.server));
  http::QueryParams q;
  if (o.index) {
    q.emplace_back("index", std::to_string(*o.index));
    if (o.size) q.emplace_back("size", std::to_string(*o.size));
  } else {
    if (o.from) q.emplace_back("from", std::to_string(*o.from));
    if (o.to) q.emplace_back("to", std::to_string(*o.to));
  }
  if (o.tlog) {
    q.emplace_back("format", "tlog-proof");
    ASSIGN_OR_RETURN(std::string text, s.CallText("/v1/audit/proof" + http::BuildQuery(q)));
    std::cout << text;
    return OkStatus();
  }
  ASSIGN_OR_RETURN(json::value r, s.Call("GET", "/v1/audit/proof" + http::BuildQuery(q)));
  if (o.common.json) {
    PrintJson(r);
    return OkStatus();
  }
  const json::array& path = Arr(r, "proof");
  if (Str(r, "type") == "inclusion") {
    std::cout << "inclusion proof for entry " << Str(r, "index") << " in a tree of "
              << Str(r, "size") << " entries\n"
              << "root: " << Str(r, "root") << "\n"
              << "path (" << path.size() << " hashes, the leaf's sibling first):\n";
  } else {
    std::cout << "consistency proof from tree size " << Str(r, "from") << " to " << Str(r, "to")
              << "\n"
              << "old root: " << Str(r, "from_root") << "\n"
              << "new root: " << Str(r, "to_root") << "\n"
              << "path (" << path.size() << " hashes):\n";
  }
  for (const json::value& h : path)
    if (h.is_string()) std::cout << "  " << std::string_view(h.as_string()) << "\n";
  std::cout << "signed checkpoint:\n" << Str(r, "checkpoint");
  return OkStatus();
}

}  // namespace

void RegisterAuditCommands(CLI::App& app, int* exit_code, OfflineAuditVerify offline_verify) {
  CLI::App* audit = app.add_subcommand("audit", "Verify and read the tamper-evident audit log");
  audit->require_subcommand(1);
  {
    auto o = std::make_shared<VerifyOptions>();
    CLI::App* cmd = audit->add_subcommand(
        "verify", "Recompute the audit log's Merkle tree and check every signed checkpoint");
    AddCommonFlags(cmd, &o->common);
    CLI::Option* data =
        cmd->add_option("--data", o->data, "Verify the data directory offline, without a server");
    data->excludes(cmd->get_option("--server"));
    SetAction(cmd, exit_code,
              [o, offline = std::move(offline_verify)] { return Verify(*o, offline); });
  }
  {
    auto o = std::make_shared<LogOptions>();
    CLI::App* cmd = audit->add_subcommand("log", "List audit entries");
    AddCommonFlags(cmd, &o->common);
    cmd->add_option("--from", o->from, "First sequence number (default 0)");
    cmd->add_option("--limit", o->limit, "At most N entries (server default 100, max 1000)");
    cmd->add_option("--resource", o->resource, "Only entries about this resource id");
    SetAction(cmd, exit_code, [o] { return Log(*o); });
  }
  {
    auto o = std::make_shared<CommonFlags>();
    CLI::App* cmd = audit->add_subcommand("checkpoint",
                                          "Print the latest signed checkpoint (C2SP signed note)");
    AddCommonFlags(cmd, o.get());
    SetAction(cmd, exit_code, [o] { return Checkpoint(*o); });
  }
  {
    auto o = std::make_shared<ProofOptions>();
    CLI::App* cmd = audit->add_subcommand(
        "proof", "Print an inclusion proof (--index) or a consistency proof (--from/--to)");
    AddCommonFlags(cmd, &o->common);
    cmd->add_option("--index", o->index, "Sequence number of the entry to prove");
    cmd->add_option("--size", o->size, "Tree size to prove against (default: latest)");
    cmd->add_option("--from", o->from, "Older tree size (consistency proof)");
    cmd->add_option("--to", o->to, "Newer tree size (consistency proof; default: latest)");
    cmd->add_flag("--tlog", o->tlog,
                  "Print a c2sp.org/tlog-proof@v1 receipt instead (latest size only)");
    SetAction(cmd, exit_code, [o] { return Proof(*o); });
  }
}

}  // namespace custody::cli
