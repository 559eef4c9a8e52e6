// custody generate / edit / job status / job cancel, and waiting for a job to finish.
#include <cmath>
#include <iostream>
#include <sstream>
#include <thread>

#include "cli/command_util.h"
#include "cli/terminal.h"
#include "http/url.h"

namespace custody::cli {
namespace {

using namespace std::chrono_literals;

const std::vector<std::string> kClassifications = {"public", "internal", "confidential",
                                                   "restricted"};

bool IsFinal(std::string_view status) {
  return status == "succeeded" || status == "failed" || status == "cancelled";
}

double ProgressOf(const json::value& v, std::string_view key) {
  if (!v.is_object()) return 0;
  const json::value* p = v.as_object().if_contains(key);
  if (p == nullptr) return 0;
  if (p->is_double()) return p->as_double();
  if (p->is_int64()) return double(p->as_int64());
  if (p->is_uint64()) return double(p->as_uint64());
  return 0;
}

// Follows a job until it succeeds, fails or is cancelled, and returns its final record.
//
// The event stream (GET /v1/events?job=ID) drives the progress display, but the job record is the
// truth: it is read before every subscription, and subscriptions are short windows, so an event
// published before we subscribed (or lost while reconnecting) delays the answer by one window at
// most instead of forever. If the stream cannot be used at all, polls every 500 ms instead.
Result<json::value> WaitForJob(Session& s, const std::string& id, bool show_progress) {
  const std::string job_target = Target("/v1/jobs", {id});
  const std::string events_target = "/v1/events" + http::BuildQuery({{"job", id}});
  std::ostringstream discard;
  ProgressDisplay progress(show_progress ? static_cast<std::ostream&>(std::cout) : discard,
                           StdoutIsTerminal(), id);
  bool use_events = true;
  std::chrono::milliseconds window = 1s;
  for (;;) {
    ASSIGN_OR_RETURN(json::value job, s.Call("GET", job_target));
    std::string status = Str(job, "status");
    if (IsFinal(status)) {
      if (status == "succeeded") progress.Update(1.0, status);
      progress.Finish();
      return job;
    }
    progress.Update(ProgressOf(job, "progress"), status);
    if (!use_events) {
      std::this_thread::sleep_for(500ms);
      continue;
    }
    bool finished = false;
    Status es = s.Events(
        events_target,
        [&](const http::SseEvent& e) {
          boost::system::error_code ec;
          json::value data = json::parse(e.data, ec);
          if (ec || Str(data, "job") != id) return true;
          if (e.event == "job.progress") {
            progress.Update(ProgressOf(data, "progress"), "running");
          } else if (e.event == "job.started") {
            progress.Update(0, "running");
          } else if (e.event == "job.retry") {
            progress.Note("attempt failed, will retry: " + Str(data, "error"));
            progress.Update(0, "queued");
          } else if (e.event == "job.cancel_requested") {
            progress.Note("cancellation requested");
          } else if (e.event == "job.state") {
            // The job as it was when the stream opened: it may already have ended.
            std::string st = Str(data, "status");
            finished = st == "succeeded" || st == "failed" || st == "cancelled";
          } else if (e.event == "job.succeeded" || e.event == "job.failed" ||
                     e.event == "job.cancelled") {
            finished = true;
          }
          return !finished;
        },
        window);
    window = 5s;
    if (finished) continue;
    if (es.ok()) {
      std::this_thread::sleep_for(500ms);  // the server ended the stream (shutting down?)
    } else if (es.error().code() != ErrorCode::kDeadlineExceeded) {
      if (es.error().code() == ErrorCode::kUnauthenticated) return es.error();
      use_events = false;
      if (show_progress)
        progress.Note("event stream unavailable (" + es.error().message() + "); polling");
    }
  }
}

void PrintJob(const json::value& j) {
  std::cout << Str(j, "id") << "  " << Str(j, "kind") << "  " << Str(j, "status") << "  "
            << int(std::lround(ProgressOf(j, "progress") * 100)) << "%\n"
            << "  engine: " << Str(j, "engine") << " (" << Str(j, "model") << " "
            << Str(j, "model_version") << "), seed " << Str(j, "seed") << "\n"
            << "  project: " << Str(j, "project") << "  actor: " << Str(j, "actor");
  if (!Str(j, "on_behalf_of").empty()) std::cout << " for " << Str(j, "on_behalf_of");
  std::cout << "\n";
  for (const json::value& in : Arr(j, "inputs"))
    std::cout << "  input: " << Str(in, "asset") << " (" << Str(in, "role") << ")\n";
  std::cout << "  attempts: " << Str(j, "attempts") << " of " << Str(j, "max_attempts") << "\n";
  if (Str(j, "cancel_requested") == "true") std::cout << "  cancel requested\n";
  if (!Str(j, "output").empty()) std::cout << "  output: " << Str(j, "output") << "\n";
  if (!Str(j, "error").empty()) std::cout << "  error: " << Str(j, "error") << "\n";
  std::cout << "  created: " << Str(j, "created_at");
  if (!Str(j, "started_at").empty()) std::cout << "  started: " << Str(j, "started_at");
  if (!Str(j, "finished_at").empty()) std::cout << "  finished: " << Str(j, "finished_at");
  std::cout << "\n";
}

// Prints a queued job (or, with --wait, its outcome). A job that failed or was cancelled is an
// error (exit 1) after its record has been shown.
Status ReportJob(Session& s, const json::value& job, bool wait, bool json_out) {
  std::string id = Str(job, "id");
  if (!wait) {
    if (json_out) {
      PrintJson(job);
    } else {
      std::cout << "queued job " << id << " (" << Str(job, "engine") << ", seed "
                << Str(job, "seed") << ")\n"
                << "follow it with: custody job status " << id << " --wait\n";
    }
    return OkStatus();
  }
  ASSIGN_OR_RETURN(json::value final_job, WaitForJob(s, id, !json_out));
  std::string status = Str(final_job, "status");
  if (json_out) {
    PrintJson(final_job);
  } else if (status == "succeeded") {
    std::cout << "job " << id << " succeeded\n"
              << "output asset: " << Str(final_job, "output") << "\n";
  }
  if (status == "failed")
    return Error(ErrorCode::kInternal, "job " + id + " failed: " + Str(final_job, "error"));
  if (status == "cancelled") return Error(ErrorCode::kCancelled, "job " + id + " was cancelled");
  return OkStatus();
}

// ---- generate -----------------------------------------------------------------------------------

struct GenerateOptions {
  CommonFlags common;
  std::string project;
  std::string prompt;
  std::vector<std::string> references;
  std::optional<int64_t> seed;
  std::optional<int64_t> width;
  std::optional<int64_t> height;
  std::string title;
  std::string classification;
  std::vector<std::string> labels;
  std::string engine;
  bool wait = false;
};

Status Generate(const GenerateOptions& o) {
  json::array inputs;
  for (const std::string& ref : o.references) {
    size_t colon = ref.find(':');
    std::string asset = ref.substr(0, colon);
    std::string role = colon == std::string::npos ? "reference:character" : ref.substr(colon + 1);
    if (asset.empty() || role.empty())
      return InvalidArgument("--reference takes ASSET_ID[:ROLE], got '" + ref + "'");
    inputs.push_back(json::object{{"asset", asset}, {"role", role}});
  }
  ASSIGN_OR_RETURN(Session s, Session::Open(o.common.server));
  ASSIGN_OR_RETURN(std::string project, ResolveProject(s, o.project));
  json::object body{{"project", project}};
  if (!o.engine.empty()) body["engine"] = o.engine;
  if (!o.prompt.empty()) body["prompt"] = o.prompt;
  if (!inputs.empty()) body["inputs"] = std::move(inputs);
  if (o.seed) body["seed"] = *o.seed;
  json::object params;
  if (o.width) params["width"] = *o.width;
  if (o.height) params["height"] = *o.height;
  if (!params.empty()) body["parameters"] = std::move(params);
  if (!o.title.empty()) body["title"] = o.title;
  if (!o.classification.empty()) body["classification"] = o.classification;
  if (!o.labels.empty()) {
    json::array labels;
    for (const std::string& l : o.labels) labels.emplace_back(l);
    body["labels"] = std::move(labels);
  }
  ASSIGN_OR_RETURN(json::value job, s.Call("POST", "/v1/jobs", body));
  return ReportJob(s, job, o.wait, o.common.json);
}

// ---- edit ---------------------------------------------------------------------------------------

struct EditOptions {
  CommonFlags common;
  std::string id;
  std::vector<std::string> ops;
  std::string format;
  std::string title;
  bool wait = false;
};

Status Edit(const EditOptions& o) {
  json::array ops;
  for (const std::string& text : o.ops) {
    auto op = ParseJsonObject(text);
    if (!op.ok())
      return InvalidArgument(
          "--op must be a JSON object such as '{\"op\":\"resize\",\"width\":256}'"
          " (" +
          op.error().message() + "): " + text);
    ops.push_back(std::move(*op));
  }
  ASSIGN_OR_RETURN(Session s, Session::Open(o.common.server));
  json::object body{{"ops", std::move(ops)}};
  if (!o.format.empty()) body["format"] = o.format;
  if (!o.title.empty()) body["title"] = o.title;
  ASSIGN_OR_RETURN(json::value job, s.Call("POST", Target("/v1/assets", {o.id, "edits"}), body));
  return ReportJob(s, job, o.wait, o.common.json);
}

// ---- job status / cancel ------------------------------------------------------------------------

struct JobOptions {
  CommonFlags common;
  std::string id;
  bool wait = false;
};

Status JobStatus(const JobOptions& o) {
  ASSIGN_OR_RETURN(Session s, Session::Open(o.common.server));
  if (o.wait) {
    ASSIGN_OR_RETURN(json::value job, WaitForJob(s, o.id, !o.common.json));
    if (o.common.json) {
      PrintJson(job);
    } else {
      PrintJob(job);
    }
    std::string status = Str(job, "status");
    if (status == "failed")
      return Error(ErrorCode::kInternal, "job " + o.id + " failed: " + Str(job, "error"));
    if (status == "cancelled")
      return Error(ErrorCode::kCancelled, "job " + o.id + " was cancelled");
    return OkStatus();
  }
  ASSIGN_OR_RETURN(json::value job, s.Call("GET", Target("/v1/jobs", {o.id})));
  if (o.common.json) {
    PrintJson(job);
  } else {
    PrintJob(job);
  }
  return OkStatus();
}

Status JobCancel(const JobOptions& o) {
  ASSIGN_OR_RETURN(Session s, Session::Open(o.common.server));
  ASSIGN_OR_RETURN(json::value job, s.Call("POST", Target("/v1/jobs", {o.id, "cancel"})));
  if (o.common.json) {
    PrintJson(job);
  } else if (Str(job, "status") == "cancelled") {
    std::cout << "job " << o.id << " cancelled\n";
  } else {
    std::cout << "cancellation of job " << o.id << " requested (it is " << Str(job, "status")
              << "; the worker stops at its next progress report)\n";
  }
  return OkStatus();
}

}  // namespace

void RegisterJobCommands(CLI::App& app, int* exit_code) {
  {
    auto o = std::make_shared<GenerateOptions>();
    CLI::App* cmd = app.add_subcommand("generate", "Queue a generation job");
    AddCommonFlags(cmd, &o->common);
    cmd->add_option("--project", o->project, "Project id or name")->required();
    cmd->add_option("--prompt", o->prompt, "Prompt text (stored as a prompt asset)");
    cmd->add_option(
           "--reference", o->references,
           "Input asset ASSET_ID[:ROLE] (repeatable; role defaults to reference:character)")
        ->allow_extra_args(false);
    cmd->add_option("--seed", o->seed, "Seed (non-negative; default: chosen by the server)")
        ->check(CLI::NonNegativeNumber);
    cmd->add_option("--width", o->width, "Output width in pixels");
    cmd->add_option("--height", o->height, "Output height in pixels");
    cmd->add_option("--title", o->title, "Title of the output asset");
    cmd->add_option("--classification", o->classification, "Classification of the output")
        ->check(CLI::IsMember(kClassifications));
    cmd->add_option("--label", o->labels, "Label of the output (repeatable)")
        ->allow_extra_args(false);
    cmd->add_option("--engine", o->engine, "Engine (default procedural)");
    cmd->add_flag("--wait", o->wait, "Follow the job until it finishes; print the output asset");
    SetAction(cmd, exit_code, [o] { return Generate(*o); });
  }
  {
    auto o = std::make_shared<EditOptions>();
    CLI::App* cmd = app.add_subcommand("edit", "Queue an edit of an asset");
    AddCommonFlags(cmd, &o->common);
    cmd->add_option("ASSET_ID", o->id, "Source asset id")->required();
    cmd->add_option("--op", o->ops,
                    "Edit operation as JSON, e.g. '{\"op\":\"resize\",\"width\":256}' (repeatable)")
        ->required()
        ->allow_extra_args(false);
    cmd->add_option("--format", o->format, "Output format")->check(CLI::IsMember({"png", "jpeg"}));
    cmd->add_option("--title", o->title, "Title of the output asset");
    cmd->add_flag("--wait", o->wait, "Follow the job until it finishes; print the output asset");
    SetAction(cmd, exit_code, [o] { return Edit(*o); });
  }
  CLI::App* job = app.add_subcommand("job", "Inspect and cancel jobs");
  job->require_subcommand(1);
  {
    auto o = std::make_shared<JobOptions>();
    CLI::App* cmd = job->add_subcommand("status", "Show a job");
    AddCommonFlags(cmd, &o->common);
    cmd->add_option("ID", o->id, "Job id")->required();
    cmd->add_flag("--wait", o->wait, "Follow the job until it finishes");
    SetAction(cmd, exit_code, [o] { return JobStatus(*o); });
  }
  {
    auto o = std::make_shared<JobOptions>();
    CLI::App* cmd = job->add_subcommand("cancel", "Cancel a queued or running job");
    AddCommonFlags(cmd, &o->common);
    cmd->add_option("ID", o->id, "Job id")->required();
    SetAction(cmd, exit_code, [o] { return JobCancel(*o); });
  }
}

}  // namespace custody::cli
