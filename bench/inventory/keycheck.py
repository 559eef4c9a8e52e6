#!/usr/bin/env python3
"""The inventory benchmark's key check: every AI-tool key ExifTool reports for a file, Custody's
`inventory --json` reports for the same file (in its `ai_keys`).

Usage: keycheck.py DIR EXIFTOOL_JSON CUSTODY_JSONL [SUMMARY_JSON]

An "AI-tool key" in ExifTool's output (`exiftool -j -r -q DIR`, tag names without groups) is:
  - a PNG text keyword AI tools write: prompt, workflow, parameters, invokeai_metadata,
    invokeai_graph, invokeai_workflow, sd-metadata, Dream, fooocus_scheme, negative_prompt,
    extras, postprocessing;
  - Software = NovelAI, and then also NovelAI's Comment (parameters) and Description (prompt);
  - UserComment (EXIF or XMP) holding an A1111 infotext ("Steps: "), SwarmUI's sui_image_params
    or a JSON prompt;
  - Comment holding Fooocus parameters;
  - Make/Model (ComfyUI's animated WebP EXIF) starting with "workflow:" or "prompt:";
  - DigitalSourceType naming trainedAlgorithmicMedia or compositeWithTrainedAlgorithmicMedia.
Keys are compared by their last name segment, lower-cased, letters and digits only
("Sd-metadata" = "png:tEXt:sd-metadata", "UserComment" = "jpeg:APP1:Exif:Exif.Photo.UserComment").
Exit status 0 when nothing is missed, 1 otherwise.
"""
import json
import os
import re
import sys

PNG_AI_KEYWORDS = {
    "prompt", "workflow", "parameters", "invokeaimetadata", "invokeaigraph", "invokeaiworkflow",
    "sdmetadata", "dream", "fooocusscheme", "negativeprompt", "extras", "postprocessing",
}


def norm(name):
    last = re.split(r"[:.]", name)[-1]
    return re.sub(r"[^a-z0-9]", "", last.lower())


def text(v):
    return v if isinstance(v, str) else json.dumps(v)


def exiftool_ai_keys(rec):
    keys = set()
    novelai = text(rec.get("Software", "")).startswith("NovelAI")
    for tag, value in rec.items():
        n = norm(tag)
        v = text(value)
        if n in PNG_AI_KEYWORDS and rec.get("FileType") in ("PNG", "APNG", "WEBP", "JPEG"):
            keys.add(n)
        elif novelai and n in ("software", "comment", "description"):
            keys.add(n)
        elif n == "usercomment" and ("Steps: " in v or "sui_image_params" in v or
                                     v.lstrip().startswith("{")):
            keys.add(n)
        elif n == "comment" and "Fooocus" in v:
            keys.add(n)
        elif n in ("make", "model") and (v.startswith("workflow:") or v.startswith("prompt:")):
            keys.add(n)
        elif n == "digitalsourcetype":
            compact = re.sub(r"[^a-z]", "", v.lower())
            if "trainedalgorithmicmedia" in compact:
                keys.add(n)
    return keys


def main():
    if len(sys.argv) < 4:
        print(__doc__, file=sys.stderr)
        return 2
    root, exif_path, ours_path = sys.argv[1:4]
    summary_path = sys.argv[4] if len(sys.argv) > 4 else None
    with open(exif_path, encoding="utf-8", errors="replace") as f:
        exif = json.load(f)
    ours = {}
    with open(ours_path, encoding="utf-8") as f:
        for line in f:
            rec = json.loads(line)
            if rec.get("type") == "file":
                ours[rec["path"]] = rec
    total = matched = files_with_keys = extra = 0
    misses = []
    per_key = {}
    for rec in exif:
        rel = os.path.relpath(rec["SourceFile"], root)
        want = exiftool_ai_keys(rec)
        if not want:
            continue
        files_with_keys += 1
        got = {norm(k) for k in ours.get(rel, {}).get("ai_keys", [])}
        for k in sorted(want):
            total += 1
            hit = per_key.setdefault(k, [0, 0])
            hit[1] += 1
            if k in got:
                matched += 1
                hit[0] += 1
            else:
                misses.append((rel, k, "not in our output" if rel not in ours else
                               "ours: " + (", ".join(ours[rel].get("ai_keys", [])) or "none")))
        extra += len(got - want)
    print(f"key check: {matched}/{total} AI-tool keys ExifTool reports are reported by custody "
          f"({files_with_keys} files with such keys)")
    for k, (hit, n) in sorted(per_key.items()):
        print(f"  {k:20s} {hit}/{n}")
    print(f"  (custody also reports {extra} keys as generation data that this check does not "
          "count, e.g. NovelAI's Title and Source, the stealth alpha-LSB payload)")
    for rel, k, why in misses[:50]:
        print(f"  MISS {rel}: {k} ({why})")
    if len(misses) > 50:
        print(f"  ... and {len(misses) - 50} more misses")
    if summary_path:
        with open(summary_path, "w") as f:
            json.dump({"matched": matched, "total": total, "files_with_keys": files_with_keys,
                       "per_key": per_key, "misses": misses}, f, indent=1)
    return 0 if matched == total else 1


if __name__ == "__main__":
    sys.exit(main())
