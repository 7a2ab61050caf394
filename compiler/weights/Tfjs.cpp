// The TensorFlow.js layers format: model.json holds "weightsManifest", a list
// of groups; each group's shards, concatenated, hold its weights in order.
// The manifest is checked in full before any shard is read, and shards are
// read only if their sizes add up to exactly what the manifest describes.
#include "support/Files.h"
#include "weights/Internal.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <memory>

namespace kiln {

namespace {

using nlohmann::json;

// More elements than any weight has (4 TiB of float32): a damaged shape.
constexpr uint64_t kMaxWeightElements = uint64_t(1) << 40;

// How a weight's values are stored in the shards.
enum class Encoding { Float32, Int32, Uint8, Uint16, Float16 };

size_t widthOf(Encoding e) {
  switch (e) {
  case Encoding::Uint8: return 1;
  case Encoding::Uint16:
  case Encoding::Float16: return 2;
  default: return 4;
  }
}

// One weight of a group as the manifest describes it.
struct Spec {
  std::string name;
  std::vector<int64_t> shape;
  uint64_t count = 1;
  Encoding encoding = Encoding::Float32;
  float scale = 1, min = 0;  // uint8/uint16 quantization: value = q * scale + min
  uint64_t bytes() const { return count * widthOf(encoding); }
};

// A JSON value for a message: scalars as written (shortened), containers
// not at all (they may be nested without limit).
std::string brief(const json &j) {
  if (j.is_array()) return "a list";
  if (j.is_object()) return "an object";
  std::string text = j.dump();
  return text.size() > 40 ? text.substr(0, 40) + "..." : text;
}

std::string briefShape(const json &shape) {
  std::string text = "[";
  for (size_t i = 0; i < shape.size() && i < 8; ++i) text += (i ? ", " : "") + brief(shape[i]);
  return text + (shape.size() > 8 ? ", ...]" : "]");
}

const json *member(const json &object, const char *key) {
  auto it = object.find(key);
  return it == object.end() ? nullptr : &*it;
}

bool finiteNumber(const json *j, float &out) {
  if (!j || !j->is_number()) return false;
  double v = j->get<double>();
  out = float(v);
  return std::isfinite(out);
}

// Reads weight entry `j` of the manifest (`where` names it in messages).
bool readSpec(const json &j, const std::string &where, Spec &spec, std::string &error) {
  const json *name = j.is_object() ? member(j, "name") : nullptr;
  if (!name || !name->is_string()) {
    error = where + " has no \"name\" string";
    return false;
  }
  spec.name = name->get<std::string>();
  std::string what = "weight '" + spec.name + "' (" + where + ")";
  const json *shape = member(j, "shape");
  if (!shape || !shape->is_array()) {
    error = what + " has no \"shape\" list";
    return false;
  }
  for (const json &d : *shape) {
    // Only whole numbers: 784.5 is no dimension, and 784.0 is no way to write one.
    if (!d.is_number_integer() || (d.is_number_unsigned() ? d.get<uint64_t>() > kMaxWeightElements : d.get<int64_t>() < 0)) {
      error = what + " has shape " + briefShape(*shape) + ": dimensions must be whole numbers from 0 to 2^40";
      return false;
    }
    uint64_t dim = d.get<uint64_t>();
    if (dim > 0 && spec.count > kMaxWeightElements / dim) {
      error = what + " has shape " + briefShape(*shape) + ", more than 2^40 elements";
      return false;
    }
    spec.shape.push_back(int64_t(dim));
    spec.count *= dim;
  }
  const json *dtype = member(j, "dtype");
  std::string type = !dtype ? "float32" : dtype->is_string() ? dtype->get<std::string>() : brief(*dtype);
  const json *quantization = member(j, "quantization");
  if (quantization) {
    const json *qtype = quantization->is_object() ? member(*quantization, "dtype") : nullptr;
    std::string q = qtype && qtype->is_string() ? qtype->get<std::string>() : "";
    if (type != "float32") {
      error = what + " is quantized, but its dtype is '" + type + "'; Kiln reads quantized float32 weights";
      return false;
    }
    if (q == "float16") {
      spec.encoding = Encoding::Float16;
      return true;
    }
    if (q != "uint8" && q != "uint16") {
      error = what + " has quantization dtype " + (qtype ? brief(*qtype) : "(none)") +
              "; Kiln reads uint8, uint16 and float16";
      return false;
    }
    spec.encoding = q == "uint8" ? Encoding::Uint8 : Encoding::Uint16;
    if (!finiteNumber(member(*quantization, "scale"), spec.scale) ||
        !finiteNumber(member(*quantization, "min"), spec.min)) {
      error = what + " is " + q + "-quantized without a finite \"scale\" and \"min\"";
      return false;
    }
    return true;
  }
  if (type == "float32" || type == "int32") {
    spec.encoding = type == "float32" ? Encoding::Float32 : Encoding::Int32;
    return true;
  }
  error = what + " has dtype '" + type + "'; Kiln reads float32 and int32 weights";
  return false;
}

float halfToFloat(uint16_t h) {
  uint32_t sign = uint32_t(h & 0x8000) << 16, exponent = (h >> 10) & 0x1F, mantissa = h & 0x3FF;
  uint32_t bits;
  if (exponent == 0x1F) {
    bits = sign | 0x7F800000 | mantissa << 13;  // infinity or NaN
  } else if (exponent != 0) {
    bits = sign | (exponent + 112) << 23 | mantissa << 13;
  } else if (mantissa == 0) {
    bits = sign;
  } else {  // subnormal: normalize
    exponent = 113;
    while (!(mantissa & 0x400)) {
      mantissa <<= 1;
      --exponent;
    }
    bits = sign | exponent << 23 | (mantissa & 0x3FF) << 13;
  }
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

// The values of `spec`, stored at `bytes`.
bool decode(const Spec &spec, const unsigned char *bytes, WeightEntry &entry, std::string &error) {
  entry.data.resize(spec.count);
  for (uint64_t i = 0; i < spec.count; ++i) {
    switch (spec.encoding) {
    case Encoding::Float32: std::memcpy(&entry.data[i], bytes + 4 * i, 4); break;
    case Encoding::Int32: {
      int32_t v;
      std::memcpy(&v, bytes + 4 * i, 4);
      if (v > (1 << 24) || v < -(1 << 24)) {  // beyond float32's exact integers
        error = "weight '" + spec.name + "' is int32 and holds " + std::to_string(v) + ", which float32 cannot hold exactly";
        return false;
      }
      entry.data[i] = float(v);
      break;
    }
    case Encoding::Uint8: entry.data[i] = float(bytes[i]) * spec.scale + spec.min; break;
    case Encoding::Uint16: entry.data[i] = float(bytes[2 * i] | bytes[2 * i + 1] << 8) * spec.scale + spec.min; break;
    case Encoding::Float16: entry.data[i] = halfToFloat(uint16_t(bytes[2 * i] | bytes[2 * i + 1] << 8)); break;
    }
  }
  return true;
}

// Where shard `p` is: a path relative to model.json's folder that stays in
// it (no absolute path, no ".."). Symbolic links the folder holds are
// followed: whoever put them there chose where they lead.
bool shardPath(const json &p, const std::filesystem::path &dir, std::string &out, std::string &error) {
  std::string text = p.is_string() ? p.get<std::string>() : brief(p);
  std::filesystem::path relative(text);
  bool inside = p.is_string() && !text.empty() && relative.is_relative() && text.find('\0') == std::string::npos;
  for (const std::filesystem::path &part : relative) inside = inside && part != "..";
  if (!inside) {
    error = "weight shard path '" + text + "' is not a file in the folder of the model.json";
    return false;
  }
  out = (dir / relative).string();
  return true;
}

// Group `g` of the manifest: its weights, from its shards.
bool readGroup(const json &group, size_t g, const std::filesystem::path &dir, WeightFile &file, std::string &error) {
  std::string where = "weightsManifest[" + std::to_string(g) + "]";
  const json *paths = group.is_object() ? member(group, "paths") : nullptr;
  const json *weights = group.is_object() ? member(group, "weights") : nullptr;
  if (!paths || !paths->is_array() || !weights || !weights->is_array()) {
    error = where + " is not a group with \"paths\" and \"weights\" lists";
    return false;
  }
  std::vector<Spec> specs;
  uint64_t expected = 0;
  for (size_t w = 0; w < weights->size(); ++w) {
    Spec spec;
    if (!readSpec((*weights)[w], where + ".weights[" + std::to_string(w) + "]", spec, error)) return false;
    if (expected > (uint64_t(1) << 62) - spec.bytes()) {
      error = where + " describes more bytes of weights than a computer holds";
      return false;
    }
    expected += spec.bytes();  // each at most 2^42
    specs.push_back(std::move(spec));
  }

  std::vector<std::unique_ptr<RegularFile>> shards;
  std::vector<std::string> names;
  uint64_t total = 0;
  for (const json &p : *paths) {
    std::string path;
    if (!shardPath(p, dir, path, error)) return false;
    auto shard = std::make_unique<RegularFile>(path, error);
    if (!shard->ok()) {
      error = "weight shard '" + path + "': cannot read: " + error;
      return false;
    }
    total += shard->size();
    shards.push_back(std::move(shard));
    names.push_back(path);
  }
  if (total != expected) {
    std::string files = names.size() == 1 ? "weight shard '" + names[0] + "' holds"
                                          : "the weight shards of " + where + " hold";
    error = files + " " + std::to_string(total) + " bytes, but the manifest describes " + std::to_string(expected) +
            (total < expected ? ": they are truncated, or not this model's"
                              : ": they are larger than the manifest says, or not this model's");
    return false;
  }
  std::string data;
  data.reserve(total);
  for (size_t i = 0; i < shards.size(); ++i) {
    if (!shards[i]->readInto(data, error)) {
      error = "weight shard '" + names[i] + "': cannot read: " + error;
      return false;
    }
  }
  uint64_t offset = 0;
  for (const Spec &spec : specs) {
    WeightEntry entry;
    entry.name = spec.name;
    entry.shape = spec.shape;
    if (!decode(spec, reinterpret_cast<const unsigned char *>(data.data()) + offset, entry, error)) return false;
    offset += spec.bytes();
    file.entries.push_back(std::move(entry));
  }
  return true;
}

}  // namespace

std::optional<WeightFile> readTfjsWeights(const std::string &path, DiagnosticEngine &diags) {
  auto fail = [&](const std::string &message) {
    diags.report(DiagID::err_weights_file, SourceRange{}, path, message);
    return std::nullopt;
  };
  std::string error;
  std::optional<std::string> text = readWholeFile(path, kMaxJsonBytes, "a model description", error);
  if (!text) return fail("cannot read: " + error);
  json manifest = json::parse(*text, nullptr, false);
  if (manifest.is_discarded() || !manifest.is_object()) return fail("not a valid JSON object");
  const json *groups = member(manifest, "weightsManifest");
  if (!groups || !groups->is_array())
    return fail("has no \"weightsManifest\" list; is it a TensorFlow.js model.json?");

  WeightFile file;
  file.path = path;
  std::filesystem::path dir = std::filesystem::path(path).parent_path();
  for (size_t g = 0; g < groups->size(); ++g)
    if (!readGroup((*groups)[g], g, dir, file, error)) return fail(error);
  return file;
}

}  // namespace kiln
