# The service's files and CPack's Debian packages. `cpack -G DEB` in the build
# folder makes two:
#   delivery-hook        (component "service")     the executable, its systemd
#                        unit, /etc/default/delivery-hook, the man page, docs;
#                        maintainer scripts in packaging/deb/
#   libdeliveryhook-dev  (component "development") the library, its headers,
#                        CMake package and pkg-config file (cmake/install-rules.cmake)
# Dependencies of the executable are computed by dpkg-shlibdeps.

set(DELIVERYHOOK_PACKAGE_CONTACT "docker-delivery-hook maintainers <maintainers@localhost>"
    CACHE STRING "Maintainer field of the .deb packages")

if(DELIVERYHOOK_BUILD_APP)
  # The unit and the settings file. /etc when the prefix is /usr (the
  # package), <prefix>/etc otherwise: GNUInstallDirs' rule, applied at install
  # time, so a staged `cmake --install --prefix` stays inside its prefix and
  # the unit names the paths it was installed with. The unit goes to
  # <prefix>/lib/systemd/system, which systemd reads for /usr and /usr/local.
  # The settings file is root's only: it holds SECRET_KEY.
  install(CODE "
    if(CMAKE_INSTALL_PREFIX STREQUAL \"/usr\")
      set(DELIVERYHOOK_SYSCONFDIR /etc)
    else()
      set(DELIVERYHOOK_SYSCONFDIR \"\${CMAKE_INSTALL_PREFIX}/etc\")
    endif()
    set(DELIVERYHOOK_BINDIR \"\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_BINDIR}\")
    configure_file(\"${PROJECT_SOURCE_DIR}/packaging/delivery-hook.service.in\"
                   \"${PROJECT_BINARY_DIR}/install-time/delivery-hook.service\" @ONLY)
    file(INSTALL \"${PROJECT_BINARY_DIR}/install-time/delivery-hook.service\"
      DESTINATION \"\${CMAKE_INSTALL_PREFIX}/lib/systemd/system\")
    file(INSTALL \"${PROJECT_SOURCE_DIR}/packaging/delivery-hook.default\"
      DESTINATION \"\${DELIVERYHOOK_SYSCONFDIR}/default\" RENAME delivery-hook
      PERMISSIONS OWNER_READ OWNER_WRITE)
  " COMPONENT service)

  # delivery-hook(1) from --help and packaging/delivery-hook.h2m (help2man);
  # without help2man, the --help text as a doc file.
  find_program(HELP2MAN_EXECUTABLE help2man)
  if(HELP2MAN_EXECUTABLE)
    set(deliveryhook_man "${PROJECT_BINARY_DIR}/delivery-hook.1.gz")
    add_custom_command(OUTPUT "${deliveryhook_man}"
      COMMAND "${HELP2MAN_EXECUTABLE}" --no-info
              "--name=redeploy a Docker Compose service from a signed HTTP request"
              "--include=${PROJECT_SOURCE_DIR}/packaging/delivery-hook.h2m"
              --output=delivery-hook.1 $<TARGET_FILE:delivery-hook>
      COMMAND gzip -9nf delivery-hook.1
      DEPENDS delivery-hook "${PROJECT_SOURCE_DIR}/packaging/delivery-hook.h2m"
      WORKING_DIRECTORY "${PROJECT_BINARY_DIR}"
      COMMENT "Generating delivery-hook.1 with help2man")
    add_custom_target(delivery-hook-man ALL DEPENDS "${deliveryhook_man}")
    install(FILES "${deliveryhook_man}" DESTINATION ${CMAKE_INSTALL_MANDIR}/man1 COMPONENT service)
  else()
    message(STATUS "help2man not found: installing delivery-hook's --help text instead of a man page")
    set(deliveryhook_help "${PROJECT_BINARY_DIR}/delivery-hook.help.txt")
    add_custom_command(OUTPUT "${deliveryhook_help}"
      COMMAND $<TARGET_FILE:delivery-hook> --help > "${deliveryhook_help}"
      DEPENDS delivery-hook)
    add_custom_target(delivery-hook-help ALL DEPENDS "${deliveryhook_help}")
    install(FILES "${deliveryhook_help}" DESTINATION ${CMAKE_INSTALL_DOCDIR} COMPONENT service)
  endif()
  install(FILES "${PROJECT_SOURCE_DIR}/README.md" "${PROJECT_SOURCE_DIR}/CHANGELOG.md"
    DESTINATION ${CMAKE_INSTALL_DATAROOTDIR}/doc/delivery-hook COMPONENT service)
  # The operator's manual the README links to, with its relative links intact.
  install(DIRECTORY "${PROJECT_SOURCE_DIR}/docs/"
    DESTINATION ${CMAKE_INSTALL_DATAROOTDIR}/doc/delivery-hook/docs COMPONENT service)
endif()

set(CPACK_PACKAGE_NAME delivery-hook)
set(CPACK_PACKAGE_VENDOR docker-delivery-hook)
set(CPACK_PACKAGE_CONTACT "${DELIVERYHOOK_PACKAGE_CONTACT}")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "${PROJECT_DESCRIPTION}")
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_INSTALL_PREFIX /usr)
# Install with DESTDIR and prefix /usr, so the install-time /etc rule above applies.
set(CPACK_SET_DESTDIR ON)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_ALL development)
if(DELIVERYHOOK_BUILD_APP)
  list(PREPEND CPACK_COMPONENTS_ALL service)
endif()

set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_RELEASE 1)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)

set(CPACK_DEBIAN_SERVICE_PACKAGE_NAME delivery-hook)
set(CPACK_DEBIAN_SERVICE_PACKAGE_SECTION admin)
set(CPACK_DEBIAN_SERVICE_PACKAGE_SHLIBDEPS ON)
# postinst creates the user with adduser; the rest comes from dpkg-shlibdeps.
set(CPACK_DEBIAN_SERVICE_PACKAGE_DEPENDS adduser)
set(CPACK_DEBIAN_SERVICE_PACKAGE_RECOMMENDS docker.io)
set(CPACK_COMPONENT_SERVICE_DESCRIPTION
  "Redeploys one Docker Compose service when a CI pipeline POSTs a signed request,\n\
recreating its container exactly as `docker compose up -d` would. Runs as a\n\
systemd service (delivery-hook.service) configured in /etc/default/delivery-hook.")
set(CPACK_DEBIAN_SERVICE_PACKAGE_CONTROL_EXTRA
  "${PROJECT_SOURCE_DIR}/packaging/deb/postinst"
  "${PROJECT_SOURCE_DIR}/packaging/deb/prerm"
  "${PROJECT_SOURCE_DIR}/packaging/deb/postrm"
  "${PROJECT_SOURCE_DIR}/packaging/deb/conffiles")

set(CPACK_DEBIAN_DEVELOPMENT_PACKAGE_NAME libdeliveryhook-dev)
set(CPACK_DEBIAN_DEVELOPMENT_PACKAGE_SECTION libdevel)
# A static library: its users link its dependencies too.
set(CPACK_DEBIAN_DEVELOPMENT_PACKAGE_DEPENDS
  "libcurl4-openssl-dev, libssl-dev, libyaml-cpp-dev, libarchive-dev, libsqlite3-dev, rapidjson-dev")
set(CPACK_COMPONENT_DEVELOPMENT_DESCRIPTION
  "The deliveryhook C++20 library (Docker Engine API client, compose loader and\n\
config hash, deployer, webhook signatures) with its CMake package and pkg-config file.")

include(CPack)
