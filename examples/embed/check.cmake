# Runs the embedding example on the reference input and compares its output
# with the reference output (tests/numerics/mlp_sequential).
execute_process(COMMAND ${CLASSIFY} ${INPUT} ${OUTPUT} RESULT_VARIABLE status)
if(NOT status EQUAL 0)
  message(FATAL_ERROR "classify failed with ${status}")
endif()
execute_process(COMMAND ${NPYCMP} ${OUTPUT} ${EXPECTED} --atol 1e-5 --rtol 1e-5 RESULT_VARIABLE status)
if(NOT status EQUAL 0)
  message(FATAL_ERROR "classify's output differs from the reference")
endif()
