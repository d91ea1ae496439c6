#!/usr/bin/env bash
# Builds tools/kafka-mock/.build/kafka-mock: a loopback Kafka broker made of
# librdkafka's built-in mock cluster (rdkafka_mock.c) plus launcher.c.
#
# Idempotent: does nothing when the binary is newer than launcher.c and this
# script. The librdkafka source is taken from the npm package
# @confluentinc/kafka-javascript (it ships librdkafka's C source under
# deps/librdkafka), because the npm registry is the only network we have.
#
# Needs: bash, npm, tar, gcc, make, sed, flock (build-essential + util-linux).
set -euo pipefail

PKG="@confluentinc/kafka-javascript"
PKG_VERSION="1.10.1"          # ships librdkafka 2.15.1 in deps/librdkafka
PATCH_LEVEL="8"               # bump when the sed patches below change

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
BUILD="$HERE/.build"
BIN="$BUILD/kafka-mock"
SRC="$BUILD/librdkafka"
LIB="$SRC/src/librdkafka.a"
STAMP="$BUILD/librdkafka.stamp"
WANT_STAMP="$PKG@$PKG_VERSION patch=$PATCH_LEVEL"

log() { echo "[kafka-mock build] $*" >&2; }

up_to_date() {
  [ -x "$BIN" ] && [ "$BIN" -nt "$HERE/launcher.c" ] && [ "$BIN" -nt "$HERE/build.sh" ]
}

up_to_date && exit 0

for tool in npm tar gcc make sed flock; do
  command -v "$tool" >/dev/null 2>&1 || {
    log "missing tool '$tool' (apt: build-essential util-linux; npm comes with node)"
    exit 1
  }
done

mkdir -p "$BUILD"
# Serialise concurrent builds (e.g. parallel test workers).
exec 9>"$BUILD/.lock"
flock 9
up_to_date && exit 0

START=$(date +%s)

