# kiln_add_model(<target> MODEL <file.kiln>
#                [WEIGHTS <file> | INIT_WEIGHTS <seed>]
#                [NAME <prefix>] [TARGET <triple>] [MCPU <cpu>]
#                [OPTIONS <kilnc options>...] [DEPENDS <files>...])
#
# Compiles a model with kilnc at build time into the static library <target>,
# whose include path has the generated headers <prefix>.h (C) and <prefix>.hpp
# (C++, with kiln/model.hpp). kilnc runs again when the model, the weights
# (for a TensorFlow.js model.json also the shards its manifest lists), the
# DEPENDS files or kilnc itself change.
#
#   NAME     C prefix of the entry points (default: <target>)
#   TARGET   the triple to compile for; default: this machine, or when the
#            project is cross-compiling, the triple its C compiler targets
#   MCPU     the target CPU (default: this machine's, or the target's baseline)
#   OPTIONS  more kilnc build options (--model NAME, --keras-version 3, -O3, ...)
# Relative paths are relative to the current source directory.

# The triple the project's compiler produces code for.
function(_kiln_compiler_target out)
  foreach(lang C CXX)
    if(CMAKE_${lang}_COMPILER_TARGET)
      set(${out} "${CMAKE_${lang}_COMPILER_TARGET}" PARENT_SCOPE)
      return()
    endif()
    if(CMAKE_${lang}_COMPILER)
      execute_process(COMMAND "${CMAKE_${lang}_COMPILER}" -dumpmachine OUTPUT_VARIABLE triple
                      OUTPUT_STRIP_TRAILING_WHITESPACE RESULT_VARIABLE status)
      if(status EQUAL 0 AND triple)
        set(${out} "${triple}" PARENT_SCOPE)
        return()
      endif()
    endif()
  endforeach()
  message(FATAL_ERROR "kiln_add_model: cannot tell which triple the compiler targets; give TARGET <triple>")
endfunction()

# The shard files a TensorFlow.js model.json lists in its weights manifest.
function(_kiln_weight_shards weights out)
  set(shards)
  if(weights MATCHES "\\.json$")
    file(READ "${weights}" json)
    get_filename_component(dir "${weights}" DIRECTORY)
    string(JSON groups ERROR_VARIABLE error LENGTH "${json}" weightsManifest)
    if(NOT error)
      math(EXPR last "${groups} - 1")
      foreach(g RANGE ${last})
        string(JSON paths ERROR_VARIABLE error LENGTH "${json}" weightsManifest ${g} paths)
        if(error OR paths EQUAL 0)
          continue()
        endif()
        math(EXPR lastPath "${paths} - 1")
        foreach(p RANGE ${lastPath})
          string(JSON shard GET "${json}" weightsManifest ${g} paths ${p})
          list(APPEND shards "${dir}/${shard}")
        endforeach()
      endforeach()
    endif()
  endif()
  set(${out} "${shards}" PARENT_SCOPE)
endfunction()

function(kiln_add_model target)
  cmake_parse_arguments(PARSE_ARGV 1 ARG "" "MODEL;WEIGHTS;INIT_WEIGHTS;NAME;TARGET;MCPU" "OPTIONS;DEPENDS")
  if(ARG_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "kiln_add_model(${target}): unknown arguments: ${ARG_UNPARSED_ARGUMENTS}")
  endif()
  if(NOT ARG_MODEL)
    message(FATAL_ERROR "kiln_add_model(${target}): MODEL <file.kiln> is required")
  endif()
  if(NOT ARG_NAME)
    set(ARG_NAME "${target}")
  endif()
  if(NOT ARG_TARGET AND CMAKE_CROSSCOMPILING)
    _kiln_compiler_target(ARG_TARGET)
  endif()

  get_filename_component(model "${ARG_MODEL}" ABSOLUTE)
  set(args build "${model}" --emit=obj --name "${ARG_NAME}")
  set(depends "${model}" "${KILN_KILNC}")
  if(ARG_WEIGHTS)
    get_filename_component(weights "${ARG_WEIGHTS}" ABSOLUTE)
    _kiln_weight_shards("${weights}" shards)
    list(APPEND args --weights "${weights}")
    list(APPEND depends "${weights}" ${shards})
  elseif(DEFINED ARG_INIT_WEIGHTS)
    list(APPEND args --init-weights "${ARG_INIT_WEIGHTS}")
  endif()
  if(ARG_TARGET)
    list(APPEND args --target "${ARG_TARGET}")
  endif()
  if(ARG_MCPU)
    list(APPEND args --mcpu "${ARG_MCPU}")
  endif()
  foreach(file ${ARG_DEPENDS})
    get_filename_component(file "${file}" ABSOLUTE)
    list(APPEND depends "${file}")
  endforeach()

  set(dir "${CMAKE_CURRENT_BINARY_DIR}/kiln/${target}")
  set(object "${dir}/${ARG_NAME}.o")
  add_custom_command(
    OUTPUT "${object}" "${dir}/${ARG_NAME}.h" "${dir}/${ARG_NAME}.hpp"
    COMMAND "${CMAKE_COMMAND}" -E make_directory "${dir}"
    COMMAND Kiln::kilnc ${args} ${ARG_OPTIONS} -o "${object}"
    DEPENDS ${depends}
    COMMENT "Compiling model ${ARG_MODEL} with kilnc"
    VERBATIM)

  # A library of the one object; archiving needs a language, any enabled one.
  get_property(languages GLOBAL PROPERTY ENABLED_LANGUAGES)
  set(language CXX)
  if("C" IN_LIST languages)
    set(language C)
  endif()
  add_library(${target} STATIC "${object}")
  set_target_properties(${target} PROPERTIES LINKER_LANGUAGE ${language})
  target_include_directories(${target} PUBLIC "${dir}" "${KILN_INCLUDE_DIR}")
  if(NOT WIN32)
    target_link_libraries(${target} PUBLIC m)
  endif()
endfunction()
