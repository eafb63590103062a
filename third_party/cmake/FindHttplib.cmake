# Finds Debian's header-only cpp-httplib and exposes it as httplib::httplib,
# built with OpenSSL support (for TLS) and threads.
find_path(Httplib_INCLUDE_DIR httplib.h)
include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(Httplib REQUIRED_VARS Httplib_INCLUDE_DIR)
if(Httplib_FOUND AND NOT TARGET httplib::httplib)
  add_library(httplib::httplib INTERFACE IMPORTED)
  set_target_properties(httplib::httplib PROPERTIES
    INTERFACE_INCLUDE_DIRECTORIES "${Httplib_INCLUDE_DIR}"
    INTERFACE_LINK_LIBRARIES "Threads::Threads")
endif()
