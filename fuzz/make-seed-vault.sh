#!/bin/bash
# Makes a small real vault (the release binary's default format, or --format 1) whose objects seed the
# corpora: `fuzz/make-seed-vault.sh CASSVAULT_BIN LEGACY_SSTABLES_DIR OUT_DIR [--format 1]` leaves
# OUT_DIR/vault and OUT_DIR/fixture.key for fuzz_dump_vault (fuzz/README.md). No Cassandra is needed: the
# node is a stopped one (`backup --offline`, nothing listens on port 1). Two backups, the second adding a
# table, so the vault holds two indexes, manifests and records.
set -euo pipefail
BIN=$(realpath "$1")
SRC=$(realpath "$2")
OUT=$(realpath -m "$3")
shift 3
[ ! -e "$OUT/vault" ] || { echo "$OUT/vault exists; remove it first" >&2; exit 1; }
mkdir -p "$OUT"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
DATA="$WORK/data"
mkdir -p "$DATA/legacy_tables" "$WORK/commitlog"
cat > "$WORK/cassandra.yaml" <<YAML
cluster_name: legacy
partitioner: org.apache.cassandra.dht.Murmur3Partitioner
data_file_directories: [$DATA]
commitlog_directory: $WORK/commitlog
listen_address: 127.0.0.1
rpc_address: 127.0.0.1
native_transport_port: 1
storage_port: 1
YAML
cat > "$WORK/cassvault.yaml" <<YAML
vault:
  url: file://$OUT/vault
node:
  cassandra_yaml: $WORK/cassandra.yaml
  nodetool: ["/bin/false", "-p", "1"]
  cql: {host: 127.0.0.1, port: 1}
cache_dir: $WORK/cache
YAML
export CASSVAULT_CONFIG="$WORK/cassvault.yaml"
export CASSVAULT_PASSPHRASE="fuzz seed passphrase (public test fixture)"

place() {  # place VERSION TABLE: copy one legacy table into the stopped node's data directory
  cp -r "$SRC/$1/legacy_tables/$2" "$DATA/legacy_tables/"
  chmod 755 "$DATA/legacy_tables/$2"
  chmod 644 "$DATA/legacy_tables/$2"/*
}

"$BIN" init --kdf-cost 15 "$@"
"$BIN" key generate-file "$OUT/fixture.key"
"$BIN" key add --new-key-file "$OUT/fixture.key"
place nb legacy_nb_simple
"$BIN" backup --offline --tag seed-first
place da legacy_da_simple
"$BIN" backup --offline --tag seed-second
"$BIN" verify --deep
