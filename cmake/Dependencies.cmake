# Finds every third-party library. Debian packages come from scripts/setup-deps;
# librdkafka 2.12.1 is built by scripts/build-librdkafka into .deps/ (static,
# with its own CMake package that names its dependencies); Arrow/Parquet come from a system install when one exists, otherwise from the
# pinned pyarrow wheel in .venv (its headers and versioned shared libraries).
find_package(Threads REQUIRED)
find_package(PkgConfig REQUIRED)
set(REPROCESSOR_DEPS_DIR "${CMAKE_SOURCE_DIR}/.deps" CACHE PATH "Where scripts/setup-deps puts built dependencies")
if(DEFINED ENV{REPROCESSOR_DEPS_DIR})
  set(REPROCESSOR_DEPS_DIR "$ENV{REPROCESSOR_DEPS_DIR}")
endif()
# Its package config looks for LZ4 with the FindLZ4.cmake it installs beside it.
list(APPEND CMAKE_MODULE_PATH "${REPROCESSOR_DEPS_DIR}/librdkafka-2.12.1/lib/cmake/RdKafka")
find_package(RdKafka 2.12.1 EXACT CONFIG REQUIRED
  PATHS "${REPROCESSOR_DEPS_DIR}/librdkafka-2.12.1" NO_DEFAULT_PATH)
message(STATUS "librdkafka: ${RdKafka_VERSION} (static) from ${RdKafka_DIR}")
find_package(simdjson REQUIRED)
find_package(tomlplusplus REQUIRED)
find_package(CLI11 REQUIRED)
find_package(date REQUIRED)   # date::date-tz, built against the OS tz database
find_package(fmt REQUIRED)
pkg_check_modules(LUA REQUIRED IMPORTED_TARGET lua5.4)  # Lua logics (src/logic/lua)
find_package(CURL REQUIRED)   # S3 commits: conditional PUTs signed by CURLOPT_AWS_SIGV4 (src/delta)
# Deletion vectors (src/delta): CRoaring decodes their Roaring bitmaps (Debian's
# libroaring-dev ships a CMake package, no pkg-config file), zlib checks their CRC-32.
find_package(roaring CONFIG REQUIRED)
find_package(ZLIB REQUIRED)
# Metrics (src/metrics): prometheus-cpp's registry and text format; civetweb
# serves /metrics, /healthz and /readyz (why not the pull Exposer: http_endpoint.h).
find_package(prometheus-cpp CONFIG REQUIRED)
find_package(civetweb CONFIG REQUIRED)
# mimalloc replaces glibc's malloc in the reprocessor binary (src/cli): librdkafka
# allocates every produced record, its header list and each header apart (7
# mallocs a record), and glibc's bins spent half of reprocess's main thread on
# them (BENCHMARKS.md). Not under the sanitizers (nor fuzzing), which bring their own malloc.
if(NOT REPROCESSOR_SANITIZE AND NOT REPROCESSOR_FUZZ)
  find_package(mimalloc CONFIG)
  if(NOT mimalloc_FOUND)
    message(FATAL_ERROR "mimalloc not found. Run scripts/setup-deps (installs libmimalloc-dev).")
  endif()
endif()

find_package(Arrow QUIET)
find_package(Parquet QUIET)
if(Arrow_FOUND AND Parquet_FOUND)
  add_library(reprocessor_arrow INTERFACE)
  target_link_libraries(reprocessor_arrow INTERFACE Arrow::arrow_shared Parquet::parquet_shared)
  message(STATUS "Arrow/Parquet: system install ${Arrow_VERSION}")
else()
  set(PYARROW_DIR "${CMAKE_SOURCE_DIR}/.venv/lib/python3.11/site-packages/pyarrow"
      CACHE PATH "Directory of the pyarrow wheel that provides Arrow/Parquet C++")
  file(GLOB _arrow_lib "${PYARROW_DIR}/libarrow.so.[0-9]*")
  file(GLOB _parquet_lib "${PYARROW_DIR}/libparquet.so.[0-9]*")
  if(NOT _arrow_lib OR NOT _parquet_lib OR NOT EXISTS "${PYARROW_DIR}/include/arrow/api.h")
    message(FATAL_ERROR "Arrow/Parquet C++ not found. Run scripts/setup-deps (installs the "
                        "pinned pyarrow wheel into .venv), or set PYARROW_DIR.")
  endif()
  add_library(reprocessor_arrow INTERFACE)
  target_include_directories(reprocessor_arrow SYSTEM INTERFACE "${PYARROW_DIR}/include")
  # The wheel's libparquet exports the symbols of its bundled OpenSSL. librdkafka
  # must bind to the system libssl/libcrypto, so they are direct dependencies
  # searched before the wheel's libraries (else TLS clients crash).
  find_package(OpenSSL REQUIRED)
  target_link_libraries(reprocessor_arrow INTERFACE
    "-Wl,--push-state,--no-as-needed" OpenSSL::SSL OpenSSL::Crypto "-Wl,--pop-state"
    ${_arrow_lib} ${_parquet_lib})
  # The binary finds the wheel's libraries through RPATH; Python is never loaded.
  set(CMAKE_BUILD_RPATH "${PYARROW_DIR}")
  set(CMAKE_INSTALL_RPATH "${PYARROW_DIR}")
  message(STATUS "Arrow/Parquet: pyarrow wheel at ${PYARROW_DIR}")
endif()
