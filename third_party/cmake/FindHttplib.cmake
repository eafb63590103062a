# Finds cpp-httplib and exposes it as httplib::httplib.
#
# Debian ships it compiled: httplib.h only declares, libcpp-httplib.so
# implements, and the library was built with OpenSSL, zlib and Brotli support.
# Those CPPHTTPLIB_*_SUPPORT macros change the layout of httplib::Request, so
# every consumer must define the same ones: they are taken from the library's
# pkg-config file. Without the library, the header is used header-only.
find_path(Httplib_INCLUDE_DIR httplib.h)
find_package(PkgConfig QUIET)
if(PkgConfig_FOUND)
  pkg_check_modules(PC_Httplib QUIET cpp-httplib)
endif()
find_library(Httplib_LIBRARY NAMES cpp-httplib HINTS ${PC_Httplib_LIBRARY_DIRS})
include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(Httplib REQUIRED_VARS Httplib_INCLUDE_DIR)
if(Httplib_FOUND AND NOT TARGET httplib::httplib)
  add_library(httplib::httplib INTERFACE IMPORTED)
  set_target_properties(httplib::httplib PROPERTIES
    INTERFACE_INCLUDE_DIRECTORIES "${Httplib_INCLUDE_DIR}"
    INTERFACE_LINK_LIBRARIES "Threads::Threads")
  if(Httplib_LIBRARY)
    set(_httplib_definitions "")
    foreach(flag IN LISTS PC_Httplib_CFLAGS_OTHER)
      if(flag MATCHES "^-D(.+)$")
        list(APPEND _httplib_definitions "${CMAKE_MATCH_1}")
      endif()
    endforeach()
    if(NOT PC_Httplib_FOUND)
      # Debian's build flags, when pkg-config is missing.
      set(_httplib_definitions CPPHTTPLIB_OPENSSL_SUPPORT CPPHTTPLIB_ZLIB_SUPPORT CPPHTTPLIB_BROTLI_SUPPORT)
    endif()
    set_property(TARGET httplib::httplib APPEND PROPERTY INTERFACE_LINK_LIBRARIES "${Httplib_LIBRARY}")
    set_property(TARGET httplib::httplib PROPERTY INTERFACE_COMPILE_DEFINITIONS "${_httplib_definitions}")
  endif()
endif()
