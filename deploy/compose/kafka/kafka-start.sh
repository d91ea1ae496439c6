#!/bin/sh
# Entry point of the `kafka` compose service (apache/kafka image).
# 1. renders /tmp/server.properties (never on a volume) with the admin's inter-broker JAAS line;
# 2. formats the KRaft storage on first start, creating the SCRAM-SHA-512 `admin` user with
#    `kafka-storage format --add-scram` (the official KRaft bootstrap; later starts skip it);
# 3. execs the broker. Service and subscriber users are created by kafka-init over the admin API.
set -eu
: "${KAFKA_CLUSTER_ID:?set KAFKA_CLUSTER_ID (22-char base64 uuid: kafka-storage.sh random-uuid)}"
: "${KAFKA_ADMIN_PASSWORD:?set KAFKA_ADMIN_PASSWORD}"

umask 077
CONF=/tmp/server.properties
cp /opt/kyoyu/kafka/server.properties "$CONF"
printf '\nlistener.name.internal.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="admin" password="%s";\n' \
  "$KAFKA_ADMIN_PASSWORD" >>"$CONF"

# client config for the container healthcheck
printf 'security.protocol=SASL_PLAINTEXT\nsasl.mechanism=SCRAM-SHA-512\nsasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="admin" password="%s";\n' \
  "$KAFKA_ADMIN_PASSWORD" >/tmp/admin-client.properties

/opt/kafka/bin/kafka-storage.sh format \
  --config "$CONF" \
  --cluster-id "$KAFKA_CLUSTER_ID" \
  --ignore-formatted \
  --add-scram "SCRAM-SHA-512=[name=admin,password=${KAFKA_ADMIN_PASSWORD}]"

exec /opt/kafka/bin/kafka-server-start.sh "$CONF"