if [ ! -f "$LIB" ] || [ "$(cat "$STAMP" 2>/dev/null)" != "$WANT_STAMP" ]; then
  rm -rf "$SRC" "$BUILD/package" "$STAMP"
  log "fetching $PKG@$PKG_VERSION from the npm registry"
  TGZ=$(cd "$BUILD" && npm pack "$PKG@$PKG_VERSION" --silent 2>/dev/null | tail -n 1)
  [ -f "$BUILD/$TGZ" ] || { log "npm pack failed"; exit 1; }
  tar -xzf "$BUILD/$TGZ" -C "$BUILD" package/deps/librdkafka
  mv "$BUILD/package/deps/librdkafka" "$SRC"
  rm -rf "$BUILD/package" "$BUILD/$TGZ"
  [ -f "$SRC/src/rdkafka_mock.c" ] || { log "no deps/librdkafka/src/rdkafka_mock.c in $PKG@$PKG_VERSION"; exit 1; }

  log "patching rdkafka_mock.c"
  MOCK="$SRC/src/rdkafka_mock.c"
  # 1. The mock listens with a backlog of 5: bursts of parallel connections
  #    (many clients starting at once) get refused. Raise it to 1024.
  sed -i 's/listen(mrkb->listen_s, 5)/listen(mrkb->listen_s, 1024)/' "$MOCK"
  # 2. Fixed ports. rd_kafka_mock_broker_set_host_port() only changes the
  #    *advertised* host:port, the listener stays on a random port. So bind
  #    broker <id> to KAFKA_MOCK_BASE_PORT + id - 1 when that variable is set.
  sed -i '/\.sin_addr   = {\.s_addr = htonl(INADDR_LOOPBACK)}};/a\
        if (getenv("KAFKA_MOCK_BASE_PORT") \&\& broker_id >= 1) /* kyoyu */\
                sin.sin_port = htons((unsigned short)(atoi(getenv("KAFKA_MOCK_BASE_PORT")) + broker_id - 1));' "$MOCK"
  # 3. Partition count of auto-created topics (default 4), from
  #    KAFKA_MOCK_DEFAULT_PARTITIONS; there is no public API for it.
  sed -i 's/mcluster->defaults.partition_cnt      = 4;/mcluster->defaults.partition_cnt = getenv("KAFKA_MOCK_DEFAULT_PARTITIONS") ? atoi(getenv("KAFKA_MOCK_DEFAULT_PARTITIONS")) : 4; \/* kyoyu *\//' "$MOCK"
  # 4. Consumer group rejoin: the mock waits session.timeout - 1 s (5 s for a
  #    6 s session) in every rebalance of a non-empty group, even when all
  #    members have already rejoined. A real broker completes the join as
  #    soon as all known members are back: do the same (10 ms timer).
  CGRP="$SRC/src/rdkafka_mock_cgrp.c"
  sed -i '/^rd_kafka_resp_err_t rd_kafka_mock_cgrp_classic_member_add(/,/^}/{/        member->conn = mconn;/a        if (mcgrp->state == RD_KAFKA_MOCK_CGRP_STATE_JOINING \&\& mcgrp->generation_id > 0) { /* kyoyu */\
                rd_kafka_mock_cgrp_classic_member_t *m2;\
                int all_joined = 1;\
                TAILQ_FOREACH(m2, \&mcgrp->members, link) if (m2 != member \&\& !m2->resp) all_joined = 0;\
                if (all_joined)\
                        rd_kafka_mock_cgrp_classic_rebalance_timer_restart(mcgrp, 10);\
        }
}' "$CGRP"
  # 5. LeaveGroup: the mock advertises v0-v4 but only parses/answers the v0-v2
  #    layout, so kafkajs (v3: member list) fails to leave and its member
  #    lingers until the session times out. Advertise v0-v2 only (librdkafka
  #    clients use v0-v1).
  HANDLERS="$SRC/src/rdkafka_mock_handlers.c"
  sed -i 's/\[RD_KAFKAP_LeaveGroup\] = {0, 4, 4, rd_kafka_mock_handle_LeaveGroup}/[RD_KAFKAP_LeaveGroup] = {0, 2, 4, rd_kafka_mock_handle_LeaveGroup} \/* kyoyu *\//' "$HANDLERS"
  # 6. Idempotence: the mock checks producer sequence numbers (and drops
  #    retried duplicates) only for *transactional* producers. Check them for
  #    plain idempotent producers too (ProducerId != -1), as Kafka does;
  #    otherwise a kafkajs retry after e.g. NOT_LEADER duplicates records.
  sed -i 's/^        if (!TransactionalId || RD_KAFKAP_STR_LEN(TransactionalId) < 1)$/        if (0) \/* kyoyu: also check non-transactional idempotent producers *\//' "$MOCK"
  sed -i 's/^        err = rd_kafka_mock_pid_find(mcluster, TransactionalId, pid, &mpid);$/        if (pid.id == -1) { mtx_unlock(\&mcluster->lock); return RD_KAFKA_RESP_ERR_NO_ERROR; } \/* kyoyu *\/\
        err = rd_kafka_mock_pid_find(mcluster, TransactionalId \&\& RD_KAFKAP_STR_LEN(TransactionalId) > 0 ? TransactionalId : NULL, pid, \&mpid);/' "$MOCK"
  # 7. Long polling: the mock answers a Fetch that found no data only after
  #    the consumer's full MaxWait, even when a producer writes meanwhile, so
  #    every hop of a pipeline waited up to MaxWait (100 ms) per record. A
  #    real broker completes a waiting fetch as soon as data arrives for one of
  #    its partitions: a delayed (empty) Fetch response keeps the partitions it
  #    asked for (rkbuf_make_opaque, freed with the buffer), and a Produce that
  #    appends to a partition wakes the fetches waiting on it; the consumer
  #    fetches again at once and finds the records. (Waking every waiting
  #    fetch on every Produce, as this patch first did, kept each consumer
  #    fetching again per Produce anywhere in the cluster: an idle consumer
  #    made 2,104 fetches in 10 s while 1,000 records went to another topic.)
  cat >>"$MOCK" <<'WAKE'

