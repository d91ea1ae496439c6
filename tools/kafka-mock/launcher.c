/*
 * kafka-mock launcher: runs librdkafka's built-in mock Kafka cluster
 * (rdkafka_mock.h, librdkafka 2.15.x) on fixed loopback ports, for dev,
 * tests and demos. See README.md.
 *
 * Usage:
 *   kafka-mock [--brokers N] [--base-port P] [--control-port P]
 *              [--default-partitions N] [--debug] [topic:partitions[:rf] ...]
 *
 * Broker <id> (1..N) listens on 127.0.0.1:(base-port + id - 1); this relies
 * on the KAFKA_MOCK_BASE_PORT patch applied by build.sh. A line-based
 * control channel listens on 127.0.0.1:control-port (default base-port - 1).
 *
 * stdout: "CONTROL=127.0.0.1:<port>" then "BOOTSTRAP=<servers>" once ready.
 * Runs until SIGTERM/SIGINT (or the "shutdown" control command), exits 0.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "rdkafka.h"
#include "rdkafka_mock.h"

#define MAX_CLIENTS 32
#define LINE_MAX_LEN 4096

static rd_kafka_mock_cluster_t *mcluster;
static int sig_pipe[2]   = {-1, -1};
static volatile sig_atomic_t stopping;
static int broker_cnt = 3;
static rd_kafka_t *rk;
static int broker_down[65];   /* 1-based, as set through the control channel */
static int rk_connected;      /* rk given the bootstraps (for broker-fail) */

static void die(int code, const char *fmt, ...) {
        va_list ap;
        fprintf(stderr, "kafka-mock: ");
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fprintf(stderr, "\n");
        exit(code);
}

static void on_signal(int sig) {
        int saved = errno;
        (void)sig;
        stopping = 1;
        if (sig_pipe[1] != -1 && write(sig_pipe[1], "x", 1) < 0) {
                /* nothing to do */
        }
        errno = saved;
}

static int parse_int(const char *s, long min, long max, long *out) {
        char *end;
        long v;
        if (!s || !*s)
                return -1;
        errno = 0;
        v     = strtol(s, &end, 10);
        if (errno || *end || v < min || v > max)
                return -1;
        *out = v;
        return 0;
}

/* Binds 127.0.0.1:port the way the mock does (SO_REUSEADDR).
 * Returns the socket, or -1 with errno set. */
