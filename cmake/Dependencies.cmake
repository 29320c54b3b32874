# All third-party libraries come from Debian packages (scripts/install-deps), except the Cassandra
# C++ driver, which Debian lacks: install-deps builds it once into a cache prefix.
find_package(Threads REQUIRED)
find_package(OpenSSL 3 REQUIRED)
find_package(CURL REQUIRED)
find_package(yaml-cpp REQUIRED)
find_package(nlohmann_json 3 REQUIRED)
find_package(CLI11 REQUIRED)
find_package(fmt REQUIRED)
find_package(spdlog REQUIRED)
find_package(SQLite3 REQUIRED)
# Time zones for schedules (GCC 12's <chrono> has no tzdb): Howard Hinnant's date, reading the OS zoneinfo.
find_package(date CONFIG REQUIRED)
find_package(ZLIB REQUIRED)
find_package(PkgConfig REQUIRED)
pkg_check_modules(ZSTD REQUIRED IMPORTED_TARGET libzstd)
pkg_check_modules(ISAL REQUIRED IMPORTED_TARGET libisal)
pkg_check_modules(LIBUV REQUIRED IMPORTED_TARGET libuv)

set(CASSVAULT_DRIVER_PREFIX "$ENV{HOME}/.cache/cassvault/cpp-driver-2.17.1" CACHE PATH
    "Where scripts/install-deps installed the Cassandra C++ driver")
find_library(CASS_DRIVER_LIB NAMES cassandra_static PATHS "${CASSVAULT_DRIVER_PREFIX}/lib" NO_DEFAULT_PATH)
find_library(CASS_DRIVER_LIB NAMES cassandra_static cassandra)
find_path(CASS_DRIVER_INCLUDE cassandra.h PATHS "${CASSVAULT_DRIVER_PREFIX}/include" NO_DEFAULT_PATH)
find_path(CASS_DRIVER_INCLUDE cassandra.h)
if(NOT CASS_DRIVER_LIB OR NOT CASS_DRIVER_INCLUDE)
  message(FATAL_ERROR "Cassandra C++ driver not found under ${CASSVAULT_DRIVER_PREFIX}: run scripts/install-deps")
endif()
add_library(cassandra_driver INTERFACE)
target_include_directories(cassandra_driver SYSTEM INTERFACE "${CASS_DRIVER_INCLUDE}")
target_link_libraries(cassandra_driver INTERFACE "${CASS_DRIVER_LIB}" PkgConfig::LIBUV OpenSSL::SSL OpenSSL::Crypto
                      ZLIB::ZLIB Threads::Threads)

# BLAKE3 (vault format v2 names blobs with it): Debian 12 has no C library package, but librust-blake3-dev
# ships the official C implementation, x86-64 assembly included; we compile it as a static library.
file(GLOB CASSVAULT_BLAKE3_DIRS LIST_DIRECTORIES true "/usr/share/cargo/registry/blake3-*/c")
list(SORT CASSVAULT_BLAKE3_DIRS)
list(POP_BACK CASSVAULT_BLAKE3_DIRS CASSVAULT_BLAKE3_DIR)
set(CASSVAULT_BLAKE3_DIR "${CASSVAULT_BLAKE3_DIR}" CACHE PATH "BLAKE3's C sources (librust-blake3-dev)")
if(NOT EXISTS "${CASSVAULT_BLAKE3_DIR}/blake3.h")
  message(FATAL_ERROR "BLAKE3 C sources not found (${CASSVAULT_BLAKE3_DIR}): run scripts/install-deps")
endif()
enable_language(ASM)
set(_b3 "${CASSVAULT_BLAKE3_DIR}")
add_library(blake3 STATIC "${_b3}/blake3.c" "${_b3}/blake3_dispatch.c" "${_b3}/blake3_portable.c"
            "${_b3}/blake3_sse2_x86-64_unix.S" "${_b3}/blake3_sse41_x86-64_unix.S"
            "${_b3}/blake3_avx2_x86-64_unix.S" "${_b3}/blake3_avx512_x86-64_unix.S")
target_include_directories(blake3 SYSTEM PUBLIC "${_b3}")
set_target_properties(blake3 PROPERTIES POSITION_INDEPENDENT_CODE ON C_STANDARD 99)
