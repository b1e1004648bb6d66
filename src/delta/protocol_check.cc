#include "delta/protocol_check.h"

#include <simdjson.h>

#include <set>
#include <string>
#include <string_view>

namespace rp::delta {
namespace {

bool ColumnMappingInUse(const Metadata& m) {
  auto it = m.configuration.find("delta.columnMapping.mode");
  return it != m.configuration.end() && it->second != "none" && !it->second.empty();
}

bool ConfigIsTrue(const Metadata& m, const std::string& key) {
  auto it = m.configuration.find(key);
  if (it == m.configuration.end()) return false;
  std::string v = it->second;
  for (auto& c : v) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return v == "true";
}

bool HasCheckConstraints(const Metadata& m) {
  auto it = m.configuration.lower_bound("delta.constraints.");
  return it != m.configuration.end() && it->first.rfind("delta.constraints.", 0) == 0;
}

// Collects the keys of every column's "metadata" object, at any depth.
void CollectColumnMetadataKeys(simdjson::dom::element e, std::set<std::string>* keys) {
  simdjson::dom::object o;
  simdjson::dom::array a;
  if (e.get_object().get(o) == simdjson::SUCCESS) {
    for (auto field : o) {
      simdjson::dom::object meta;
      if (field.key == "metadata" && field.value.get_object().get(meta) == simdjson::SUCCESS) {
        for (auto m : meta) keys->insert(std::string(m.key));
      } else {
        CollectColumnMetadataKeys(field.value, keys);
      }
    }
  } else if (e.get_array().get(a) == simdjson::SUCCESS) {
    for (auto child : a) CollectColumnMetadataKeys(child, keys);
  }
}

std::set<std::string> ColumnMetadataKeys(const Metadata& m) {
  std::set<std::string> keys;
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(m.schema_string).get(root) == simdjson::SUCCESS) CollectColumnMetadataKeys(root, &keys);
  return keys;
}

bool AnyKeyWithPrefix(const std::set<std::string>& keys, std::string_view prefix) {
  for (const auto& k : keys) {
    if (std::string_view(k).substr(0, prefix.size()) == prefix) return true;
  }
  return false;
}

Status Refuse(std::string_view kind, std::string_view feature, std::string_view why) {
  return Status::Unsupported("table uses " + std::string(kind) + " '" + std::string(feature) + "', " +
                             std::string(why));
}

Status CheckColumnMapping(const Metadata& m, std::string_view kind) {
  if (!ColumnMappingInUse(m)) return Status::OK();
  return Refuse(kind, "columnMapping",
                "with delta.columnMapping.mode=" + m.configuration.at("delta.columnMapping.mode") +
                    ", which we do not implement");
}

}  // namespace

Status CheckReadSupported(const Protocol& p, const Metadata& m) {
  if (p.min_reader_version < 1 || p.min_reader_version > 3) {
    return Status::Unsupported("table requires Delta reader version " + std::to_string(p.min_reader_version) +
                               "; we implement reader versions 1 to 3");
  }
  if (p.min_reader_version == 2) return CheckColumnMapping(m, "reader version 2 feature");
  if (p.min_reader_version == 3) {
    if (!p.reader_features) return Status::OK();  // malformed but asks for nothing
    for (const auto& f : *p.reader_features) {
      // deletionVectors: every scan drops the rows a file's DV deletes (scan.h).
      if (f == "timestampNtz" || f == "vacuumProtocolCheck" || f == "deletionVectors") continue;
      if (f == "columnMapping") {
        RP_RETURN_IF_ERROR(CheckColumnMapping(m, "reader feature"));
        continue;
      }
      static const std::set<std::string, std::less<>> kKnown = {
          "v2Checkpoint",        "catalogManaged",       "catalogOwned-preview",
          "typeWidening",        "typeWidening-preview", "variantType",
          "variantType-preview", "variantShredding",     "variantShredding-preview"};
      if (kKnown.count(f)) return Refuse("reader feature", f, "which we do not implement");
      return Refuse("unknown reader feature", f, "so it cannot be read safely");
    }
  }
  return Status::OK();
}

Status CheckWriteSupported(const Protocol& p, const Metadata& m) {
  RP_RETURN_IF_ERROR(CheckReadSupported(p, m));
  if (p.min_writer_version < 1 || p.min_writer_version > 7) {
    return Status::Unsupported("table requires Delta writer version " + std::to_string(p.min_writer_version) +
                               "; we implement writer versions 1 to 7");
  }
  const auto keys = ColumnMetadataKeys(m);
  const bool invariants = keys.count("delta.invariants") > 0;
  const bool generated = keys.count("delta.generationExpression") > 0;
  const bool identity = AnyKeyWithPrefix(keys, "delta.identity.");
  const bool defaults = keys.count("CURRENT_DEFAULT") > 0;
  const bool constraints = HasCheckConstraints(m);
  constexpr std::string_view kInUse = "which is in use and which we do not enforce";
  if (p.min_writer_version >= 3 && ConfigIsTrue(m, "delta.checkpoint.writeStatsAsStruct")) {
    return Refuse("table property", "delta.checkpoint.writeStatsAsStruct=true", "which we do not implement");
  }
  if (p.min_writer_version < 7) {
    if (p.min_writer_version >= 2 && invariants) return Refuse("writer feature", "invariants", kInUse);
    if (p.min_writer_version >= 3 && constraints) return Refuse("writer feature", "checkConstraints", kInUse);
    if (p.min_writer_version >= 4 && generated) return Refuse("writer feature", "generatedColumns", kInUse);
    if (p.min_writer_version >= 5) RP_RETURN_IF_ERROR(CheckColumnMapping(m, "writer feature"));
    if (p.min_writer_version >= 6 && identity) return Refuse("writer feature", "identityColumns", kInUse);
    return Status::OK();
  }
  if (!p.writer_features) return Status::OK();
  for (const auto& f : *p.writer_features) {
    if (f == "appendOnly" || f == "changeDataFeed" || f == "timestampNtz" || f == "vacuumProtocolCheck")
      continue;
    // deletionVectors asks writers to keep DVs and to write new ones only
    // with delta.enableDeletionVectors: we never write one, appends carry
    // none, and a rewrite (optimize) drops the deleted rows and removes the
    // (path, DV) it read; checkpoints keep every descriptor.
    if (f == "deletionVectors") continue;
    if (f == "invariants" || f == "checkConstraints" || f == "generatedColumns" || f == "identityColumns" ||
        f == "allowColumnDefaults") {
      const bool in_use = (f == "invariants" && invariants) || (f == "checkConstraints" && constraints) ||
                          (f == "generatedColumns" && generated) || (f == "identityColumns" && identity) ||
                          (f == "allowColumnDefaults" && defaults);
      if (in_use) return Refuse("writer feature", f, kInUse);
      continue;
    }
    if (f == "columnMapping") {
      RP_RETURN_IF_ERROR(CheckColumnMapping(m, "writer feature"));
      continue;
    }
    return Refuse("writer feature", f, "which we cannot honour when writing");
  }
  return Status::OK();
}

}  // namespace rp::delta
