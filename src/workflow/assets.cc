// Asset use cases: upload, read, list, content, lineage; blob plumbing.
#include <algorithm>

#include "crypto/sha256.h"
#include "media/media.h"
#include "workflow/views.h"
#include "workflow/workflow.h"

namespace custody::workflow {
namespace {

// Strict UTF-8 (no overlongs, surrogates or code points past U+10FFFF) without NULs.
bool IsValidUtf8(std::span<const uint8_t> s) {
  size_t i = 0;
  while (i < s.size()) {
    uint8_t c = s[i];
    if (c == 0) return false;
    size_t n;
    uint32_t cp;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xe0) == 0xc0) {
      n = 1;
      cp = c & 0x1f;
    } else if ((c & 0xf0) == 0xe0) {
      n = 2;
      cp = c & 0x0f;
    } else if ((c & 0xf8) == 0xf0) {
      n = 3;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (i + n >= s.size()) return false;
    for (size_t k = 1; k <= n; ++k) {
      if ((s[i + k] & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (s[i + k] & 0x3f);
    }
    static constexpr uint32_t kMin[] = {0, 0x80, 0x800, 0x10000};
    if (cp < kMin[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
    i += n + 1;
  }
  return true;
}

}  // namespace

Result<BlobRecord> Workflow::StoreBytes(std::span<const uint8_t> data, BlobId* written) {
  ASSIGN_OR_RETURN(auto writer, blobs_.Create(data.size()));
  RETURN_IF_ERROR(writer->Write(data));
  ASSIGN_OR_RETURN(blob::BlobInfo info, writer->Commit());
  *written = info.id;
  return BlobRecordOf(info, clock_.Now());
}

Result<Bytes> Workflow::LoadBytes(const AssetRecord& a, uint64_t limit) {
  if (a.size > limit)
    return Error(ErrorCode::kResourceExhausted, "asset " + a.id.str() + " is too large to load (" +
                                                    std::to_string(a.size) + " bytes)");
  ASSIGN_OR_RETURN(BlobRecord b, store_.Read([&](ReadTx& tx) { return tx.GetBlob(a.blob); }));
  if (b.wrapped_key.empty())
    return Error(ErrorCode::kNotFound, "the content of " + a.id.str() + " was disposed");
  ASSIGN_OR_RETURN(auto reader, blobs_.Open(b.id, b.wrapped_key));
  Bytes out;
  out.reserve(a.size);
  uint8_t buf[64 * 1024];
  for (;;) {
    ASSIGN_OR_RETURN(size_t n, reader->Read(buf));
    if (n == 0) break;
    out.insert(out.end(), buf, buf + n);
    if (out.size() > limit) return Error(ErrorCode::kDataLoss, "blob larger than recorded");
  }
  if (crypto::Sha256Hex(out) != a.sha256)
    return Error(ErrorCode::kDataLoss, "content of " + a.id.str() + " does not match its sha256");
  return out;
}

Result<AssetRecord> Workflow::Upload(const Caller& c, const UploadRequest& req, BodySource& body,
                                     bool* existing) {
  if (existing != nullptr) *existing = false;
  if (req.kind != AssetKind::kPrompt && req.kind != AssetKind::kReference &&
      req.kind != AssetKind::kUpload)
    return InvalidArgument("uploads create assets of kind prompt, reference or upload");
  if (req.title.size() > 300) return InvalidArgument("title too long (max 300)");
  if (req.licence.size() > 300) return InvalidArgument("licence too long (max 300)");
  if (req.kind != AssetKind::kReference && !req.licence.empty())
    return InvalidArgument("a licence is recorded for references only");
  for (const std::string& l : req.labels) RETURN_IF_ERROR(ValidateLabel(l));
  if (req.media_type.size() > 100) return InvalidArgument("media type too long");
  if (req.source_path.size() > 4096) return InvalidArgument("source_path too long (max 4096)");
  if (req.source_host.size() > 255) return InvalidArgument("source_host too long (max 255)");
  if (!req.source_sha256.empty() &&
      (req.source_sha256.size() != 64 ||
       req.source_sha256.find_first_not_of("0123456789abcdef") != std::string::npos))
    return InvalidArgument("source_sha256 must be 64 lower-case hex digits");
  if (req.source_path.empty() && (!req.source_sha256.empty() || !req.source_host.empty()))
    return InvalidArgument("source_sha256 and source_host describe a source_path");

  // Decide before reading a byte, so a denied caller cannot make us store anything.
  ASSIGN_OR_RETURN(ProjectRecord project,
                   store_.Read([&](ReadTx& tx) { return tx.GetProject(req.project); }));
  policy::Decision pre = Decide(c, policy::Action::kUpload, ProjectResource(project.id));
  if (!pre.allowed) {
    (void)store_.Write([&](WriteTx& tx) -> Status {
      RETURN_IF_ERROR(
          audit_.Append(tx, Event(c, "asset.upload", project.id.str(), "denied", &pre)));
      return OkStatus();
    });
    return DeniedError(pre);
  }
  // Owning an asset on someone else's behalf (an administrator importing a designer's library)
  // needs the admin action on the project, and the owner must exist.
  std::optional<PrincipalId> owner;
  if (!req.owner.empty() && req.owner != c.principal.id.str() && req.owner != c.principal.name) {
    if (req.owner.size() > 200) return InvalidArgument("owner too long");
    ASSIGN_OR_RETURN(PrincipalRecord o, store_.Read([&](ReadTx& tx) -> Result<PrincipalRecord> {
      if (LooksLike<PrincipalId>(req.owner)) return tx.GetPrincipal(PrincipalId(req.owner));
      ASSIGN_OR_RETURN(auto found, tx.FindPrincipalByName(req.owner));
      if (!found) return NotFound("no principal named " + req.owner);
      return *found;
    }));
    policy::Decision d = Decide(c, policy::Action::kAdmin, ProjectResource(project.id));
    if (!d.allowed) {
      (void)store_.Write([&](WriteTx& tx) -> Status {
        audit::AuditEvent e = Event(c, "asset.upload", project.id.str(), "denied", &d);
        e.details["owner"] = o.id.str();
        RETURN_IF_ERROR(audit_.Append(tx, e));
        return OkStatus();
      });
      return DeniedError(d);
    }
    owner = o.id;
  }

  const bool is_prompt = req.kind == AssetKind::kPrompt;
  const uint64_t limit = is_prompt ? options_.max_prompt_bytes : options_.max_upload_bytes;
  ASSIGN_OR_RETURN(auto writer, blobs_.Create(limit));
  Bytes head;  // the first bytes, for sniffing (and the whole prompt, to validate it)
  // The whole file, for verifying its Content Credentials (up to the verification limit).
  Bytes whole;
  bool too_large_to_verify = false;
  std::vector<uint8_t> buf(256 * 1024);
  for (;;) {
    auto n = body.Read(buf);
    if (!n.ok()) {
      writer->Abort();
      return n.error();
    }
    if (*n == 0) break;
    std::span<const uint8_t> chunk(buf.data(), *n);
    if (head.size() < 4096 || is_prompt)
      head.insert(head.end(), chunk.begin(),
                  chunk.begin() + (is_prompt ? chunk.size()
                                             : std::min<size_t>(chunk.size(), 4096 - head.size())));
    Status w = writer->Write(chunk);
    if (!w.ok()) {
      writer->Abort();
      return std::move(w).error();
    }
    if (!is_prompt && !too_large_to_verify) {
      if (whole.size() + chunk.size() > options_.credentials.max_verify_bytes) {
        too_large_to_verify = true;
        Bytes().swap(whole);
      } else {
        whole.insert(whole.end(), chunk.begin(), chunk.end());
      }
    }
  }
  if (writer->bytes_written() == 0) {
    writer->Abort();
    return InvalidArgument("empty upload");
  }
  std::string sniffed = SniffMediaType(head);
  std::string media_type = req.media_type.empty() ? sniffed : req.media_type;
  if (is_prompt) {
    if (!IsValidUtf8(head)) {
      writer->Abort();
      return InvalidArgument("a prompt must be UTF-8 text");
    }
    media_type = "text/plain; charset=utf-8";
  } else if (!req.media_type.empty() && sniffed.rfind("image/", 0) == 0 &&
             req.media_type != sniffed) {
    writer->Abort();
    return Error(ErrorCode::kUnsupportedMedia,
                 "declared media type " + req.media_type + " but the content is " + sniffed);
  }
  ASSIGN_OR_RETURN(blob::BlobInfo info, writer->Commit());
  if (!req.source_sha256.empty() && req.source_sha256 != info.sha256_hex) {
    (void)blobs_.Remove(info.id);
    return InvalidArgument("the bytes received hash to " + info.sha256_hex +
                           ", not the source_sha256 given (" + req.source_sha256 +
                           "): the file changed or was damaged in transit");
  }
  // Every file that enters the studio is verified for C2PA Content Credentials; the result is
  // kept with the asset and is a fact policies can use (resource.credentials).
  VerifiedFile verified;
  if (is_prompt) {
    verified = VerifyFile(head, options_.credentials.trust, clock_.Now(), head.size());
  } else if (too_large_to_verify) {
    verified = SkippedVerification(info.size, options_.credentials.max_verify_bytes, clock_.Now());
  } else {
    verified = VerifyFile(whole, options_.credentials.trust, clock_.Now(),
                          options_.credentials.max_verify_bytes);
  }
  // DLP: the content (text files), every metadata value and the file's name are scanned.
  // Secrets in text content may be redacted (redact-finding) before the asset is recorded; the
  // upload decision below sees the rest.
  const bool dlp_on = options_.dlp.scanner != nullptr && (is_prompt || !too_large_to_verify);
  std::string file_name = req.title;
  if (!req.source_path.empty()) file_name = req.source_path.substr(req.source_path.rfind('/') + 1);
  DlpScan scan;
  policy::AssetFacts new_facts;
  new_facts.kind = req.kind;
  new_facts.classification = req.classification;
  new_facts.labels = UnionLabels(req.labels, {});
  new_facts.contributors = {c.principal.id};
  new_facts.credentials = verified.credentials.state;
  if (owner) new_facts.contributors.insert(*owner);
  policy::ResourceFacts new_asset{"asset", "upload", project.id, new_facts};
  std::optional<BlobRecord> redacted_blob;
  if (dlp_on) {
    scan = ScanForDlp(is_prompt ? std::span<const uint8_t>(head) : std::span<const uint8_t>(whole),
                      file_name, "upload");
    const bool text = is_prompt || media_type.rfind("text/", 0) == 0;
    if (!scan.empty() && text) {
      DecideRedactions(c, new_asset, scan);
      if (std::find(scan.redact.begin(), scan.redact.end(), true) != scan.redact.end()) {
        std::span<const uint8_t> original =
            is_prompt ? std::span<const uint8_t>(head) : std::span<const uint8_t>(whole);
        std::string redacted = RedactContent(
            std::string_view(reinterpret_cast<const char*>(original.data()), original.size()),
            scan);
        BlobId rid;
        auto rb = StoreBytes(AsBytes(redacted), &rid);
        if (!rb.ok()) {
          (void)blobs_.Remove(info.id);
          return rb.error();
        }
        (void)blobs_.Remove(info.id);
        redacted_blob = *rb;
      }
    }
  }
  Bytes().swap(whole);
  const BlobRecord blob_record = redacted_blob ? *redacted_blob : BlobRecordOf(info, clock_.Now());

  std::optional<policy::Decision> denied;
  bool found_existing = false;
  AssetRecord a;
  Status s = store_.Write([&](WriteTx& tx) -> Status {
    // Decide again: a membership may have been revoked while the bytes streamed in; and now the
    // policies see what the DLP scan found.
    policy::RequestContext ctx;
    if (dlp_on) ctx.dlp = scan.Facts();
    policy::Decision d = Decide(c, policy::Action::kUpload, new_asset, ctx);
    if (!d.allowed) {
      if (!scan.empty()) {
        audit::AuditEvent scan_e = Event(c, "dlp.scan", project.id.str(), "blocked", &d);
        scan_e.details["dlp"] = scan.AuditJson(true);
        scan_e.details["sha256"] = info.sha256_hex;
        RETURN_IF_ERROR(audit_.Append(tx, scan_e));
      }
      return RecordDenial(tx, c, d, "asset.upload", project.id.str(), &denied);
    }
    if (!req.source_path.empty()) {
      const AssetOrigin origin{req.source_path, info.sha256_hex, req.source_host};
      ASSIGN_OR_RETURN(std::optional<AssetId> prior, tx.FindAssetByOrigin(project.id, origin));
      if (prior) {
        ASSIGN_OR_RETURN(a, tx.GetAsset(*prior));
        found_existing = true;
        audit::AuditEvent e = Event(c, "asset.upload", a.id.str(), "existing", &d);
        e.details["source_path"] = origin.path;
        e.details["source_sha256"] = origin.sha256;
        if (!origin.host.empty()) e.details["source_host"] = origin.host;
        e.details["project"] = project.id.str();
        RETURN_IF_ERROR(audit_.Append(tx, e));
        return OkStatus();
      }
    }
    RETURN_IF_ERROR(tx.InsertBlob(blob_record));
    a.id = NewId<AssetId>(random_);
    a.kind = req.kind;
    a.project = project.id;
    a.owner = owner.value_or(c.principal.id);
    a.on_behalf_of = owner ? std::nullopt : c.principal.owner;
    a.title = req.title.empty() ? std::string(Name(req.kind)) : req.title;
    a.media_type = media_type;
    a.size = blob_record.size;
    a.sha256 = blob_record.sha256;
    a.blob = blob_record.id;
    a.classification = req.classification;
    a.labels = UnionLabels(req.labels, {});
    a.licence = req.licence;
    a.stage = Stage::kDraft;
    a.created_at = a.stage_changed_at = clock_.Now();
    a.credentials = verified.credentials;
    if (dlp_on) {
      a.dlp = scan.Summary(clock_.Now());
      a.findings = scan.Records(false);
    }
    if (!req.source_path.empty())
      a.origin = AssetOrigin{req.source_path, info.sha256_hex, req.source_host};
    RETURN_IF_ERROR(tx.InsertAsset(a));
    audit::AuditEvent e = Event(c, "asset.upload", a.id.str(), "succeeded", &d);
    if (owner) e.details["owner"] = owner->str();
    if (a.origin) {
      e.details["source_path"] = a.origin->path;
      e.details["source_sha256"] = a.origin->sha256;
      if (!a.origin->host.empty()) e.details["source_host"] = a.origin->host;
    }
    if (redacted_blob) e.details["received_sha256"] = info.sha256_hex;
    if (!scan.empty()) e.details["dlp"] = scan.AuditJson(false);
    e.details["project"] = project.id.str();
    e.details["kind"] = std::string(Name(a.kind));
    e.details["sha256"] = a.sha256;
    e.details["size"] = a.size;
    e.details["classification"] = std::string(Name(a.classification));
    e.details["credentials"] = CredentialsJson(*a.credentials);
    RETURN_IF_ERROR(audit_.Append(tx, e));
    return OkStatus();
  });
  if (!s.ok() || denied || found_existing) (void)blobs_.Remove(blob_record.id);
  if (denied) return DeniedError(*denied);
  RETURN_IF_ERROR(s);
  if (found_existing) {
    if (existing != nullptr) *existing = true;
    return a;
  }
  Publish("asset.created", a.project, {{"asset", a.id.str()}, {"kind", std::string(Name(a.kind))}});
  return a;
}

Result<AssetRecord> Workflow::GetAsset(const Caller& c, const AssetId& id) {
  if (!LooksLike<AssetId>(id.str())) return NotFound("no asset " + id.str().substr(0, 40));
  ASSIGN_OR_RETURN(AssetRecord a, store_.Read([&](ReadTx& tx) { return tx.GetAsset(id); }));
  RETURN_IF_ERROR(AuthorizeRead(c, AssetResource(a), "asset.read"));
  return a;
}

Result<std::vector<AssetRecord>> Workflow::ListAssets(const Caller& c, AssetQuery q) {
  q.visible_projects.clear();
  q.all_projects = false;
  for (const RoleBinding& b : c.roles) {
    if (!b.project && (b.role == Role::kAdmin || b.role == Role::kAuditor)) q.all_projects = true;
    if (b.project) q.visible_projects.push_back(*b.project);
  }
  if (q.limit <= 0 || q.limit > 500) q.limit = 50;
  std::vector<AssetRecord> out;
  if (q.all_projects || !q.visible_projects.empty()) {
    ASSIGN_OR_RETURN(out, store_.Read([&](ReadTx& tx) { return tx.ListAssets(q); }));
  }
  audit::AuditEvent e = Event(c, "asset.list", q.project ? q.project->str() : "*", "allowed");
  e.details["returned"] = out.size();
  audit_.AppendAsync(std::move(e));
  return out;
}

Status Workflow::ReadContent(
    const Caller& c, const AssetId& id,
    const std::function<Status(const AssetRecord&, blob::BlobReader&)>& fn) {
  ASSIGN_OR_RETURN(AssetRecord a, GetAsset(c, id));
  ASSIGN_OR_RETURN(BlobRecord b, store_.Read([&](ReadTx& tx) { return tx.GetBlob(a.blob); }));
  if (b.wrapped_key.empty() || a.status == AssetStatus::kDisposed)
    return Error(ErrorCode::kNotFound, "the content of " + a.id.str() + " was disposed");
  ASSIGN_OR_RETURN(auto reader, blobs_.Open(b.id, b.wrapped_key));
  return fn(a, *reader);
}

Result<std::vector<DlpFindingRecord>> Workflow::Findings(const Caller& c, const AssetId& id) {
  ASSIGN_OR_RETURN(AssetRecord a, GetAsset(c, id));
  return store_.Read([&](ReadTx& tx) { return tx.FindingsOf(a.id); });
}

Result<json::object> Workflow::Lineage(const Caller& c, const AssetId& id) {
  ASSIGN_OR_RETURN(AssetRecord root, GetAsset(c, id));
  json::object out;
  Status s = store_.ReadTransaction([&](ReadTx& tx) -> Status {
    ASSIGN_OR_RETURN(auto ancestors, tx.Ancestors(id, options_.lineage_max_depth));
    ASSIGN_OR_RETURN(auto descendants, tx.Descendants(id, options_.lineage_max_depth));
    ASSIGN_OR_RETURN(auto contributors, Contributors(tx, root));
    std::vector<AssetRecord> all = ancestors;
    all.insert(all.begin(), root);
    json::array anc, desc, contrib, edges, activities;
    for (const auto& a : ancestors) anc.push_back(AssetSummaryJson(a));
    for (const auto& a : descendants) desc.push_back(AssetSummaryJson(a));
    for (const PrincipalId& p : contributors) {
      json::object o{{"id", p.str()}};
      if (auto pr = tx.GetPrincipal(p); pr.ok()) {
        o["name"] = pr->name;
        o["kind"] = std::string(Name(pr->kind));
      }
      contrib.push_back(std::move(o));
    }
    std::set<JobId> seen_jobs;
    for (const AssetRecord& a : all) {
      ASSIGN_OR_RETURN(auto sources, tx.DerivedFrom(a.id));
      for (const AssetId& src : sources)
        edges.push_back(json::object{
            {"type", "wasDerivedFrom"}, {"generated", a.id.str()}, {"used", src.str()}});
      if (!a.generated_by) continue;
      edges.push_back(json::object{
          {"type", "wasGeneratedBy"}, {"entity", a.id.str()}, {"activity", a.generated_by->str()}});
      if (!seen_jobs.insert(*a.generated_by).second) continue;
      auto job = tx.GetJob(*a.generated_by);
      if (!job.ok()) continue;
      for (const JobInput& in : job->inputs)
        edges.push_back(json::object{{"type", "used"},
                                     {"activity", job->id.str()},
                                     {"entity", in.asset.str()},
                                     {"role", in.role}});
      activities.push_back(JobJson(*job));
    }
    ASSIGN_OR_RETURN(auto pubs, tx.PublicationsOf(id));
    json::array publications;
    for (const auto& p : pubs) publications.push_back(PublicationJson(p));
    out["asset"] = AssetJson(root);
    out["ancestors"] = std::move(anc);
    out["descendants"] = std::move(desc);
    out["contributors"] = std::move(contrib);
    out["activities"] = std::move(activities);
    out["edges"] = std::move(edges);
    out["publications"] = std::move(publications);
    // Imported assets: where the file was before it entered the studio.
    if (root.origin)
      out["origin"] = json::object{{"path", root.origin->path},
                                   {"sha256", root.origin->sha256},
                                   {"host", root.origin->host}};
    return OkStatus();
  });
  RETURN_IF_ERROR(s);
  return out;
}

Result<int> Workflow::SweepOrphanBlobs() {
  RETURN_IF_ERROR(blobs_.CleanTemporary());
  ASSIGN_OR_RETURN(auto on_disk, blobs_.List());
  ASSIGN_OR_RETURN(auto known, store_.Read([&](ReadTx& tx) { return tx.ListBlobIds(); }));
  std::set<BlobId> known_set(known.begin(), known.end());
  int removed = 0;
  for (const BlobId& b : on_disk) {
    if (known_set.count(b)) continue;
    // No row means no wrapped key was ever committed: the bytes are unreadable and unreachable.
    if (blobs_.Remove(b).ok()) ++removed;
  }
  return removed;
}

}  // namespace custody::workflow
