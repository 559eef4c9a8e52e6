# custody_module(NAME name SOURCES ... DEPS ...): one library per folder under src/, with its
# dependencies listed explicitly. Linking is the only way a module sees another module's headers,
# so a dependency that points up the stack fails to build instead of creeping in.
# -Wno-restrict: GCC 12 reports false -Wrestrict errors inside libstdc++'s std::string operator+
# at -O3 (GCC bug 105329); the warning stays useful on other compilers.
set(CUSTODY_WARNINGS -Wall -Wextra -Werror -Wno-missing-field-initializers)
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
  list(APPEND CUSTODY_WARNINGS -Wno-restrict)
endif()

function(custody_module)
  cmake_parse_arguments(M "" "NAME" "SOURCES;DEPS;PUBLIC_LIBS" ${ARGN})
  add_library(custody_${M_NAME} STATIC ${M_SOURCES})
  add_library(custody::${M_NAME} ALIAS custody_${M_NAME})
  target_include_directories(custody_${M_NAME} PUBLIC ${PROJECT_SOURCE_DIR}/src)
  target_compile_options(custody_${M_NAME} PRIVATE ${CUSTODY_WARNINGS})
  target_link_libraries(custody_${M_NAME} PUBLIC ${M_DEPS} ${M_PUBLIC_LIBS})
endfunction()

# custody_test(NAME name SOURCES ... DEPS ...): a GoogleTest binary registered with ctest.
function(custody_test)
  cmake_parse_arguments(T "" "NAME" "SOURCES;DEPS" ${ARGN})
  if(NOT CUSTODY_BUILD_TESTS)
    return()
  endif()
  add_executable(${T_NAME} ${T_SOURCES})
  target_compile_options(${T_NAME} PRIVATE ${CUSTODY_WARNINGS})
  target_link_libraries(${T_NAME} PRIVATE ${T_DEPS} GTest::gtest GTest::gmock GTest::gtest_main)
  gtest_discover_tests(${T_NAME} DISCOVERY_MODE PRE_TEST
    PROPERTIES ENVIRONMENT
      "CUSTODY_SOURCE_DIR=${PROJECT_SOURCE_DIR};LSAN_OPTIONS=suppressions=${PROJECT_SOURCE_DIR}/src/media/tests/lsan.supp:print_suppressions=0")
endfunction()
