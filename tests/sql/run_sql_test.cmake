# Golden shell transcript runner (docs: /work/shared/docs/STYLE.md §2.8).
#
#   cmake -DSHELL=/usr/bin/sqlite3 -DEXT=build/ext/libnsysexplain.so \
#         -DSQL=tests/sql/functions.sql [-DDB=:memory:] [-DUPDATE=1] \
#         -P tests/sql/run_sql_test.cmake
#
# Runs `stdbuf -o0 sqlite3 -batch -cmd ".load EXT" DB < SQL` in the folder of
# SQL (so `.read fixtures/x.sql` works), merges stdout and stderr in the order
# produced, removes "near line N: " (goldens do not change when lines move)
# and compares with <SQL without .sql>.expected. UPDATE=1 (or the environment
# variable UPDATE=1, e.g. `UPDATE=1 ctest -R '^sql\.'`) rewrites the golden.
cmake_minimum_required(VERSION 3.20)

foreach(var SHELL EXT SQL)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "run_sql_test.cmake: -D${var}=... is required")
  endif()
endforeach()
if(NOT DEFINED DB)
  set(DB ":memory:")
endif()
if(NOT DEFINED STDBUF)
  find_program(STDBUF stdbuf)
endif()
if(NOT DEFINED UPDATE AND DEFINED ENV{UPDATE})
  set(UPDATE "$ENV{UPDATE}")
endif()

get_filename_component(dir "${SQL}" DIRECTORY)
get_filename_component(stem "${SQL}" NAME_WE)
set(expected "${dir}/${stem}.expected")
if(NOT DEFINED ACTUAL)
  set(ACTUAL "${CMAKE_CURRENT_BINARY_DIR}/${stem}.actual")
endif()

set(cmd "${SHELL}" -batch -cmd ".load ${EXT}" "${DB}")
if(STDBUF)
  set(cmd "${STDBUF}" -o0 ${cmd})
endif()
execute_process(
  COMMAND ${cmd}
  INPUT_FILE "${SQL}"
  WORKING_DIRECTORY "${dir}"
  OUTPUT_VARIABLE out
  ERROR_VARIABLE out
  RESULT_VARIABLE rc)
# The exit status is part of the transcript: 0, or 1 after an error.
string(REGEX REPLACE "near line [0-9]+: " "" out "${out}")
string(APPEND out "-- exit status: ${rc}\n")

if(UPDATE)
  file(WRITE "${expected}" "${out}")
  message(STATUS "updated ${expected}")
  return()
endif()

file(WRITE "${ACTUAL}" "${out}")
if(NOT EXISTS "${expected}")
  message(FATAL_ERROR "missing ${expected} (run with -DUPDATE=1 to create it); "
                      "output is in ${ACTUAL}")
endif()
execute_process(
  COMMAND "${CMAKE_COMMAND}" -E compare_files --ignore-eol "${expected}"
          "${ACTUAL}"
  RESULT_VARIABLE same)
if(NOT same EQUAL 0)
  find_program(DIFF diff)
  if(DIFF)
    execute_process(COMMAND "${DIFF}" -u "${expected}" "${ACTUAL}"
                    OUTPUT_VARIABLE delta)
    message("${delta}")
  endif()
  message(FATAL_ERROR "${stem}: output differs from ${expected} (actual: "
                      "${ACTUAL}; rerun with -DUPDATE=1 to accept)")
endif()
