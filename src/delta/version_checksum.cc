#include "delta/version_checksum.h"

#include "delta/action_json.h"
#include "delta/json_parse.h"
#include "delta/json_writer.h"
#include "delta/log_paths.h"
#include "delta/log_store.h"
#include "delta/snapshot.h"

namespace rp::delta {

VersionChecksum ChecksumOf(const Snapshot& snapshot, std::optional<std::string> txn_id) {
  VersionChecksum c;
  c.txn_id = std::move(txn_id);
  c.table_size_bytes = snapshot.table_size_bytes();
  c.num_files = snapshot.num_files();
  auto& txns = c.set_transactions.emplace();
  for (const auto& [app_id, t] : snapshot.txns()) txns.push_back(t);
  c.metadata = snapshot.metadata();
  c.protocol = snapshot.protocol();
  return c;
}

std::string SerializeVersionChecksum(const VersionChecksum& c) {
  JsonWriter w;
  w.BeginObject();
  if (c.txn_id) w.Key("txnId").String(*c.txn_id);
  w.Key("tableSizeBytes").Int(c.table_size_bytes);
  w.Key("numFiles").Int(c.num_files);
  w.Key("numMetadata").Int(c.num_metadata);
  w.Key("numProtocol").Int(c.num_protocol);
  if (c.set_transactions) {
    w.Key("setTransactions").BeginArray();
    for (const auto& t : *c.set_transactions) WriteTxn(t, &w);
    w.EndArray();
  }
  w.Key("metadata");
  WriteMetadata(c.metadata, &w);
  w.Key("protocol");
  WriteProtocol(c.protocol, &w);
  w.EndObject();
  return w.Release();
}

namespace {

Status ParseChecksumObject(json::object o, VersionChecksum* c) {
  constexpr std::string_view kWhat = "crc";
  RP_ASSIGN_OR_RETURN(auto txn_id, json::OptString(o, kWhat, "txnId"));
  if (txn_id) c->txn_id = std::string(*txn_id);
  RP_ASSIGN_OR_RETURN(c->table_size_bytes, json::ReqInt(o, kWhat, "tableSizeBytes"));
  RP_ASSIGN_OR_RETURN(c->num_files, json::ReqInt(o, kWhat, "numFiles"));
  RP_ASSIGN_OR_RETURN(c->num_metadata, json::ReqInt(o, kWhat, "numMetadata"));
  RP_ASSIGN_OR_RETURN(c->num_protocol, json::ReqInt(o, kWhat, "numProtocol"));
  RP_ASSIGN_OR_RETURN(auto txns, json::OptArray(o, kWhat, "setTransactions"));
  if (txns) {
    auto& out = c->set_transactions.emplace();
    for (json::element e : *txns) {
      json::object t;
      if (e.get_object().get(t) != simdjson::SUCCESS) return Status::Corruption("crc.setTransactions: expected objects");
      RP_RETURN_IF_ERROR(json::ParseTxn(t, &out.emplace_back()));
    }
  }
  RP_ASSIGN_OR_RETURN(auto metadata, json::OptObject(o, kWhat, "metadata"));
  if (!metadata) return Status::Corruption("crc.metadata: missing");
  RP_RETURN_IF_ERROR(json::ParseMetadata(*metadata, &c->metadata));
  RP_ASSIGN_OR_RETURN(auto protocol, json::OptObject(o, kWhat, "protocol"));
  if (!protocol) return Status::Corruption("crc.protocol: missing");
  return json::ParseProtocol(*protocol, &c->protocol);
}

}  // namespace

Result<VersionChecksum> ParseVersionChecksum(std::string_view content, std::string_view file_name) {
  simdjson::dom::parser parser;
  json::element root;
  json::object o;
  if (parser.parse(content.data(), content.size()).get(root) != simdjson::SUCCESS ||
      root.get_object().get(o) != simdjson::SUCCESS) {
    return Status::Corruption(std::string(file_name) + ": not a JSON object");
  }
  VersionChecksum c;
  Status st = ParseChecksumObject(o, &c);
  if (!st.ok()) return Status::Corruption(std::string(file_name) + ": " + st.message());
  return c;
}

Status WriteVersionChecksum(const LogStore& store, const Snapshot& snapshot, std::optional<std::string> txn_id) {
  if (snapshot.version() < 0) return Status::InvalidArgument("cannot write a checksum for an empty snapshot");
  std::string content = SerializeVersionChecksum(ChecksumOf(snapshot, std::move(txn_id)));
  RP_ASSIGN_OR_RETURN(bool written, store.PutIfAbsent(ChecksumFileName(snapshot.version()), content));
  (void)written;  // an existing checksum for this version is never replaced
  return Status::OK();
}

}  // namespace rp::delta
