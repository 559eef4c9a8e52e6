// Clang thread-safety annotations (LevelDB's port/thread_annotations.h), used by the SQLite store.
//
// They document which mutex guards which member; clang checks them with -Wthread-safety, other
// compilers ignore them. Each macro is defined only if nobody defined it before, so a project-wide
// copy (if base/ ever grows one) takes precedence.
#pragma once

#if defined(__clang__)
#define CUSTODY_THREAD_ANNOTATION(x) __attribute__((x))
#else
#define CUSTODY_THREAD_ANNOTATION(x)
#endif

#ifndef GUARDED_BY
#define GUARDED_BY(x) CUSTODY_THREAD_ANNOTATION(guarded_by(x))
#endif
#ifndef PT_GUARDED_BY
#define PT_GUARDED_BY(x) CUSTODY_THREAD_ANNOTATION(pt_guarded_by(x))
#endif
#ifndef EXCLUSIVE_LOCKS_REQUIRED
#define EXCLUSIVE_LOCKS_REQUIRED(...) \
  CUSTODY_THREAD_ANNOTATION(exclusive_locks_required(__VA_ARGS__))
#endif
#ifndef LOCKS_EXCLUDED
#define LOCKS_EXCLUDED(...) CUSTODY_THREAD_ANNOTATION(locks_excluded(__VA_ARGS__))
#endif
