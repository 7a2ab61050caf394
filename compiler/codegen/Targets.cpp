#include "codegen/Targets.h"

#include <llvm/MC/MCSubtargetInfo.h>
#include <llvm/TargetParser/Host.h>

// The kernel libraries assembled into kilnc (kernels/KernelBlob.S.in).
#define KILN_KERNEL_BLOB(family)                    \
  extern "C" const char kiln_kernels_##family[];    \
  extern "C" const char kiln_kernels_##family##_end[];
KILN_KERNEL_BLOB(x86_64)
KILN_KERNEL_BLOB(aarch64)
KILN_KERNEL_BLOB(arm)
KILN_KERNEL_BLOB(riscv64)
#undef KILN_KERNEL_BLOB

namespace kiln {

namespace {

llvm::StringRef blob(const char *begin, const char *end) { return llvm::StringRef(begin, end - begin); }

// The baselines are what clang-19 picks for the family's Debian triple:
// x86-64 with SSE2; ARMv8-A with NEON; ARMv7-A with VFPv3-D16 and no NEON
// (Debian's armhf); RV64GC with the lp64d ABI.
const TargetFamily kX86_64{"x86_64", "x86-64", "", "", blob(kiln_kernels_x86_64, kiln_kernels_x86_64_end)};
const TargetFamily kAArch64{"aarch64", "generic", "+neon,+fp-armv8", "",
                            blob(kiln_kernels_aarch64, kiln_kernels_aarch64_end)};
const TargetFamily kArm{"arm", "generic", "+vfp2,+vfp3d16,+fp64,-d32,-neon", "",
                        blob(kiln_kernels_arm, kiln_kernels_arm_end)};
const TargetFamily kRiscV64{"riscv64", "generic-rv64", "+m,+a,+f,+d,+c,+zicsr,+zifencei", "lp64d",
                            blob(kiln_kernels_riscv64, kiln_kernels_riscv64_end)};

bool hardFloat(llvm::Triple::EnvironmentType env) {
  return env == llvm::Triple::GNUEABIHF || env == llvm::Triple::EABIHF || env == llvm::Triple::MuslEABIHF;
}

}  // namespace

const TargetFamily *targetFamily(const llvm::Triple &triple, std::string &error) {
  switch (triple.getArch()) {
  case llvm::Triple::x86_64: return &kX86_64;
  case llvm::Triple::aarch64: return &kAArch64;
  case llvm::Triple::riscv64: return &kRiscV64;
  case llvm::Triple::arm:
  case llvm::Triple::thumb:
    if (hardFloat(triple.getEnvironment())) return &kArm;
    error = "32-bit ARM targets need the hard-float ABI (e.g. armv7-linux-gnueabihf), got '" + triple.str() + "'";
    return nullptr;
  default:
    error = "no kernels for target '" + triple.str() +
            "': Kiln compiles for x86_64, aarch64, 32-bit ARM (hard float) and riscv64";
    return nullptr;
  }
}

bool hasWideVectors(const llvm::TargetMachine &machine) {
  return machine.getTargetTriple().isX86() && machine.getMCSubtargetInfo()->checkFeatures("+avx512f");
}

const char *registerTile(const llvm::TargetMachine &machine) {
  const llvm::Triple &triple = machine.getTargetTriple();
  if (hasWideVectors(machine)) return "12x2";  // 32 registers of 16 floats: 24 accumulators
  if (triple.isX86() && machine.getMCSubtargetInfo()->checkFeatures("+avx")) return "6x1";  // 16 of 8: 12
  if (triple.isAArch64()) return "6x1";  // 32 of 4: 24
  return "3x1";  // 16 registers of 4 floats (SSE2, ARMv7 NEON), or none
}

llvm::Triple hostTriple() { return llvm::Triple(llvm::Triple::normalize(llvm::sys::getDefaultTargetTriple())); }

bool isHost(const llvm::Triple &triple) {
  llvm::Triple host = hostTriple();
  return triple.getArch() == host.getArch() && triple.getOS() == host.getOS() &&
         triple.getEnvironment() == host.getEnvironment();
}

}  // namespace kiln