/* Added for kyoyu: complete the fetches waiting on a partition when records arrive, as Kafka does. */
void rd_kafka_mock_cluster_wake_fetches(rd_kafka_mock_cluster_t *mcluster,
                                        const rd_kafka_mock_partition_t *mpart) {
        rd_kafka_mock_broker_t *mrkb;
        TAILQ_FOREACH(mrkb, &mcluster->brokers, link) {
                rd_kafka_mock_connection_t *mconn;
                TAILQ_FOREACH(mconn, &mrkb->connections, link) {
                        rd_kafka_buf_t *rkbuf;
                        int woke = 0;
                        TAILQ_FOREACH(rkbuf, &mconn->outbufs.rkbq_bufs, rkbuf_link) {
                                const rd_list_t *waiting_on = rkbuf->rkbuf_make_opaque;
                                const void *p;
                                int i;
                                if (!rkbuf->rkbuf_ts_retry || !waiting_on ||
                                    rkbuf->rkbuf_reqhdr.ApiKey != RD_KAFKAP_Fetch)
                                        continue;
                                RD_LIST_FOREACH(p, waiting_on, i) {
                                        if (p == mpart) {
                                                rkbuf->rkbuf_ts_retry = 0;
                                                woke = 1;
                                                break;
                                        }
                                }
                        }
                        if (woke)
                                rd_kafka_mock_cluster_io_set_events(
                                    mcluster, mconn->transport->rktrans_s, POLLOUT);
                }
        }
}
WAKE
  sed -i 's/^void rd_kafka_mock_connection_set_blocking(rd_kafka_mock_connection_t \*mconn,$/void rd_kafka_mock_cluster_wake_fetches(rd_kafka_mock_cluster_t *mcluster, const rd_kafka_mock_partition_t *mpart); \/* kyoyu *\/\n&/' "$SRC/src/rdkafka_mock_int.h"
  # Produce: wake after each successful append. Fetch: collect the partitions
  # asked for, hand them to a delayed response, free them otherwise.
  perl -0pi -e 's/(                        if \(!err\)\n                                err = rd_kafka_mock_partition_log_append\(\n                                    mpart, &records, &TransactionalId,\n                                    &BaseOffset\);\n)/$1                        if (!err) rd_kafka_mock_cluster_wake_fetches(mcluster, mpart); \/* kyoyu *\/\n/' "$HANDLERS"
  perl -0pi -e 's{(static int rd_kafka_mock_handle_Fetch\(.*?\n\}\n)}{
    my $f = $1;
    $f =~ s/(        size_t totsize = 0;\n)/$1        rd_list_t *waiting_on = rd_list_new(0, NULL); \/* kyoyu *\/\n/;
    $f =~ s/(                        \/\* Response: Partition \*\/\n                        rd_kafka_buf_write_i32\(resp, Partition\);\n)/$1                        if (mpart) rd_list_add(waiting_on, mpart); \/* kyoyu *\/\n/;
    $f =~ s/        if \(!totsize && MaxWait > 0\)\n                resp->rkbuf_ts_retry = rd_clock\(\) \+ \(MaxWait \* 1000\);\n/        if (!totsize && MaxWait > 0) { \/* kyoyu *\/\n                resp->rkbuf_ts_retry = rd_clock() + (MaxWait * 1000);\n                resp->rkbuf_make_opaque = waiting_on;\n                resp->rkbuf_free_make_opaque_cb = rd_list_destroy_free;\n                waiting_on = NULL;\n        }\n        if (waiting_on) rd_list_destroy(waiting_on); \/* kyoyu *\/\n/;
    $f =~ s/(err_parse:\n        rd_kafka_buf_destroy\(resp\);\n)/$1        rd_list_destroy(waiting_on); \/* kyoyu *\/\n/;
    $f }se' "$HANDLERS"
  # 8. Retention: the mock keeps only 5 MB (or 100,000 batches) per partition
  #    and drops the oldest beyond that, so a consumer lagging behind a large
  #    burst (a benchmark, a soak) found its offset gone (OFFSET_OUT_OF_RANGE)
  #    and skipped records. Kafka keeps a week by default: keep 1 GiB and 10 M
  #    batches per partition (in memory, so only what is written is held);
  #    KAFKA_MOCK_PARTITION_BYTES overrides the size.
  sed -i 's/^        mpart->max_size = 1024 \* 1024 \* 5;$/        mpart->max_size = getenv("KAFKA_MOCK_PARTITION_BYTES") ? (size_t)atoll(getenv("KAFKA_MOCK_PARTITION_BYTES")) : (size_t)1 << 30; \/* kyoyu *\//; s/^        mpart->max_cnt  = 100000;$/        mpart->max_cnt  = 10000000; \/* kyoyu *\//' "$MOCK"
  # 9. Topic authorization: `topic-error <t> TOPIC_AUTHORIZATION_FAILED` put
  #    the topic, with that error, into every all-topics Metadata response, and
  #    kafkajs fails a whole Metadata response on any topic error: every fresh
  #    idempotent producer (its connect asks for all topics) failed, whatever
  #    topic it was for. Kafka leaves topics the client may not describe out of
  #    an all-topics response (KafkaApis.handleTopicMetadataRequest) and answers
  #    Produce to them with TOPIC_AUTHORIZATION_FAILED: do the same.
  sed -i '/^static int rd_kafka_mock_handle_Metadata(/,/^}/{
s/^                rd_kafka_buf_write_arraycnt(resp, mcluster->topic_cnt);$/                int32_t visible_cnt = 0; \/* kyoyu *\/\
                TAILQ_FOREACH(mtopic, \&mcluster->topics, link)\
                        if (mtopic->err != RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED)\
                                visible_cnt++;\
                rd_kafka_buf_write_arraycnt(resp, visible_cnt);/
/^                TAILQ_FOREACH(mtopic, &mcluster->topics, link) {$/a\
                        if (mtopic->err == RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED)\
                                continue; /* kyoyu */
}' "$HANDLERS"
  sed -i '/^static int rd_kafka_mock_handle_Produce(/,/^}/{
