# deliveryhook_warnings: the project's one set of warning flags, linked by
# every target we build (library, app, tests, benchmarks, fuzzers). Targets
# link it PRIVATE through $<BUILD_INTERFACE:...>, so it never reaches the
# installed package: a consumer of deliveryhook::deliveryhook (CMake or
# pkg-config) gets none of our flags. Third-party headers come in through
# imported targets, whose include directories CMake passes as -isystem, so
# their warnings stay theirs.
option(DELIVERYHOOK_WERROR "Treat compiler warnings as errors (CI builds with ON)" OFF)

add_library(deliveryhook_warnings INTERFACE)
target_compile_options(deliveryhook_warnings INTERFACE -Wall -Wextra -Wpedantic
  # Options structs have a default for every member, and leaving the trailing
  # ones out of an aggregate initializer ({"url", false}) means those
  # defaults: the idiom, not an oversight, so GCC's -Wextra note is off.
  -Wno-missing-field-initializers)
if(CMAKE_CXX_COMPILER_ID MATCHES "Clang")
  # Checks the DELIVERYHOOK_GUARDED_BY / REQUIRES annotations
  # (deliveryhook/thread_annotations.h); GCC has no such analysis.
  target_compile_options(deliveryhook_warnings INTERFACE -Wthread-safety)
  # RapidJSON 1.1.0 declares its iterators' operator== and != as members
  # taking a template parameter, so in C++20 the reversed candidate competes
  # and clang flags every `it != object.MemberEnd()` in *our* code (the call
  # site is ours, so treating RapidJSON as a system header does not help).
  # The comparison picked is the intended one; fixed in RapidJSON after 1.1.0.
  target_compile_options(deliveryhook_warnings INTERFACE -Wno-ambiguous-reversed-operator)
endif()
if(DELIVERYHOOK_WERROR)
  target_compile_options(deliveryhook_warnings INTERFACE -Werror)
endif()
