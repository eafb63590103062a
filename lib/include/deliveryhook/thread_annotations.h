// Clang's thread-safety annotations, so that clang -Wthread-safety checks at
// compile time that a member is only touched with its mutex held. They
// expand to nothing on other compilers. In the style of leveldb's
// port/thread_annotations.h; see
// https://clang.llvm.org/docs/ThreadSafetyAnalysis.html for their meaning.
//
// Example (deliveryhook::Mutex in deliveryhook/mutex.h is annotated):
//
//   class Counter {
//    public:
//     void Add() DELIVERYHOOK_EXCLUDES(mutex_) {
//       deliveryhook::MutexLock lock(mutex_);
//       ++count_;
//     }
//    private:
//     deliveryhook::Mutex mutex_;
//     int count_ DELIVERYHOOK_GUARDED_BY(mutex_) = 0;
//   };
#ifndef DELIVERYHOOK_THREAD_ANNOTATIONS_H_
#define DELIVERYHOOK_THREAD_ANNOTATIONS_H_

#if defined(__clang__)
#define DELIVERYHOOK_THREAD_ANNOTATION_(x) __attribute__((x))
#else
#define DELIVERYHOOK_THREAD_ANNOTATION_(x)
#endif

// A type that is a lock (a mutex, say), or a scoped holder of one.
#define DELIVERYHOOK_CAPABILITY(name) DELIVERYHOOK_THREAD_ANNOTATION_(capability(name))
#define DELIVERYHOOK_SCOPED_CAPABILITY DELIVERYHOOK_THREAD_ANNOTATION_(scoped_lockable)

// A member read or written only with the lock held; for a pointer, what it
// points to.
#define DELIVERYHOOK_GUARDED_BY(x) DELIVERYHOOK_THREAD_ANNOTATION_(guarded_by(x))
#define DELIVERYHOOK_PT_GUARDED_BY(x) DELIVERYHOOK_THREAD_ANNOTATION_(pt_guarded_by(x))

// A function called with the locks held, or with them not held (it takes
// them itself).
#define DELIVERYHOOK_REQUIRES(...) DELIVERYHOOK_THREAD_ANNOTATION_(requires_capability(__VA_ARGS__))
#define DELIVERYHOOK_EXCLUDES(...) DELIVERYHOOK_THREAD_ANNOTATION_(locks_excluded(__VA_ARGS__))

// A function that takes or lets go of the locks (of `this` when none named).
#define DELIVERYHOOK_ACQUIRE(...) DELIVERYHOOK_THREAD_ANNOTATION_(acquire_capability(__VA_ARGS__))
#define DELIVERYHOOK_RELEASE(...) DELIVERYHOOK_THREAD_ANNOTATION_(release_capability(__VA_ARGS__))
#define DELIVERYHOOK_TRY_ACQUIRE(...) \
  DELIVERYHOOK_THREAD_ANNOTATION_(try_acquire_capability(__VA_ARGS__))

// A function that fails (aborts) unless the lock is held; the analysis then
// takes it as held.
#define DELIVERYHOOK_ASSERT_CAPABILITY(x) DELIVERYHOOK_THREAD_ANNOTATION_(assert_capability(x))

// A function that returns a reference to the lock.
#define DELIVERYHOOK_RETURN_CAPABILITY(x) DELIVERYHOOK_THREAD_ANNOTATION_(lock_returned(x))

// Turns the analysis off for one function, for what it cannot follow;
// say why where it is used.
#define DELIVERYHOOK_NO_THREAD_SAFETY_ANALYSIS \
  DELIVERYHOOK_THREAD_ANNOTATION_(no_thread_safety_analysis)

#endif  // DELIVERYHOOK_THREAD_ANNOTATIONS_H_
