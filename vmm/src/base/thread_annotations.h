// SPDX-License-Identifier: GPL-2.0
// Clang thread-safety annotations (-Wthread-safety). They expand to nothing under other
// compilers; the clang build (tools/check, `cmake -DCMAKE_CXX_COMPILER=clang++`) checks them.
#ifndef VMM_SRC_BASE_THREAD_ANNOTATIONS_H_
#define VMM_SRC_BASE_THREAD_ANNOTATIONS_H_

#if defined(__clang__)
#define VMM_TSA(x) __attribute__((x))
#else
#define VMM_TSA(x)
#endif

#define CAPABILITY(x) VMM_TSA(capability(x))
#define SCOPED_CAPABILITY VMM_TSA(scoped_lockable)
#define GUARDED_BY(x) VMM_TSA(guarded_by(x))
#define PT_GUARDED_BY(x) VMM_TSA(pt_guarded_by(x))
#define ACQUIRED_BEFORE(...) VMM_TSA(acquired_before(__VA_ARGS__))
#define ACQUIRED_AFTER(...) VMM_TSA(acquired_after(__VA_ARGS__))
#define REQUIRES(...) VMM_TSA(requires_capability(__VA_ARGS__))
#define ACQUIRE(...) VMM_TSA(acquire_capability(__VA_ARGS__))
#define RELEASE(...) VMM_TSA(release_capability(__VA_ARGS__))
#define EXCLUDES(...) VMM_TSA(locks_excluded(__VA_ARGS__))
#define RETURN_CAPABILITY(x) VMM_TSA(lock_returned(x))
#define NO_THREAD_SAFETY_ANALYSIS VMM_TSA(no_thread_safety_analysis)

#endif  // VMM_SRC_BASE_THREAD_ANNOTATIONS_H_
