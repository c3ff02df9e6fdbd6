# `cpack -G DEB` (in the build dir) builds nsysexplain_<version>_<arch>.deb:
# the extension where the dynamic loader finds it by bare name
# (/usr/lib/<multiarch>/libnsysexplain.so, so `.load libnsysexplain` works),
# nsys-explain-render and nsys-explain-synth in /usr/bin, the view pack in
# /usr/share/nsysexplain/sql, the README in /usr/share/doc/nsysexplain and
# the man page nsys-explain-render(1). Test: tests/package.
install(FILES ${PROJECT_SOURCE_DIR}/README.md DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(FILES ${PROJECT_SOURCE_DIR}/docs/man/nsys-explain-render.1
        DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME nsysexplain)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "nsysexplain developers <nsysexplain@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "LLM-inference hotspot reports from Nsight Systems SQLite exports")
set(CPACK_PACKAGE_DESCRIPTION
    "A SQLite loadable extension (libnsysexplain), a pack of llm_* SQL views and "
    "the renderer nsys-explain-render that turn an Nsight Systems SQLite export "
    "into a Markdown/JSON/CSV hotspot report.")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)  # nsysexplain_<version>_<arch>.deb
set(CPACK_DEBIAN_PACKAGE_SECTION devel)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "libsqlite3-0 (>= 3.38.0), libstdc++6, libc6")
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS sqlite3)
# A shared library in the loader path: let dpkg run ldconfig.
file(WRITE ${CMAKE_CURRENT_BINARY_DIR}/deb/triggers "activate-noawait ldconfig\n")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA ${CMAKE_CURRENT_BINARY_DIR}/deb/triggers)
include(CPack)
