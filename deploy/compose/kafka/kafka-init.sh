#!/bin/sh
# One-shot `kafka-init` compose job: SCRAM users, topics and ACLs. Idempotent; runs on every
# `docker-compose up` (re-running it also applies password changes from the env file).
#
# Topic lines are cross-checked against libs/contracts/src/lib/topics.ts by
# tools/ci/validate-deploy.sh: keep the `topic NAME PARTITIONS RETENTION_MS` form.
set -eu
: "${KAFKA_ADMIN_PASSWORD:?}"
: "${KAFKA_INGESTION_PASSWORD:?}" "${KAFKA_DEIDENTIFY_PASSWORD:?}" "${KAFKA_REVIEW_PASSWORD:?}" "${KAFKA_FANOUT_PASSWORD:?}"
: "${KAFKA_SIEM_EXAMPLE_PASSWORD:?}" "${KAFKA_OPERATOR_PASSWORD:?}"
: "${KAFKA_SUBSCRIBER_ACME_CSIRT_PASSWORD:?}" "${KAFKA_SUBSCRIBER_JP_ISAC_PASSWORD:?}"
BOOTSTRAP="${KAFKA_BOOTSTRAP:-kafka:9092}"
BIN=/opt/kafka/bin
umask 077
ADMIN=/tmp/admin-client.properties
printf 'security.protocol=SASL_PLAINTEXT\nsasl.mechanism=SCRAM-SHA-512\nsasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="admin" password="%s";\n' \
  "$KAFKA_ADMIN_PASSWORD" >"$ADMIN"

log() { echo "[kafka-init] $*"; }

# --- SCRAM-SHA-512 users (one per service, one per SIEM source, the operator, one per subscriber)
user() { # user NAME PASSWORD
  log "user $1"
  "$BIN/kafka-configs.sh" --bootstrap-server "$BOOTSTRAP" --command-config "$ADMIN" --alter \
    --entity-type users --entity-name "$1" \
    --add-config "SCRAM-SHA-512=[iterations=8192,password=$2]" >/dev/null
}
user ingestion "$KAFKA_INGESTION_PASSWORD"
user deidentify "$KAFKA_DEIDENTIFY_PASSWORD"
user review "$KAFKA_REVIEW_PASSWORD"
user fanout "$KAFKA_FANOUT_PASSWORD"
user siem-example "$KAFKA_SIEM_EXAMPLE_PASSWORD"
user kyoyu-operator "$KAFKA_OPERATOR_PASSWORD"
# subscribers: add a line (and a password variable) per subscriber; see README "Add a subscriber"
user acme-csirt "$KAFKA_SUBSCRIBER_ACME_CSIRT_PASSWORD"
user jp-isac "$KAFKA_SUBSCRIBER_JP_ISAC_PASSWORD"

# --- topics -----------------------------------------------------------------------------------
H=3600000
DAY=86400000
topic() { # topic NAME PARTITIONS RETENTION_MS [SEGMENT_MS]
  log "topic $1 partitions=$2 retention.ms=$3"
  "$BIN/kafka-topics.sh" --bootstrap-server "$BOOTSTRAP" --command-config "$ADMIN" --create --if-not-exists \
    --topic "$1" --partitions "$2" --replication-factor 1 \
    --config "retention.ms=$3" --config "segment.ms=${4:-$DAY}" --config cleanup.policy=delete
}
# victim data: 24 h, hourly segments so old data is actually deleted on time
topic alerts.raw.v1 8 86400000 "$H"
# one per customer SIEM principal: alerts.raw.<principal>.v1 (the topic attributes the record)
topic alerts.raw.siem-example.v1 8 86400000 "$H"
# rejected originals re-sent by the operator (`kyoyu rejections replay`)
topic alerts.replay.v1 1 86400000 "$H"
topic alerts.normalized.v1 8 86400000 "$H"
topic alerts.rejected.v1 4 604800000
topic review.requested.v1 4 604800000
topic events.released.v1 8 604800000
topic events.revoked.v1 1 2592000000
# one per subscriber: share.<subscriber-id>.v1
topic share.acme-csirt.v1 4 1209600000
topic share.jp-isac.v1 4 1209600000

# --- ACLs: each principal only its own topics and consumer group --------------------------------
acl() { "$BIN/kafka-acls.sh" --bootstrap-server "$BOOTSTRAP" --command-config "$ADMIN" --add "$@" >/dev/null; }
reads() { # reads USER TOPIC GROUP
  log "acl User:$1 read $2 (group $3)"
  acl --allow-principal "User:$1" --operation Read --operation Describe --topic "$2"
  acl --allow-principal "User:$1" --operation Read --group "$3"
}
writes() { # writes USER TOPIC...
  u=$1; shift
  for t in "$@"; do
    log "acl User:$u write $t"
    acl --allow-principal "User:$u" --operation Write --operation Describe --topic "$t"
  done
}
# every raw topic (alerts.raw.v1 and each principal's alerts.raw.<principal>.v1) and the replay topic
log "acl User:ingestion read alerts.raw.* (prefixed), alerts.replay.v1 (group kyoyu.ingestion)"
acl --allow-principal User:ingestion --operation Read --operation Describe \
  --resource-pattern-type prefixed --topic alerts.raw.
reads ingestion alerts.replay.v1 kyoyu.ingestion
writes ingestion alerts.normalized.v1 alerts.rejected.v1

reads deidentify alerts.normalized.v1 kyoyu.deidentify
writes deidentify events.released.v1 review.requested.v1 alerts.rejected.v1

reads review review.requested.v1 kyoyu.review
writes review events.released.v1 alerts.rejected.v1

reads fanout events.released.v1 kyoyu.fanout
reads fanout events.revoked.v1 kyoyu.fanout
writes fanout alerts.rejected.v1
log "acl User:fanout write share.* (prefixed)"
acl --allow-principal User:fanout --operation Write --operation Describe \
  --resource-pattern-type prefixed --topic share.

# a customer's SIEM: produce to its own raw topic only
writes siem-example alerts.raw.siem-example.v1

# the operator's `kyoyu` CLI: replays and revocations; reads rejections and offsets for reconcile
writes kyoyu-operator alerts.replay.v1 events.revoked.v1
log "acl User:kyoyu-operator read alerts.rejected.v1, describe input topics, groups kyoyu-cli-*"
acl --allow-principal User:kyoyu-operator --operation Read --operation Describe --topic alerts.rejected.v1
acl --allow-principal User:kyoyu-operator --operation Describe --resource-pattern-type prefixed --topic alerts.raw.
acl --allow-principal User:kyoyu-operator --operation Describe --topic alerts.replay.v1
acl --allow-principal User:kyoyu-operator --operation Read --resource-pattern-type prefixed --group kyoyu-cli-

# subscriber acme-csirt: read only share.acme-csirt.* topics, groups prefixed acme-csirt.
log "acl User:acme-csirt read share.acme-csirt.* (prefixed), groups acme-csirt.*"
acl --allow-principal User:acme-csirt --operation Read --operation Describe \
  --resource-pattern-type prefixed --topic share.acme-csirt.
acl --allow-principal User:acme-csirt --operation Read \
  --resource-pattern-type prefixed --group acme-csirt.

log "acl User:jp-isac read share.jp-isac.* (prefixed), groups jp-isac.*"
acl --allow-principal User:jp-isac --operation Read --operation Describe \
  --resource-pattern-type prefixed --topic share.jp-isac.
acl --allow-principal User:jp-isac --operation Read \
  --resource-pattern-type prefixed --group jp-isac.

log done
