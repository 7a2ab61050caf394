# find_package(Kiln): the Kiln compiler and runtime installed beside this
# file (<prefix>/lib/cmake/Kiln), and kiln_add_model (KilnModel.cmake).
#
#   Kiln::kilnc    the compiler (an imported executable)
#   Kiln::runtime  libkiln_rt (.npy files, the thread pool, the driver of
#                  built executables) and the headers; when cross-compiling it
#                  is built from the installed sources with the project's own
#                  toolchain
#   KILN_INCLUDE_DIR  kiln_rt.h and kiln/model.hpp
get_filename_component(_kiln_prefix "${CMAKE_CURRENT_LIST_DIR}/../../.." ABSOLUTE)
set(KILN_INCLUDE_DIR "${_kiln_prefix}/include")
set(KILN_KILNC "${_kiln_prefix}/bin/kilnc")

if(NOT TARGET Kiln::kilnc)
  add_executable(Kiln::kilnc IMPORTED)
  set_target_properties(Kiln::kilnc PROPERTIES IMPORTED_LOCATION "${KILN_KILNC}")
endif()

if(NOT TARGET Kiln::runtime)
  find_package(Threads REQUIRED)  # the pool's threads
  if(CMAKE_CROSSCOMPILING)
    file(GLOB _kiln_runtime_sources "${_kiln_prefix}/share/kiln/runtime/src/*.c")
    add_library(kiln_runtime STATIC ${_kiln_runtime_sources})
    target_include_directories(kiln_runtime PUBLIC "${KILN_INCLUDE_DIR}")
    target_link_libraries(kiln_runtime PUBLIC m Threads::Threads)
    set_target_properties(kiln_runtime PROPERTIES C_STANDARD 11 POSITION_INDEPENDENT_CODE ON)
    add_library(Kiln::runtime ALIAS kiln_runtime)
  else()
    include("${CMAKE_CURRENT_LIST_DIR}/KilnRuntimeLink.cmake")  # KILN_RUNTIME_LINK_OPTIONS
    add_library(Kiln::runtime STATIC IMPORTED)
    set_target_properties(Kiln::runtime PROPERTIES IMPORTED_LOCATION "${_kiln_prefix}/lib/libkiln_rt.a"
                                                   INTERFACE_INCLUDE_DIRECTORIES "${KILN_INCLUDE_DIR}"
                                                   INTERFACE_LINK_LIBRARIES "m;Threads::Threads"
                                                   INTERFACE_LINK_OPTIONS "${KILN_RUNTIME_LINK_OPTIONS}"
                                                   IMPORTED_LINK_INTERFACE_LANGUAGES C)
  endif()
endif()

include("${CMAKE_CURRENT_LIST_DIR}/KilnModel.cmake")