static int bind_loopback(int port) {
        struct sockaddr_in sin;
        int on = 1, s, e;
        memset(&sin, 0, sizeof(sin));
        sin.sin_family      = AF_INET;
        sin.sin_port        = htons((unsigned short)port);
        sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if ((s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
                return -1;
        setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
        if (bind(s, (struct sockaddr *)&sin, sizeof(sin)) == -1) {
                e = errno;
                close(s);
                errno = e;
                return -1;
        }
        return s;
}

/* ---- name tables ---- */

static const struct {
        const char *name;
        int key;
} api_keys[] = {
    {"Produce", 0},          {"Fetch", 1},
    {"ListOffsets", 2},      {"Metadata", 3},
    {"OffsetCommit", 8},     {"OffsetFetch", 9},
    {"FindCoordinator", 10}, {"JoinGroup", 11},
    {"Heartbeat", 12},       {"LeaveGroup", 13},
    {"SyncGroup", 14},       {"DescribeGroups", 15},
    {"ListGroups", 16},      {"SaslHandshake", 17},
    {"ApiVersions", 18},     {"CreateTopics", 19},
    {"DeleteTopics", 20},    {"DeleteRecords", 21},
    {"InitProducerId", 22},  {"OffsetForLeaderEpoch", 23},
    {"AddPartitionsToTxn", 24}, {"AddOffsetsToTxn", 25},
    {"EndTxn", 26},          {"TxnOffsetCommit", 28},
    {"DescribeConfigs", 32}, {"AlterConfigs", 33},
    {"SaslAuthenticate", 36}, {"CreatePartitions", 37},
    {"DeleteGroups", 42},    {"OffsetDelete", 47},
    {"ConsumerGroupHeartbeat", 68},
};

static int parse_api_key(const char *s, int16_t *out) {
        long v;
        size_t i;
        if (parse_int(s, 0, 32767, &v) == 0) {
                *out = (int16_t)v;
                return 0;
        }
        for (i = 0; i < sizeof(api_keys) / sizeof(api_keys[0]); i++) {
                if (!strcasecmp(s, api_keys[i].name)) {
                        *out = (int16_t)api_keys[i].key;
                        return 0;
                }
        }
        return -1;
}

/* Error code: a number (Kafka protocol code, or librdkafka's negative
 * internal codes such as -195 for _TRANSPORT) or a name such as
 * NOT_LEADER_FOR_PARTITION / RD_KAFKA_RESP_ERR__TRANSPORT / _TRANSPORT. */
static int parse_err(const char *s, rd_kafka_resp_err_t *out) {
        const struct rd_kafka_err_desc *descs;
        size_t cnt, i;
        long v;
        if (parse_int(s, -1000, 10000, &v) == 0) {
                *out = (rd_kafka_resp_err_t)v;
                return 0;
        }
        if (!strncasecmp(s, "RD_KAFKA_RESP_ERR_", 18))
                s += 18;
        rd_kafka_get_err_descs(&descs, &cnt);
        for (i = 0; i < cnt; i++) {
                if (descs[i].name && !strcasecmp(s, descs[i].name)) {
                        *out = descs[i].code;
                        return 0;
                }
        }
        return -1;
}

/* ---- control commands ---- */

static const char *help_text =
    "ok commands: ping | bootstrap | broker-down <id|-1> | broker-up <id|-1> | "
    "broker-fail <id> | "
    "rtt <id|-1> <ms> | leader <topic> <partition> <id> | "
    "follower <topic> <partition> <id> | coordinator <group> <id> | "
    "txn-coordinator <txnid> <id> | error <apikey> <errcode> <count> | "
    "broker-error <id> <apikey> <errcode> <rtt_ms> <count> | "
    "clear-errors <apikey> | topic-error <topic> <errcode> | "
    "create-topic <name> <partitions> [rf] | delete-topic <name> | "
    "delete-records <topic> <partition> <before_offset> | shutdown | quit";

static void reply_err(char *out, size_t outsz, rd_kafka_resp_err_t err) {
        if (err)
                snprintf(out, outsz, "error %s: %s", rd_kafka_err2name(err),
                         rd_kafka_err2str(err));
        else
                snprintf(out, outsz, "ok");
}

/* broker-fail <id>: like a real broker crash: move the leadership of every
 * partition led by <id> to the other live brokers (round robin), then take
 * <id> down. Plain broker-down keeps <id> as leader (the mock does no
 * failover), which stalls kafkajs consumers until their metadata refresh. */
static void cmd_broker_fail(int32_t id, char *out, size_t outsz) {
        const struct rd_kafka_metadata *md;
        rd_kafka_resp_err_t err;
        int t, p, moved = 0, rr = 0, alive = 0, b;

        if (id < 1 || id > broker_cnt) {
                snprintf(out, outsz, "error no broker %d", (int)id);
                return;
        }
        for (b = 1; b <= broker_cnt; b++)
                if (b != id && !broker_down[b])
                        alive++;
        if (!alive) {
                snprintf(out, outsz, "error no other live broker to fail over to");
                return;
        }
        if (!rk_connected) {
                rd_kafka_brokers_add(rk,
                                     rd_kafka_mock_cluster_bootstraps(mcluster));
                rk_connected = 1;
        }
        err = rd_kafka_metadata(rk, 1, NULL, &md, 5000);
        if (err) {
                reply_err(out, outsz, err);
                return;
        }
        for (t = 0; t < md->topic_cnt; t++) {
                for (p = 0; p < md->topics[t].partition_cnt; p++) {
                        int32_t to;
                        if (md->topics[t].partitions[p].leader != id)
                                continue;
                        do {
                                to = (int32_t)(rr++ % broker_cnt) + 1;
                        } while (to == id || broker_down[to]);
                        err = rd_kafka_mock_partition_set_leader(
                            mcluster, md->topics[t].topic,
                            md->topics[t].partitions[p].id, to);
                        if (!err)
                                moved++;
                }
        }
        rd_kafka_metadata_destroy(md);
        err = rd_kafka_mock_broker_set_down(mcluster, id);
        if (err) {
                reply_err(out, outsz, err);
                return;
        }
        broker_down[id] = 1;
        snprintf(out, outsz, "ok moved %d partition leader(s)", moved);
}

/* Executes one command line; writes the one-line reply to out.
 * Returns 1 if the connection should be closed after replying. */
static int run_command(char *line, char *out, size_t outsz) {
        char *argv[16];
        int argc = 0;
        char *tok, *save = NULL;
        long a, b, c;
        int16_t apikey;
        rd_kafka_resp_err_t err;

        for (tok = strtok_r(line, " \t\r", &save); tok && argc < 16;
             tok = strtok_r(NULL, " \t\r", &save))
                argv[argc++] = tok;

        if (argc == 0) {
                snprintf(out, outsz, "error empty command");
                return 0;
        }

#define USAGE(u)                                                               \
        do {                                                                   \
                snprintf(out, outsz, "error usage: %s", u);                    \
                return 0;                                                      \
        } while (0)
#define CMD(name) (!strcmp(argv[0], name))

        if (CMD("ping")) {
                snprintf(out, outsz, "pong");
        } else if (CMD("help")) {
                snprintf(out, outsz, "%s", help_text);
        } else if (CMD("bootstrap")) {
                snprintf(out, outsz, "ok %s",
                         rd_kafka_mock_cluster_bootstraps(mcluster));
        } else if (CMD("quit")) {
                snprintf(out, outsz, "ok");
                return 1;
        } else if (CMD("shutdown")) {
                snprintf(out, outsz, "ok");
                on_signal(SIGTERM);
        } else if (CMD("broker-down") || CMD("broker-up")) {
                if (argc != 2 || parse_int(argv[1], -1, 1 << 20, &a))
                        USAGE("broker-down|broker-up <id|-1>");
                err = CMD("broker-down")
                          ? rd_kafka_mock_broker_set_down(mcluster, (int32_t)a)
                          : rd_kafka_mock_broker_set_up(mcluster, (int32_t)a);
                if (!err)
                        for (b = 1; b <= broker_cnt; b++)
                                if (a == -1 || a == b)
                                        broker_down[b] = CMD("broker-down");
                reply_err(out, outsz, err);
        } else if (CMD("broker-fail")) {
                if (argc != 2 || parse_int(argv[1], 1, broker_cnt, &a))
                        USAGE("broker-fail <id>");
                cmd_broker_fail((int32_t)a, out, outsz);
        } else if (CMD("rtt")) {
                if (argc != 3 || parse_int(argv[1], -1, 1 << 20, &a) ||
                    parse_int(argv[2], 0, 3600 * 1000, &b))
                        USAGE("rtt <id|-1> <ms>");
                reply_err(out, outsz,
                          rd_kafka_mock_broker_set_rtt(mcluster, (int32_t)a,
                                                       (int)b));
        } else if (CMD("leader") || CMD("follower")) {
                if (argc != 4 || parse_int(argv[2], 0, 1 << 20, &a) ||
                    parse_int(argv[3], -1, 1 << 20, &b))
                        USAGE("leader|follower <topic> <partition> <id>");
                err = CMD("leader")
                          ? rd_kafka_mock_partition_set_leader(
                                mcluster, argv[1], (int32_t)a, (int32_t)b)
                          : rd_kafka_mock_partition_set_follower(
                                mcluster, argv[1], (int32_t)a, (int32_t)b);
                reply_err(out, outsz, err);
        } else if (CMD("coordinator") || CMD("txn-coordinator")) {
                if (argc != 3 || parse_int(argv[2], -1, 1 << 20, &a))
                        USAGE("coordinator|txn-coordinator <key> <id>");
                reply_err(out, outsz,
                          rd_kafka_mock_coordinator_set(
                              mcluster,
                              CMD("coordinator") ? "group" : "transaction",
                              argv[1], (int32_t)a));
        } else if (CMD("error")) {
                rd_kafka_resp_err_t *errs;
                if (argc != 4 || parse_api_key(argv[1], &apikey) ||
                    parse_err(argv[2], &err) ||
                    parse_int(argv[3], 1, 100000, &a))
                        USAGE("error <apikey> <errcode> <count>");
                errs = malloc(sizeof(*errs) * (size_t)a);
                for (b = 0; b < a; b++)
                        errs[b] = err;
                rd_kafka_mock_push_request_errors_array(mcluster, apikey,
                                                        (size_t)a, errs);
                free(errs);
                snprintf(out, outsz, "ok");
        } else if (CMD("broker-error")) {
                if (argc != 6 || parse_int(argv[1], 0, 1 << 20, &a) ||
                    parse_api_key(argv[2], &apikey) ||
                    parse_err(argv[3], &err) ||
                    parse_int(argv[4], 0, 3600 * 1000, &b) ||
                    parse_int(argv[5], 1, 100000, &c))
                        USAGE("broker-error <id> <apikey> <errcode> <rtt_ms> "
                              "<count>");
                for (; c > 0; c--) {
                        rd_kafka_resp_err_t e =
                            rd_kafka_mock_broker_push_request_error_rtts(
                                mcluster, (int32_t)a, apikey, 1, err, (int)b);
                        if (e) {
                                reply_err(out, outsz, e);
                                return 0;
                        }
                }
                snprintf(out, outsz, "ok");
        } else if (CMD("clear-errors")) {
                if (argc != 2 || parse_api_key(argv[1], &apikey))
                        USAGE("clear-errors <apikey>");
                rd_kafka_mock_clear_request_errors(mcluster, apikey);
                snprintf(out, outsz, "ok");
        } else if (CMD("topic-error")) {
                if (argc != 3 || parse_err(argv[2], &err))
                        USAGE("topic-error <topic> <errcode>");
                rd_kafka_mock_topic_set_error(mcluster, argv[1], err);
                snprintf(out, outsz, "ok");
        } else if (CMD("create-topic")) {
                b = broker_cnt < 3 ? broker_cnt : 3;
                if ((argc != 3 && argc != 4) ||
                    parse_int(argv[2], 1, 100000, &a) ||
                    (argc == 4 && parse_int(argv[3], 1, broker_cnt, &b)))
                        USAGE("create-topic <name> <partitions> [rf]");
                reply_err(out, outsz,
                          rd_kafka_mock_topic_create(mcluster, argv[1], (int)a,
                                                     (int)b));
        } else if (CMD("delete-topic")) {
                if (argc != 2)
                        USAGE("delete-topic <name>");
                reply_err(out, outsz,
                          rd_kafka_mock_topic_delete(mcluster, argv[1]));
        } else if (CMD("delete-records")) {
                long long off;
                char *end;
                if (argc != 4 || parse_int(argv[2], 0, 1 << 20, &a))
                        USAGE("delete-records <topic> <partition> <offset>");
                off = strtoll(argv[3], &end, 10);
                if (*end || off < 0)
                        USAGE("delete-records <topic> <partition> <offset>");
                reply_err(out, outsz,
                          rd_kafka_mock_partition_delete_records(
                              mcluster, argv[1], (int32_t)a, (int64_t)off));
        } else {
                snprintf(out, outsz, "error unknown command '%s' (try: help)",
                         argv[0]);
        }
        return 0;
}

/* ---- control server ---- */

struct client {
        int fd;
        size_t len;
        char buf[LINE_MAX_LEN];
};

static struct client clients[MAX_CLIENTS];

static void client_close(struct client *cl) {
        close(cl->fd);
        cl->fd  = -1;
        cl->len = 0;
}

static void write_all(int fd, const char *s, size_t n) {
        while (n > 0) {
                ssize_t r = write(fd, s, n);
                if (r < 0) {
                        if (errno == EINTR)
                                continue;
                        return;
                }
                s += r;
                n -= (size_t)r;
        }
}

/* Reads from the client, runs every complete line. */
static void client_read(struct client *cl) {
        ssize_t r;
        char *nl;
        char out[LINE_MAX_LEN + 256];

        r = read(cl->fd, cl->buf + cl->len, sizeof(cl->buf) - cl->len - 1);
        if (r <= 0) {
                if (r < 0 && (errno == EINTR || errno == EAGAIN))
                        return;
                client_close(cl);
                return;
        }
        cl->len += (size_t)r;
        cl->buf[cl->len] = '\0';

        while ((nl = memchr(cl->buf, '\n', cl->len))) {
                size_t linelen = (size_t)(nl - cl->buf);
                int close_after;
                *nl         = '\0';
                close_after = run_command(cl->buf, out, sizeof(out) - 1);
                strcat(out, "\n");
                write_all(cl->fd, out, strlen(out));
                memmove(cl->buf, nl + 1, cl->len - linelen - 1);
                cl->len -= linelen + 1;
                if (close_after) {
                        client_close(cl);
                        return;
                }
        }
        if (cl->len >= sizeof(cl->buf) - 1) {
                write_all(cl->fd, "error line too long\n",
                          strlen("error line too long\n"));
                client_close(cl);
        }
}

static void usage(const char *argv0) {
        fprintf(stderr,
                "Usage: %s [--brokers N] [--base-port P] [--control-port P]\n"
                "          [--default-partitions N] [--debug] [--die-with-parent] "
                "[topic:partitions[:rf] ...]\n",
                argv0);
        exit(2);
}

int main(int argc, char **argv) {
        long base_port = 19092, control_port = -1, default_parts = -1, v;
        int debug = 0, i, ctl_s, p;
        rd_kafka_conf_t *conf;
        char errstr[512], tmp[32];
        struct sigaction sa;
        const char *bootstraps;

        for (i = 1; i < argc; i++) {
                const char *a = argv[i];
                if (!strcmp(a, "--brokers") && i + 1 < argc) {
                        if (parse_int(argv[++i], 1, 64, &v))
                                die(2, "--brokers: expected 1..64");
                        broker_cnt = (int)v;
                } else if (!strcmp(a, "--base-port") && i + 1 < argc) {
                        if (parse_int(argv[++i], 2, 65000, &base_port))
                                die(2, "--base-port: expected 2..65000");
                } else if (!strcmp(a, "--control-port") && i + 1 < argc) {
                        if (parse_int(argv[++i], 1, 65535, &control_port))
                                die(2, "--control-port: expected 1..65535");
                } else if (!strcmp(a, "--default-partitions") &&
                           i + 1 < argc) {
                        if (parse_int(argv[++i], 1, 100000, &default_parts))
                                die(2, "--default-partitions: expected >= 1");
                } else if (!strcmp(a, "--debug")) {
                        debug = 1;
                } else if (!strcmp(a, "--die-with-parent")) {
                        /* Used by kafka-mock.mjs: no orphaned broker holding
                         * the ports if the Node process dies. */
                        prctl(PR_SET_PDEATHSIG, SIGTERM);
                        if (getppid() == 1)
                                die(1, "parent already gone");
                } else if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
                        usage(argv[0]);
                } else if (a[0] == '-') {
                        fprintf(stderr, "kafka-mock: unknown option %s\n", a);
                        usage(argv[0]);
                }
        }
        if (control_port < 0)
                control_port = base_port - 1;
        if (base_port + broker_cnt - 1 > 65535)
                die(2, "--base-port too high for %d brokers", broker_cnt);

        /* Ports must be free: librdkafka aborts/fails on a port in use. */
        ctl_s = bind_loopback((int)control_port);
        if (ctl_s == -1)
                die(3,
                    "control port 127.0.0.1:%ld is not available (%s); is "
                    "another kafka-mock running? Use --base-port/--control-port",
                    control_port, strerror(errno));
        if (listen(ctl_s, 64) == -1)
                die(3, "listen on control port: %s", strerror(errno));
        for (p = 0; p < broker_cnt; p++) {
                int s = bind_loopback((int)base_port + p);
                if (s == -1)
                        die(3,
                            "broker port 127.0.0.1:%ld is not available (%s); "
                            "is another kafka-mock or Kafka running? Use "
                            "--base-port",
                            base_port + p, strerror(errno));
                close(s);
        }

        /* Read by the patched rdkafka_mock.c (see build.sh). */
        snprintf(tmp, sizeof(tmp), "%ld", base_port);
        setenv("KAFKA_MOCK_BASE_PORT", tmp, 1);
        if (default_parts > 0) {
                snprintf(tmp, sizeof(tmp), "%ld", default_parts);
                setenv("KAFKA_MOCK_DEFAULT_PARTITIONS", tmp, 1);
        }

        if (pipe2(sig_pipe, O_CLOEXEC | O_NONBLOCK) == -1)
                die(1, "pipe: %s", strerror(errno));
        memset(&sa, 0, sizeof(sa));
        sa.sa_handler = on_signal;
        sigemptyset(&sa.sa_mask);
        sigaction(SIGTERM, &sa, NULL);
        sigaction(SIGINT, &sa, NULL);
        signal(SIGPIPE, SIG_IGN);

        /* Dummy producer handle, needed by the mock for book keeping. */
        conf = rd_kafka_conf_new();
        rd_kafka_conf_set(conf, "client.id", "kafka-mock", NULL, 0);
        /* Quiet the dummy handle's "no bootstrap.servers" notice; warnings
         * and the mock's LOG_CRIT messages still show. */
        rd_kafka_conf_set(conf, "log_level", debug ? "7" : "4", NULL, 0);
        if (debug &&
            rd_kafka_conf_set(conf, "debug", "mock", errstr, sizeof(errstr)))
                die(1, "conf: %s", errstr);
        rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
        if (!rk)
                die(1, "rd_kafka_new: %s", errstr);

        mcluster = rd_kafka_mock_cluster_new(rk, broker_cnt);
        if (!mcluster)
                die(1, "failed to create mock cluster (ports %ld..%ld)",
                    base_port, base_port + broker_cnt - 1);

        /* kafkajs' idempotent producer needs a valid controller id. */
        rd_kafka_mock_set_controller_id(mcluster, 1);
        rd_kafka_mock_group_initial_rebalance_delay_ms(mcluster, 0);

        for (i = 1; i < argc; i++) {
                char name[256], *c1, *c2;
                long parts, rf = broker_cnt < 3 ? broker_cnt : 3;
                rd_kafka_resp_err_t err;
                if (argv[i][0] == '-') {
                        if (strcmp(argv[i], "--debug") &&
                            strcmp(argv[i], "--die-with-parent"))
                                i++; /* skip option value */
                        continue;
                }
                snprintf(name, sizeof(name), "%s", argv[i]);
                c1 = strchr(name, ':');
                if (!c1)
                        die(2, "topic '%s': expected name:partitions[:rf]",
                            argv[i]);
                *c1++ = '\0';
                c2    = strchr(c1, ':');
                if (c2)
                        *c2++ = '\0';
                if (!*name || parse_int(c1, 1, 100000, &parts) ||
                    (c2 && parse_int(c2, 1, broker_cnt, &rf)))
                        die(2, "topic '%s': expected name:partitions[:rf]",
                            argv[i]);
                err = rd_kafka_mock_topic_create(mcluster, name, (int)parts,
                                                 (int)rf);
                if (err)
                        die(1, "creating topic %s: %s", name,
                            rd_kafka_err2str(err));
        }

        bootstraps = rd_kafka_mock_cluster_bootstraps(mcluster);
        printf("CONTROL=127.0.0.1:%ld\n", control_port);
        printf("BOOTSTRAP=%s\n", bootstraps);
        fflush(stdout);
        fprintf(stderr,
                "kafka-mock: %d broker(s) at %s, control on 127.0.0.1:%ld "
                "(librdkafka %s)\n",
                broker_cnt, bootstraps, control_port, rd_kafka_version_str());

        for (i = 0; i < MAX_CLIENTS; i++)
                clients[i].fd = -1;

        while (!stopping) {
                struct pollfd pfds[MAX_CLIENTS + 2];
                int idx[MAX_CLIENTS + 2];
                int n = 0, r;

                pfds[n].fd     = sig_pipe[0];
                pfds[n].events = POLLIN;
                idx[n++]       = -2;
                pfds[n].fd     = ctl_s;
                pfds[n].events = POLLIN;
                idx[n++]       = -1;
                for (i = 0; i < MAX_CLIENTS; i++) {
                        if (clients[i].fd == -1)
                                continue;
                        pfds[n].fd     = clients[i].fd;
                        pfds[n].events = POLLIN;
                        idx[n++]       = i;
                }
                r = poll(pfds, (nfds_t)n, -1);
                if (r < 0) {
                        if (errno == EINTR)
                                continue;
                        die(1, "poll: %s", strerror(errno));
                }
                for (i = 0; i < n && !stopping; i++) {
                        if (!pfds[i].revents)
                                continue;
                        if (idx[i] == -2) {
                                stopping = 1;
                        } else if (idx[i] == -1) {
                                int fd = accept4(ctl_s, NULL, NULL,
                                                 SOCK_CLOEXEC);
                                int k;
                                if (fd < 0)
                                        continue;
                                for (k = 0; k < MAX_CLIENTS; k++)
                                        if (clients[k].fd == -1)
                                                break;
                                if (k == MAX_CLIENTS) {
                                        const char *m = "error too many control "
                                                        "connections\n";
                                        write_all(fd, m, strlen(m));
                                        close(fd);
                                        continue;
                                }
                                clients[k].fd  = fd;
                                clients[k].len = 0;
                        } else {
                                client_read(&clients[idx[i]]);
                        }
                }
        }

        fprintf(stderr, "kafka-mock: shutting down\n");
        for (i = 0; i < MAX_CLIENTS; i++)
                if (clients[i].fd != -1)
                        client_close(&clients[i]);
        close(ctl_s);
        rd_kafka_mock_cluster_destroy(mcluster);
        rd_kafka_destroy(rk);
        return 0;
}
