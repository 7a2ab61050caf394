// The TensorFlow.js layers format: model.json holds "weightsManifest", a list
// of groups; each group's shards, concatenated, hold its weights in order.
#include "weights/Internal.h"

#include <nlohmann/json.hpp>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace kiln {

std::optional<std::string> readWholeFile(const std::string &path, std::string &error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error = std::strerror(errno);
    return std::nullopt;
  }
  std::ostringstream data;
  data << in.rdbuf();
  return data.str();
}

std::optional<WeightFile> readTfjsWeights(const std::string &path, DiagnosticEngine &diags) {
  auto fail = [&](const std::string &message) {
    diags.report(DiagID::err_weights_file, SourceRange{}, path, message);
    return std::nullopt;
  };
  std::string error;
  std::optional<std::string> text = readWholeFile(path, error);
  if (!text) return fail("cannot read: " + error);
  nlohmann::json json = nlohmann::json::parse(*text, nullptr, false);
  if (json.is_discarded() || !json.is_object()) return fail("not a valid JSON object");
  if (!json.contains("weightsManifest") || !json["weightsManifest"].is_array())
    return fail("has no \"weightsManifest\" list; is it a TensorFlow.js model.json?");

  WeightFile file;
  file.path = path;
  std::filesystem::path dir = std::filesystem::path(path).parent_path();
  try {
    for (const nlohmann::json &group : json["weightsManifest"]) {
      std::string data;
      for (const nlohmann::json &shard : group.at("paths")) {
        std::string shardPath = (dir / shard.get<std::string>()).string();
        std::optional<std::string> bytes = readWholeFile(shardPath, error);
        if (!bytes) return fail("cannot read weight shard '" + shardPath + "': " + error);
        data += *bytes;
      }
      size_t offset = 0;
      for (const nlohmann::json &spec : group.at("weights")) {
        WeightEntry entry;
        entry.name = spec.at("name").get<std::string>();
        size_t count = 1;
        for (const nlohmann::json &d : spec.at("shape")) {
          int64_t dim = d.get<int64_t>();
          if (dim < 0 || (dim > 0 && count > (size_t(1) << 40) / size_t(dim)))
            return fail("weight '" + entry.name + "' has an invalid shape");
          entry.shape.push_back(dim);
          count *= size_t(dim);
        }
        std::string dtype = spec.value("dtype", "float32");
        entry.data.resize(count);
        if (spec.contains("quantization")) {
          // Affine quantization: value = q * scale + min.
          const nlohmann::json &q = spec["quantization"];
          std::string qtype = q.at("dtype").get<std::string>();
          size_t width = qtype == "uint8" ? 1 : qtype == "uint16" ? 2 : 0;
          if (width == 0 || !q.contains("scale")) return fail("weight '" + entry.name + "' uses unsupported quantization '" + qtype + "'");
          float scale = q.at("scale").get<float>(), min = q.at("min").get<float>();
          if (data.size() - offset < count * width || offset > data.size())
            return fail("weight shards are shorter than the manifest says (at '" + entry.name + "')");
          for (size_t i = 0; i < count; ++i) {
            uint32_t v = static_cast<unsigned char>(data[offset + i * width]);
            if (width == 2) v |= uint32_t(static_cast<unsigned char>(data[offset + i * 2 + 1])) << 8;
            entry.data[i] = float(v) * scale + min;
          }
          offset += count * width;
        } else if (dtype == "float32" || dtype == "int32") {
          if (offset > data.size() || data.size() - offset < count * 4)
            return fail("weight shards are shorter than the manifest says (at '" + entry.name + "')");
          if (dtype == "float32") {
            std::memcpy(entry.data.data(), data.data() + offset, count * 4);
          } else {
            for (size_t i = 0; i < count; ++i) {
              int32_t v;
              std::memcpy(&v, data.data() + offset + i * 4, 4);
              entry.data[i] = float(v);
            }
          }
          offset += count * 4;
        } else {
          return fail("weight '" + entry.name + "' has unsupported dtype '" + dtype + "'");
        }
        file.entries.push_back(std::move(entry));
      }
      if (offset != data.size())
        return fail("weight shards hold " + std::to_string(data.size()) + " bytes but the manifest describes " +
                    std::to_string(offset));
    }
  } catch (const nlohmann::json::exception &e) {
    return fail(std::string("malformed weights manifest: ") + e.what());
  }
  return file;
}

}  // namespace kiln
