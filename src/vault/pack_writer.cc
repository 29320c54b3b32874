#include "vault/pack_writer.h"

#include <algorithm>
#include <chrono>

#include "core/vault_layout.h"
#include "pipeline/cpu_stages.h"
#include "vault/pack.h"

namespace cv::vault {

namespace {
// Room the sealed header and trailer take, so a pack's buffer never reallocates (a pack of many tiny
// components, TOC.txt and Digest.crc32, has a header of kPackEntrySize bytes per blob).
size_t HeaderRoom(size_t entries) { return PackHeaderRoom(entries); }
}  // namespace

Status PackWriter::Add(const ObjectId& blob_id, std::span<const uint8_t> sealed, uint32_t raw_len,
                       Compression compression) {
  OpenPack full;
  {
    std::lock_guard<std::mutex> lock(mu_);
    // Close the pack before it would outgrow its target: packs stay within one fixed-size buffer.
    if (!current_.entries.empty() &&
        current_.bytes.size() + sealed.size() + HeaderRoom(current_.entries.size() + 1) > target_size_) {
      full = std::exchange(current_, {});
    }
    if (current_.entries.empty()) {
      if (current_.bytes.capacity() == 0 && !spare_.empty()) {
        current_.bytes = std::move(spare_.back());
        spare_.pop_back();
      }
      current_.bytes.reserve(std::max(target_size_, sealed.size() + HeaderRoom(1)));
    }
    PackEntry e;
    e.blob_id = blob_id;
    e.offset = current_.bytes.size();
    e.stored_len = static_cast<uint32_t>(sealed.size());
    e.raw_len = raw_len;
    e.compression = compression;
    current_.bytes.insert(current_.bytes.end(), sealed.begin(), sealed.end());
    current_.entries.push_back(e);
    // Full already (a big blob): upload it now rather than holding it until the next Add.
    if (full.entries.empty() && current_.bytes.size() + HeaderRoom(current_.entries.size()) >= target_size_) {
      full = std::exchange(current_, {});
    }
  }
  if (full.entries.empty()) return Status::OK();
  return UploadInBackground(std::move(full));
}

PackWriter::~PackWriter() { (void)WaitForUploads(); }

Status PackWriter::UploadInBackground(OpenPack pack) {
  std::unique_lock<std::mutex> lock(uploads_mu_);
  Status first_error;
  // Reap finished uploads; wait for the oldest while every slot is taken.
  while (!uploads_.empty() &&
         (uploads_.size() >= max_in_flight_ ||
          uploads_.front().wait_for(std::chrono::seconds(0)) == std::future_status::ready)) {
    Status st = uploads_.front().get();
    uploads_.pop_front();
    if (first_error.ok() && !st.ok()) first_error = st;
  }
  if (!first_error.ok()) return first_error;
  // The upload runs on its own thread: charged to "pack_write" of whoever counts the caller's CPU.
  uploads_.push_back(std::async(std::launch::async,
                                [this, p = std::move(pack), cpu = pipeline::CpuStages::Current()]() mutable {
                                  pipeline::CpuStages::Scope timed(cpu, "pack_write");
                                  return Upload(std::move(p));
                                }));
  return Status::OK();
}

Status PackWriter::WaitForUploads() {
  std::lock_guard<std::mutex> lock(uploads_mu_);
  Status first_error;
  while (!uploads_.empty()) {
    Status st = uploads_.front().get();
    uploads_.pop_front();
    if (first_error.ok() && !st.ok()) first_error = st;
  }
  return first_error;
}

Status PackWriter::Flush() {
  OpenPack last;
  {
    std::lock_guard<std::mutex> lock(mu_);
    last = std::exchange(current_, {});
  }
  Status st = last.entries.empty() ? Status::OK() : Upload(std::move(last));
  Status waited = WaitForUploads();
  return st.ok() ? waited : st;
}

Status PackWriter::Upload(OpenPack pack) {
  // The header goes into the pack itself, so a pack is self-describing even if no index names it.
  ObjectId pack_id{};
  std::string key;
  if (vault_.keys().format() == 1) {
    CV_ASSIGN_OR_RETURN(std::vector<uint8_t> sealed_header, SealPackHeader(vault_.keys(), pack.entries));
    pack.bytes.insert(pack.bytes.end(), sealed_header.begin(), sealed_header.end());
    AppendPackTrailer(static_cast<uint32_t>(sealed_header.size()), &pack.bytes);
    pack_id = crypto::Sha256(pack.bytes);
    key = vault_.packs().Key(pack_id);
  } else {
    // v2: a random id the header binds, and a hash of the blobs in it (the one pass over the stored bytes).
    if (!content_key_) return Status::Internal("pack writer", "a format v2 pack needs its content key");
    CV_RETURN_IF_ERROR(crypto::RandomBytes(pack_id));
    key = vault_.packs().Key(pack_id);  // the header binds the name, partition included
    CV_RETURN_IF_ERROR(
        FinishPackV2(vault_.keys(), pack_id, key, content_key_->id, pack.entries, &pack.bytes));
  }
  Status st = vault_.store().Put(key, pack.bytes);
  // v1: same bytes, same name: an existing pack is this pack (random nonces make that unlikely anyway).
  if (!st.ok() && !(st.IsAlreadyExists() && vault_.keys().format() == 1)) return st.Annotate("upload pack");
  std::vector<IndexEntry> entries;
  entries.reserve(pack.entries.size());
  for (const auto& e : pack.entries) entries.push_back({pack_id, e});
  if (content_key_) vault_.blob_index().AddPackKey(pack_id, content_key_->id);
  vault_.AddToIndex(entries);
  std::lock_guard<std::mutex> lock(mu_);
  written_.insert(written_.end(), entries.begin(), entries.end());
  stored_bytes_ += pack.bytes.size();
  if (spare_.size() <= max_in_flight_ && pack.bytes.capacity() <= 2 * target_size_) {
    pack.bytes.clear();
    spare_.push_back(std::move(pack.bytes));
  }
  return Status::OK();
}

std::vector<IndexEntry> PackWriter::Written() {
  std::lock_guard<std::mutex> lock(mu_);
  return written_;
}

uint64_t PackWriter::stored_bytes() const {
  std::lock_guard<std::mutex> lock(mu_);
  return stored_bytes_;
}

}  // namespace cv::vault
