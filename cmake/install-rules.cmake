# Installs the library with an exported CMake package (deliveryhook::deliveryhook)
# and a pkg-config file: the "development" component (CPack's libdeliveryhook-dev).
# Every rule here names that component and nothing else does, so
# `cmake --install <build> --component development` installs exactly the
# library, its headers and the package files: none of the daemon's (the
# "service" component: app/CMakeLists.txt, cmake/packaging.cmake).
include(CMakePackageConfigHelpers)

install(TARGETS deliveryhook EXPORT deliveryhookTargets
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT development
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT development
  FILE_SET HEADERS DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} COMPONENT development)

set(deliveryhook_cmake_dir "${CMAKE_INSTALL_LIBDIR}/cmake/deliveryhook")
install(EXPORT deliveryhookTargets NAMESPACE deliveryhook:: DESTINATION ${deliveryhook_cmake_dir}
  COMPONENT development)
configure_package_config_file(
  "${PROJECT_SOURCE_DIR}/cmake/deliveryhookConfig.cmake.in"
  "${PROJECT_BINARY_DIR}/deliveryhookConfig.cmake"
  INSTALL_DESTINATION ${deliveryhook_cmake_dir})
write_basic_package_version_file("${PROJECT_BINARY_DIR}/deliveryhookConfigVersion.cmake"
  COMPATIBILITY SameMinorVersion)
install(FILES "${PROJECT_BINARY_DIR}/deliveryhookConfig.cmake"
              "${PROJECT_BINARY_DIR}/deliveryhookConfigVersion.cmake"
  DESTINATION ${deliveryhook_cmake_dir} COMPONENT development)
install(FILES "${PROJECT_SOURCE_DIR}/third_party/cmake/FindRapidJSON.cmake"
  DESTINATION ${deliveryhook_cmake_dir} COMPONENT development)

# The .pc file finds its prefix relative to itself, so a staged or relocated
# install works.
file(RELATIVE_PATH deliveryhook_pc_to_prefix "/prefix/${CMAKE_INSTALL_LIBDIR}/pkgconfig" "/prefix")
configure_file("${PROJECT_SOURCE_DIR}/packaging/deliveryhook.pc.in"
               "${PROJECT_BINARY_DIR}/deliveryhook.pc" @ONLY)
install(FILES "${PROJECT_BINARY_DIR}/deliveryhook.pc"
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig COMPONENT development)
