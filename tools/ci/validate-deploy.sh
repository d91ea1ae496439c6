#!/usr/bin/env bash
# Offline validation of everything under deploy/ plus docker-compose.yml and the Dockerfile.
#
#   bash tools/ci/validate-deploy.sh
#
# 1. renders every overlay in deploy/overlays/* with `kubectl kustomize`;
# 2. validates each rendered object against JSON schemas, offline:
#    - Kubernetes kinds: the OpenAPI-derived schemas shipped in the npm package kubernetes-models
#      (validated with ajv; unknown fields are not rejected, as kubeconform without -strict),
#    - Strimzi KafkaTopic/KafkaUser: deploy/ci/strimzi-v1beta2.schema.json (strict subset);
#    then policy checks (probes, resources, securityContext, secrets only by reference, HPA max <=
#    partitions, NetworkPolicies, topics = libs/contracts, victim-data topics <= 24 h retention,
#    least-privilege ACLs, HTTP_HOST/METRICS_PORT, fan-out routed for /taxii2 only, no metrics
#    port behind an Ingress);
# 3. `docker-compose config -q` (Debian's docker-compose 1.29, apt-installed if missing) with the
#    placeholder env file, and checks of the Dockerfile targets and compose helper scripts.
#
# Prints one line per check; exits non-zero if any failed. Validator npm packages are installed
# once into tmp/validate-deploy (git-ignored); nothing in package.json changes.
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
TOOLS="$ROOT/tmp/validate-deploy"
OUT="$TOOLS/rendered"
# pinned validator packages (npm registry only)
NPM_PKGS=(kubernetes-models@5.1.0 yaml@2.9.1 ajv@8.20.0)
failures=0
start=$(date +%s)

ok() { echo "ok   $*"; }
fail() { echo "FAIL $*"; failures=$((failures + 1)); }
run_check() { # run_check "description" command...
  local desc=$1 log
  shift
  if log=$("$@" 2>&1); then ok "$desc"; else
    fail "$desc"
    printf '%s\n' "$log" | tail -n 15 | sed 's/^/       /'
  fi
}

# ------------------------------------------------------------------------------------ tools
command -v kubectl >/dev/null 2>&1 && ok "tool kubectl ($(kubectl version --client 2>/dev/null | sed -n 's/^Kustomize Version: /kustomize /p'))" || fail "tool kubectl not found"
command -v node >/dev/null 2>&1 && ok "tool node $(node --version)" || fail "tool node not found"

stamp="$TOOLS/.installed"
if [ "$(cat "$stamp" 2>/dev/null)" != "${NPM_PKGS[*]}" ]; then
  mkdir -p "$TOOLS"
  [ -f "$TOOLS/package.json" ] || echo '{"name":"kyoyu-validate-deploy","private":true}' >"$TOOLS/package.json"
  if log=$(cd "$TOOLS" && npm install --no-save --no-audit --no-fund --no-package-lock --loglevel=error "${NPM_PKGS[@]}" 2>&1); then
    echo "${NPM_PKGS[*]}" >"$stamp"
    ok "npm install ${NPM_PKGS[*]} (into tmp/validate-deploy)"
  else
    fail "npm install ${NPM_PKGS[*]}"
    printf '%s\n' "$log" | tail -n 10 | sed 's/^/       /'
  fi
else
  ok "validator packages present (${NPM_PKGS[*]})"
fi

if ! command -v docker-compose >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    if log=$( { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends docker-compose; } 2>&1); then
      ok "apt-get install docker-compose"
    else
      fail "apt-get install docker-compose"
      printf '%s\n' "$log" | tail -n 10 | sed 's/^/       /'
    fi
  else
    fail "docker-compose missing and cannot apt-get install it (need root)"
  fi
fi