s/^                        else if (!mpart)$/                        else if (mtopic \&\& mtopic->err == RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED) \/* kyoyu *\/\
                                err = mtopic->err;\
&/
}' "$HANDLERS"
  # 10. Fetch returned one message set (one producer request's batch) per
  #     partition ("FIXME: Multiple messageSets ?"), so a consumer behind
  #     producers that send small batches got a few records per round trip
  #     and every pipeline stage paid its per-batch cost for each of them.
  #     Kafka returns consecutive batches up to the partition's max bytes: do
  #     the same. And find the fetch offset from the end of the log, where
  #     consumers read, instead of walking it from the start.
  perl -0pi -e 's/                                size_t written = rd_kafka_buf_write_kbytes\(\n                                    resp, &mset->bytes\);/                                size_t written; \/* kyoyu *\/
                                const rd_kafka_mock_msgset_t *m;
                                size_t sum = 0;
                                int n = 0, i;
                                int64_t visible = on_follower ? mpart->follower_end_offset : mpart->end_offset;
                                for (m = mset; m && m->last_offset < visible; m = TAILQ_NEXT(m, link)) {
                                        if (n > 0 && sum + (size_t)m->bytes.len > (size_t)PartMaxBytes)
                                                break;
                                        sum += (size_t)m->bytes.len;
                                        n++;
                                }
                                if (n <= 1) {
                                        written = rd_kafka_buf_write_kbytes(resp, &mset->bytes);
                                } else {
                                        rd_kafkap_bytes_t all;
                                        char *joined = rd_malloc(sum);
                                        size_t at = 0;
                                        for (m = mset, i = 0; i < n; i++, m = TAILQ_NEXT(m, link)) {
                                                memcpy(joined + at, m->bytes.data, (size_t)m->bytes.len);
                                                at += (size_t)m->bytes.len;
                                        }
                                        all.len = (int32_t)sum;
                                        all.data = joined;
                                        written = rd_kafka_buf_write_kbytes(resp, &all);
                                        rd_free(joined);
                                }/' "$HANDLERS"
  perl -0pi -e 's/        \/\* FIXME: Maintain an index \*\/\n\n        TAILQ_FOREACH\(mset, &mpart->msgsets, link\) \{\n                if \(mset->first_offset <= offset && offset <= mset->last_offset\)\n                        return mset;\n        \}/        \/* kyoyu: from the end, where consumers read *\/\n        TAILQ_FOREACH_REVERSE(mset, &mpart->msgsets, rd_kafka_mock_msgset_tailq_s, link) {\n                if (mset->last_offset < offset)\n                        return NULL;\n                if (mset->first_offset <= offset)\n                        return mset;\n        }/' "$MOCK"
  grep -q 'listen(mrkb->listen_s, 1024)' "$MOCK" || { log "patch 1 (listen backlog) did not apply"; exit 1; }
  [ "$(grep -c '/\* kyoyu' "$MOCK")" = 7 ] || { log "patches 6/8/10 (idempotence, retention, offset lookup) did not apply"; exit 1; }
  [ "$(grep -c '/\* kyoyu \*/' "$MOCK")" = 5 ] || { log "patches 2/3/6/8 (ports, partitions, idempotence, retention) did not apply"; exit 1; }
  [ "$(grep -c '/\* kyoyu \*/' "$CGRP")" = 1 ] || { log "patch 4 (group join) did not apply"; exit 1; }
  [ "$(grep -c '/\* kyoyu \*/' "$HANDLERS")" = 11 ] || { log "patches 5/7/9/10 (LeaveGroup, fetch wake-up, topic authorization, fetch size) did not apply"; exit 1; }
  grep -q 'kyoyu: from the end, where consumers read' "$MOCK" || { log "patch 10 (offset lookup) did not apply"; exit 1; }
  grep -q 'rd_kafka_mock_cluster_wake_fetches(rd_kafka_mock_cluster_t \*mcluster, const rd_kafka_mock_partition_t \*mpart); /\* kyoyu' "$SRC/src/rdkafka_mock_int.h" || { log "patch 7 (fetch wake-up prototype) did not apply"; exit 1; }

  log "configuring librdkafka"
  (cd "$SRC" && ./configure --disable-ssl --disable-gssapi --disable-zstd \
      --disable-curl --disable-lz4-ext --disable-zlib >"$BUILD/configure.log" 2>&1) \
    || { log "configure failed, see $BUILD/configure.log"; tail -n 30 "$BUILD/configure.log" >&2; exit 1; }

  log "compiling librdkafka.a (make -j$(nproc))"
  make -C "$SRC/src" -j"$(nproc)" librdkafka.a >"$BUILD/make.log" 2>&1 \
    || { log "make failed, see $BUILD/make.log"; tail -n 30 "$BUILD/make.log" >&2; exit 1; }
  echo "$WANT_STAMP" >"$STAMP"
fi

log "linking launcher"
gcc -O2 -Wall -o "$BIN.tmp" "$HERE/launcher.c" -I"$SRC/src" "$LIB" -lpthread -lm -ldl -lrt
mv -f "$BIN.tmp" "$BIN"
log "done in $(( $(date +%s) - START ))s: $BIN"
