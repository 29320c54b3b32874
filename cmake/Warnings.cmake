# Warnings are errors in every preset: a warning today is a bug report tomorrow.
add_library(cassvault_warnings INTERFACE)
target_compile_options(cassvault_warnings INTERFACE -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor
                       -Wold-style-cast -Wcast-align -Wunused -Woverloaded-virtual
                       -Wimplicit-fallthrough)
# GCC 12 reports false -Wrestrict/-Wstringop-overflow on std::string concatenation at -O2 (GCC bugs
# 105329, 105651); they say nothing about our code.
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
  target_compile_options(cassvault_warnings INTERFACE -Wno-restrict -Wno-stringop-overflow)
endif()
if(CASSVAULT_WERROR)
  target_compile_options(cassvault_warnings INTERFACE -Werror)
endif()

# cv_library(NAME SOURCES... [DEPS ...]) declares one architecture folder as a static library.
function(cv_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;PUBLIC_DEPS;PRIVATE_DEPS" ${ARGN})
  add_library(${name} STATIC ${ARG_SOURCES})
  target_include_directories(${name} PUBLIC "${PROJECT_SOURCE_DIR}/src")
  target_link_libraries(${name} PUBLIC ${ARG_PUBLIC_DEPS} PRIVATE cassvault_warnings ${ARG_PRIVATE_DEPS})
endfunction()