# ----------------------------------------------------------------------------------- render
rm -rf "$OUT" && mkdir -p "$OUT"
rendered=()
overlays=()
for dir in deploy/overlays/*/; do
  [ -f "$dir/kustomization.yaml" ] || continue
  name=$(basename "$dir")
  overlays+=("$name")
  if log=$(kubectl kustomize "$dir" 2>&1 >"$OUT/$name.yaml"); then
    ok "kustomize $name ($(grep -c '^kind:' "$OUT/$name.yaml") objects)"
    rendered+=("$name=$OUT/$name.yaml")
  else
    fail "kustomize $name"
    printf '%s\n' "$log" | tail -n 10 | sed 's/^/       /'
  fi
done
[ ${#overlays[@]} -ge 2 ] && ok "overlays found: ${overlays[*]}" || fail "expected deploy/overlays/dev and deploy/overlays/prod, found: ${overlays[*]:-none}"

# ------------------------------------------------------------------ schemas + policy (node)
if [ ${#rendered[@]} -gt 0 ] && [ -f "$stamp" ]; then
  node deploy/ci/validate-manifests.mjs --modules "$TOOLS" \
    --contracts libs/contracts/src/lib/topics.ts \
    --compose-init deploy/compose/kafka/kafka-init.sh "${rendered[@]}" || failures=$((failures + 1))
fi

# ------------------------------------------------------------------------- docker-compose
if command -v docker-compose >/dev/null 2>&1; then
  run_check "docker-compose config -q ($(docker-compose version --short 2>/dev/null), env deploy/compose/env.example)" \
    env -u COMPOSE_FILE -u COMPOSE_PROJECT_NAME docker-compose --env-file deploy/compose/env.example -f docker-compose.yml config -q
  # without the env file, compose must refuse (secrets are mandatory, never defaulted)
  if env -i PATH="$PATH" HOME="${HOME:-/tmp}" docker-compose --env-file /dev/null -f docker-compose.yml config -q >/dev/null 2>&1; then
    fail "docker-compose refuses to render without secrets in the environment"
  else
    ok "docker-compose refuses to render without secrets in the environment"
  fi
fi
run_check "compose kafka scripts parse (sh -n)" sh -c 'sh -n deploy/compose/kafka/kafka-start.sh && sh -n deploy/compose/kafka/kafka-init.sh'
run_check "otel-collector.yaml parses, traces->jaeger, metrics->prometheus" node -e '
  const YAML = require(process.argv[1] + "/node_modules/yaml");
  const c = YAML.parse(require("fs").readFileSync("deploy/compose/otel-collector.yaml", "utf8"));
  const p = c.service.pipelines;
  if (!p.traces.exporters.includes("otlp/jaeger") || !p.metrics.exporters.includes("prometheus")) process.exit(1);
  for (const pl of Object.values(p)) for (const k of ["receivers", "processors", "exporters"])
    for (const n of pl[k] ?? []) if (!(n in c[k])) { console.error(k + " " + n + " not defined"); process.exit(1); }' "$TOOLS"

# ------------------------------------------------------------------------------- Dockerfile
dockerfile_targets() {
  for t in ingestion deidentify review fanout; do
    grep -Eq "^FROM [^ ]+ AS $t\$" Dockerfile || { echo "missing target $t"; return 1; }
    awk -v t="$t" '$1=="FROM"{cur=$NF} cur==t && /^CMD /{print}' Dockerfile |
      grep -Fq "[\"node\", \"dist/apps/$t/src/main.js\"]" || { echo "target $t: wrong CMD"; return 1; }
  done
  grep -q '^USER node' Dockerfile || { echo "no USER node"; return 1; }
  ! grep -q '^HEALTHCHECK' Dockerfile || { echo "HEALTHCHECK present"; return 1; }
}
run_check "Dockerfile: targets ingestion|deidentify|review|fanout with their CMD, USER node, no HEALTHCHECK" dockerfile_targets

# The images and local runs (libs/testing's STAGE_PROCESS_ENV) must give stage processes the same malloc settings.
malloc_env_agrees() {
  local name want
  for name in MALLOC_MMAP_THRESHOLD_ MALLOC_TRIM_THRESHOLD_; do
    want=$(grep -o "$name: '[0-9]*'" libs/testing/src/lib/services.ts | grep -o "'[0-9][0-9]*'" | tr -d "'")
    [ -n "$want" ] || { echo "no $name in STAGE_PROCESS_ENV"; return 1; }
    grep -Eq "^ +$name=$want( \\\\)?\$" Dockerfile || { echo "Dockerfile runtime ENV $name differs"; return 1; }
  done
}
run_check "Dockerfile: the runtime stage's malloc thresholds equal STAGE_PROCESS_ENV" malloc_env_agrees

echo "validate-deploy: $failures failed check(s) in $(($(date +%s) - start)) s"
[ "$failures" -eq 0 ]
