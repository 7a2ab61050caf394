# lit configuration for Kiln's compiler tests: each .kiln or .test file is a
# test whose RUN lines pipe kilnc into FileCheck (or use `kilnc check --verify`).
import os
import shutil

import lit.formats

config.name = "Kiln"
config.test_format = lit.formats.ShTest(True)
config.suffixes = [".kiln", ".test"]
config.excludes = ["Inputs"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.kiln_binary_dir, "tests", "lit")

# A C compiler for tests that link libkiln_rt: in a sanitizer build, the
# build's own, with the sanitizers libkiln_rt was built with.
config.substitutions.append(("%cc", config.sanitize_cc or "cc"))
if config.sanitize_cc:
    config.environment["KILN_SANITIZE"] = "1"  # hostile.py allows for the slowdown
config.substitutions.append(("%kilnc", os.path.join(config.kiln_binary_dir, "bin", "kilnc")))
config.substitutions.append(("%npycmp", os.path.join(config.kiln_binary_dir, "bin", "npycmp")))
config.substitutions.append(("%kiln_rt", os.path.join(config.kiln_binary_dir, "lib", "libkiln_rt.a")))
config.substitutions.append(("%kiln_include", os.path.join(config.kiln_source_dir, "runtime", "include")))
config.substitutions.append(("%inputs", os.path.join(config.test_source_root, "Inputs")))
config.substitutions.append(("%examples", os.path.join(config.kiln_source_dir, "examples")))
config.substitutions.append(("%numerics", os.path.join(config.kiln_source_dir, "tests", "numerics")))
config.substitutions.append(("%rtinclude", os.path.join(config.kiln_source_dir, "runtime", "include")))
config.environment["PATH"] = os.pathsep.join([config.llvm_tools_dir, config.environment.get("PATH", "")])
config.environment["NO_COLOR"] = "1"

# memcheck: any error, or a leak of memory no longer reachable, fails the run.
# (Valgrind cannot run what a sanitizer build instruments.)
if shutil.which("valgrind") and not config.sanitize_cc:
    config.available_features.add("valgrind")
config.substitutions.append(("%valgrind", "valgrind -q --error-exitcode=99 --leak-check=full "
                             "--errors-for-leak-kinds=definite,indirect"))
