# Fails if docs/layers.md differs from what `kilnc layers` prints now.
execute_process(COMMAND ${KILNC} layers OUTPUT_VARIABLE generated RESULT_VARIABLE status)
file(READ ${DOC} committed)
if(NOT status EQUAL 0 OR NOT generated STREQUAL committed)
  message(FATAL_ERROR "docs/layers.md is out of date: regenerate it with `kilnc layers > docs/layers.md`")
endif()
