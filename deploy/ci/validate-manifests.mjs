#!/usr/bin/env node
// Offline validation of rendered kustomize overlays (called by tools/ci/validate-deploy.sh).
//
//   node deploy/ci/validate-manifests.mjs --modules DIR --contracts topics.ts \
//        --compose-init kafka-init.sh OVERLAY=rendered.yaml [...]
//
// DIR/node_modules holds kubernetes-models (JSON schemas of the Kubernetes API, validated with
// ajv), yaml and ajv. Strimzi kinds are validated against deploy/ci/strimzi-v1beta2.schema.json.
// Prints one line per check ("ok   ..." / "FAIL ...") and exits 1 if any check failed.
import { readFileSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const opt = (name) => {
  const i = args.indexOf(name);
  if (i < 0 || !args[i + 1]) throw new Error(`missing ${name}`);
  const v = args[i + 1];
  args.splice(i, 2);
  return v;
};
const modulesDir = join(resolve(opt('--modules')), 'node_modules');
const contractsFile = opt('--contracts');
const composeInit = opt('--compose-init');
const overlays = args.map((a) => {
  const [name, file] = a.split('=');
  return { name, file };
});

const req = createRequire(join(modulesDir, 'noop.js'));
const YAML = req('yaml');
const Ajv = req('ajv').default ?? req('ajv');

let failures = 0;
const ok = (msg) => console.log(`ok   ${msg}`);
const fail = (msg, detail = []) => {
  failures++;
  console.log(`FAIL ${msg}`);
  for (const d of detail) console.log(`       ${d}`);
};
const check = (cond, msg, detail) => (cond ? ok(msg) : fail(msg, detail ?? []));

// ---------------------------------------------------------------------------------- contracts
function readContracts(file) {
  const src = readFileSync(file, 'utf8');
  const topics = {};
  for (const m of src.matchAll(/^\s*(\w+):\s*'([a-z0-9.-]+)',?\s*$/gm)) topics[m[1]] = m[2];
  const partitions = {};
  for (const m of src.matchAll(/\[Topics\.(\w+)\]:\s*(\d+)/g)) {
    if (!topics[m[1]]) throw new Error(`topics.ts: unknown Topics.${m[1]}`);
    partitions[topics[m[1]]] = Number(m[2]);
  }
  const share = src.match(/ShareTopicPartitions\s*=\s*(\d+)/);
  const groups = {};
  const cg = src.match(/ConsumerGroups\s*=\s*\{([^}]*)\}/);
  for (const m of (cg?.[1] ?? '').matchAll(/(\w+):\s*'([^']+)'/g)) groups[m[1].toLowerCase()] = m[2];
  if (Object.keys(partitions).length === 0 || !share) throw new Error(`could not parse ${file}`);
  return { partitions, sharePartitions: Number(share[1]), groups };
}
const contracts = readContracts(contractsFile);
ok(`contracts: ${Object.keys(contracts.partitions).length} topics + share.<id>.v1:${contracts.sharePartitions} read from ${contractsFile}`);
const PRINCIPAL_RAW = /^alerts\.raw\.[a-z0-9][a-z0-9-]*\.v1$/;
const expectedPartitions = (topic) =>
  contracts.partitions[topic] ??
  (/^share\.[a-z0-9][a-z0-9-]*\.v1$/.test(topic)
    ? contracts.sharePartitions
    : PRINCIPAL_RAW.test(topic)
      ? contracts.partitions['alerts.raw.v1']
      : undefined);

// which topic each stage consumes (HPA max <= the partitions of its main input)
const stageInput = {
  ingestion: 'alerts.raw.v1',
  deidentify: 'alerts.normalized.v1',
  review: 'review.requested.v1',
  fanout: 'events.released.v1',
};
// everything each stage may read: the main input plus side inputs (replays, revocations, the raw
// topics of every SIEM principal through the `alerts.raw.` prefix)
const stageReads = {
  ingestion: ['alerts.raw.', 'alerts.replay.v1'],
  deidentify: ['alerts.normalized.v1'],
  review: ['review.requested.v1'],
  fanout: ['events.released.v1', 'events.revoked.v1'],
};
// topics that hold victim data: at most 24 h retention
const isVictimTopic = (t) => ['alerts.raw.v1', 'alerts.normalized.v1', 'alerts.replay.v1'].includes(t) || PRINCIPAL_RAW.test(t);
const METRICS_PORT = 9464;
const DAY_MS = 86_400_000;

// ------------------------------------------------------------------ compose topic job (kafka-init)
{
  const src = readFileSync(composeInit, 'utf8');
  const lines = [...src.matchAll(/^topic\s+(\S+)\s+(\d+)\s+(\d+)/gm)].map((m) => ({
    topic: m[1],
    partitions: Number(m[2]),
    retention: Number(m[3]),
  }));
  const problems = [];
  for (const t of Object.keys(contracts.partitions)) {
    if (!lines.some((l) => l.topic === t)) problems.push(`${t} is not created`);
  }
  for (const l of lines) {
    const want = expectedPartitions(l.topic);
    if (want === undefined) problems.push(`${l.topic}: not a topic of libs/contracts`);
    else if (want !== l.partitions) problems.push(`${l.topic}: ${l.partitions} partitions, contracts say ${want}`);
    if (isVictimTopic(l.topic) && l.retention > DAY_MS) problems.push(`${l.topic}: retention > 24 h`);
  }
  check(problems.length === 0 && lines.length > 0, `compose kafka-init: ${lines.length} topics match libs/contracts (partitions, victim-data retention <= 24 h)`, problems);
}

// ------------------------------------------------------------------------------------ schemas
const strimziSchema = JSON.parse(readFileSync(join(here, 'strimzi-v1beta2.schema.json'), 'utf8'));
const ajv = new Ajv({ allErrors: true, strict: false });
ajv.addSchema(strimziSchema, 'strimzi');
const strimziValidators = {
  KafkaTopic: ajv.getSchema('strimzi#/definitions/KafkaTopic'),
  KafkaUser: ajv.getSchema('strimzi#/definitions/KafkaUser'),
};

const k8sModelsDir = join(modulesDir, 'kubernetes-models');
const moduleCache = new Map();
async function k8sModel(apiVersion, kind) {
  const file = join(k8sModelsDir, apiVersion, 'index.js');
  if (!existsSync(file)) return undefined;
  if (!moduleCache.has(file)) moduleCache.set(file, await import(pathToFileURL(file).href));
  return moduleCache.get(file)[kind];
}

async function validateSchema(doc) {
  const { apiVersion, kind } = doc;
  if (apiVersion === 'kafka.strimzi.io/v1beta2' && strimziValidators[kind]) {
    const v = strimziValidators[kind];
    return v(doc) ? { via: 'strimzi subset schema' } : { errors: v.errors.map((e) => `${e.instancePath || '/'} ${e.message}${e.params?.additionalProperty ? ` (${e.params.additionalProperty})` : ''}`) };
  }
  const Model = await k8sModel(apiVersion, kind);
  if (!Model) return { errors: [`no schema for ${apiVersion} ${kind}`] };
  try {
    new Model(doc).validate();
    return { via: `kubernetes ${apiVersion}` };
  } catch (e) {
    return { errors: (e.errors ?? [{ instancePath: '', message: e.message }]).map((x) => `${x.instancePath || '/'} ${x.message}`) };
  }
}

// ---------------------------------------------------------------------------- policy checks
const SECRET_NAME = /PASSWORD|SECRET|KEYS|TOKEN|DATABASE_URL/;
const matches = (selector, labels) => Object.entries(selector ?? {}).every(([k, v]) => labels?.[k] === v);
const clusterScoped = new Set(['Namespace', 'ClusterRole', 'ClusterRoleBinding', 'CustomResourceDefinition', 'PriorityClass', 'StorageClass']);

function policy(overlay, docs) {
  const by = (kind) => docs.filter((d) => d.kind === kind);
  const id = (d) => `${d.kind}/${d.metadata?.name}`;
  const p = `[${overlay}]`;

  // namespaces and secrets
  const noNs = docs.filter((d) => !clusterScoped.has(d.kind) && !d.metadata?.namespace).map(id);
  check(noNs.length === 0, `${p} every namespaced object has a namespace`, noNs);
  const secrets = by('Secret').map(id);
  check(secrets.length === 0, `${p} no Secret objects rendered (secrets come from the platform / Strimzi)`, secrets);

  const configMaps = new Map(by('ConfigMap').map((c) => [c.metadata.name, c.data ?? {}]));
  const serviceAccounts = new Set(by('ServiceAccount').map((s) => s.metadata.name));
  const kafkaUsers = new Set(by('KafkaUser').map((u) => u.metadata.name));
  const deployments = by('Deployment');
  const hpas = by('HorizontalPodAutoscaler');
  const topics = new Map(by('KafkaTopic').map((t) => [t.spec.topicName ?? t.metadata.name, t]));
  const secretRefs = new Set();

  for (const d of deployments) {
    const problems = [];
    const pod = d.spec.template.spec;
    if (!matches(d.spec.selector.matchLabels, d.spec.template.metadata?.labels)) problems.push('selector does not match template labels');
    if (d.spec.template.metadata?.labels?.['app.kubernetes.io/part-of'] !== 'kyoyu') problems.push('pods lack app.kubernetes.io/part-of=kyoyu (NetworkPolicies select on it)');
    if (pod.serviceAccountName && !serviceAccounts.has(pod.serviceAccountName)) problems.push(`serviceAccount ${pod.serviceAccountName} not rendered`);
    if (pod.automountServiceAccountToken !== false) problems.push('automountServiceAccountToken is not false');
    if (hpas.some((h) => h.spec.scaleTargetRef.name === d.metadata.name) && d.spec.replicas !== undefined) problems.push('spec.replicas set although an HPA owns the replica count');
    for (const c of pod.containers) {
      const sc = c.securityContext ?? {};
      const probe = (pr) => pr?.httpGet?.path;
      if (probe(c.readinessProbe) !== '/health/ready') problems.push(`${c.name}: readinessProbe is not GET /health/ready`);
      if (probe(c.livenessProbe) !== '/health/live') problems.push(`${c.name}: livenessProbe is not GET /health/live`);
      for (const k of ['requests', 'limits']) for (const r of ['cpu', 'memory']) if (!c.resources?.[k]?.[r]) problems.push(`${c.name}: resources.${k}.${r} missing`);
      if (sc.readOnlyRootFilesystem !== true) problems.push(`${c.name}: readOnlyRootFilesystem is not true`);
      if (sc.allowPrivilegeEscalation !== false) problems.push(`${c.name}: allowPrivilegeEscalation is not false`);
      if (!(sc.runAsNonRoot ?? pod.securityContext?.runAsNonRoot)) problems.push(`${c.name}: runAsNonRoot is not set`);
      if (!(sc.capabilities?.drop ?? []).includes('ALL')) problems.push(`${c.name}: capabilities are not dropped`);
      if (!/:[\w.-]+$|@sha256:/.test(c.image) || /:latest$/.test(c.image)) problems.push(`${c.name}: image ${c.image} is not pinned to a tag or digest`);
      for (const e of c.env ?? []) {
        if (e.value !== undefined && SECRET_NAME.test(e.name)) problems.push(`${c.name}: ${e.name} has an inline value (use secretKeyRef)`);
        const cmk = e.valueFrom?.configMapKeyRef;
        if (cmk && !(configMaps.get(cmk.name) ?? {})[cmk.key]) problems.push(`${c.name}: ${e.name} -> ConfigMap ${cmk.name} key ${cmk.key} not rendered`);
        const sk = e.valueFrom?.secretKeyRef;
        if (sk) secretRefs.add(`${sk.name}${kafkaUsers.has(sk.name) ? ' (Strimzi)' : ''}`);
      }
      for (const ef of c.envFrom ?? []) {
        if (ef.configMapRef && !configMaps.has(ef.configMapRef.name)) problems.push(`${c.name}: envFrom ConfigMap ${ef.configMapRef.name} not rendered`);
        if (ef.secretRef) secretRefs.add(ef.secretRef.name);
      }
    }
    for (const v of pod.volumes ?? []) if (v.secret) secretRefs.add(v.secret.secretName);
    check(problems.length === 0, `${p} ${id(d)}: probes, resources, non-root, read-only root fs, secrets by reference`, problems);
  }
  ok(`${p} secrets referenced (must exist in the namespace): ${[...secretRefs].sort().join(', ')}`);

  // shared settings: listen on the pod interface, metrics on their own port
  {
    const cm = by('ConfigMap').find((c) => c.metadata.name.startsWith('kyoyu-config'));
    const data = cm?.data ?? {};
    check(data.HTTP_HOST === '0.0.0.0' && Number(data.METRICS_PORT) === METRICS_PORT,
      `${p} ConfigMap kyoyu-config: HTTP_HOST=0.0.0.0 (probes reach the pod), METRICS_PORT=${METRICS_PORT}`,
      [`HTTP_HOST=${data.HTTP_HOST}, METRICS_PORT=${data.METRICS_PORT}`]);
  }

  // services, ingresses
  for (const s of by('Service')) {
    const targets = deployments.filter((d) => matches(s.spec.selector, d.spec.template.metadata?.labels));
    const problems = targets.length ? [] : ['selector matches no Deployment'];
    for (const port of s.spec.ports) {
      if (typeof port.targetPort === 'string' && !targets.some((d) => d.spec.template.spec.containers.some((c) => (c.ports ?? []).some((cp) => cp.name === port.targetPort))))
        problems.push(`targetPort ${port.targetPort} is not a container port name`);
    }
    check(problems.length === 0, `${p} ${id(s)}: selects ${targets.map((d) => d.metadata.name).join(', ') || 'nothing'}`, problems);
  }
  const services = new Map(by('Service').map((s) => [s.metadata.name, s]));
  for (const ing of by('Ingress')) {
    const problems = [];
    const hosts = [];
    for (const r of ing.spec.rules ?? []) {
      hosts.push(r.host);
      for (const path of r.http?.paths ?? []) {
        const b = path.backend.service;
        const svc = services.get(b?.name);
        if (!svc) problems.push(`backend service ${b?.name} not rendered`);
        else if (b.port.name && !svc.spec.ports.some((sp) => sp.name === b.port.name)) problems.push(`service ${b.name} has no port ${b.port.name}`);
        // fan-out is exposed for TAXII only: its health, metrics and operator routes stay inside
        if (b?.name === 'kyoyu-fanout' && path.path !== '/taxii2') problems.push(`fan-out exposed on ${path.path} (only /taxii2 may be routed)`);
        if (b?.port?.name === 'metrics' || b?.port?.number === METRICS_PORT) problems.push(`${b.name}: metrics port routed from outside`);
      }
    }
    if (!(ing.spec.tls ?? []).length) problems.push('no TLS');
    check(problems.length === 0, `${p} ${id(ing)}: ${hosts.join(', ')} -> ${[...new Set((ing.spec.rules ?? []).flatMap((r) => r.http.paths.map((x) => x.backend.service.name)))].join(', ')}`, problems);
  }
  const exposed = new Set(by('Ingress').flatMap((i) => i.spec.rules.flatMap((r) => r.http.paths.map((x) => x.backend.service.name))));
  check([...exposed].sort().join() === 'kyoyu-fanout,kyoyu-review', `${p} only review and fanout (TAXII) are exposed by Ingress`, [`exposed: ${[...exposed].join(', ')}`]);

  // HPAs and PDBs
  for (const h of hpas) {
    const problems = [];
    const target = deployments.find((d) => d.metadata.name === h.spec.scaleTargetRef.name);
    if (!target) problems.push(`scaleTargetRef ${h.spec.scaleTargetRef.name} not rendered`);
    const stage = target?.metadata.labels?.['app.kubernetes.io/component'];
    const topic = stageInput[stage];
    const partitions = topics.get(topic)?.spec.partitions ?? contracts.partitions[topic];
    if (!topic) problems.push(`unknown stage ${stage}`);
    else if (h.spec.maxReplicas > partitions) problems.push(`maxReplicas ${h.spec.maxReplicas} > ${partitions} partitions of ${topic}`);
    if ((h.spec.minReplicas ?? 1) > h.spec.maxReplicas) problems.push('minReplicas > maxReplicas');
    check(problems.length === 0, `${p} ${id(h)}: replicas ${h.spec.minReplicas ?? 1}..${h.spec.maxReplicas} <= ${partitions} partitions of ${topic}`, problems);
  }
  for (const d of deployments) {
    const pdb = by('PodDisruptionBudget').find((x) => matches(x.spec.selector.matchLabels, d.spec.template.metadata?.labels));
    const hpa = hpas.find((x) => x.spec.scaleTargetRef.name === d.metadata.name);
    check(Boolean(pdb && hpa), `${p} ${id(d)}: has a PodDisruptionBudget and a HorizontalPodAutoscaler`, [`pdb: ${pdb?.metadata.name ?? 'none'}, hpa: ${hpa?.metadata.name ?? 'none'}`]);
  }

  // NetworkPolicies
  {
    const nps = by('NetworkPolicy');
    const deny = nps.find((n) => n.spec.policyTypes?.includes('Ingress') && n.spec.policyTypes?.includes('Egress') && !n.spec.ingress && !n.spec.egress);
    const problems = [];
    if (!deny) problems.push('no default-deny (Ingress+Egress, no rules) policy');
    for (const d of deployments) {
      const labels = d.spec.template.metadata.labels;
      if (deny && !matches(deny.spec.podSelector.matchLabels, labels)) problems.push(`${d.metadata.name} not covered by default deny`);
      // a policy that opens only the metrics port to the monitoring namespace is not an exposure
      const metricsOnly = (n) =>
        n.spec.ingress.every((r) => (r.ports ?? []).length > 0 && r.ports.every((x) => x.port === METRICS_PORT) &&
          (r.from ?? []).length > 0 && r.from.every((f) => f.namespaceSelector?.matchLabels?.['kubernetes.io/metadata.name'] === 'monitoring' && !f.ipBlock));
      const ingressFrom = nps.filter((n) => n.spec.ingress?.length && matches(n.spec.podSelector.matchLabels, labels) && !metricsOnly(n));
      const shouldBeReachable = ['kyoyu-review', 'kyoyu-fanout'].includes(d.metadata.name);
      if (shouldBeReachable !== ingressFrom.length > 0) problems.push(`${d.metadata.name}: ingress allowed by ${ingressFrom.map((n) => n.metadata.name).join(', ') || 'nothing'}`);
      const egressPorts = nps.filter((n) => n.spec.egress?.length && matches(n.spec.podSelector.matchLabels, labels)).flatMap((n) => n.spec.egress.flatMap((e) => (e.ports ?? []).map((x) => x.port)));
      if (egressPorts.length === 0) problems.push(`${d.metadata.name}: no egress allowed`);
      if (nps.some((n) => matches(n.spec.podSelector.matchLabels, labels) && (n.spec.egress ?? []).some((e) => !e.to || !e.ports))) problems.push(`${d.metadata.name}: an egress rule is open to any peer or port`);
    }
    check(problems.length === 0, `${p} NetworkPolicies: default deny, ingress only to review/fanout, egress to listed peers and ports only`, problems);
  }

  // Kafka topics
  {
    const problems = [];
    for (const t of Object.keys(contracts.partitions)) if (!topics.has(t)) problems.push(`${t}: no KafkaTopic`);
    for (const [name, t] of topics) {
      const want = expectedPartitions(name);
      if (want === undefined) problems.push(`${name}: not a topic of libs/contracts`);
      else if (t.spec.partitions !== want) problems.push(`${name}: ${t.spec.partitions} partitions, contracts say ${want}`);
      if (isVictimTopic(name) && !(Number(t.spec.config?.['retention.ms']) <= DAY_MS)) problems.push(`${name}: retention.ms must be <= 24 h (victim data)`);
      const mir = Number(t.spec.config?.['min.insync.replicas'] ?? 1);
      if (mir >= t.spec.replicas && t.spec.replicas > 1) problems.push(`${name}: min.insync.replicas ${mir} leaves no room for a broker outage`);
    }
    check(problems.length === 0, `${p} KafkaTopics: ${topics.size} topics, partitions = libs/contracts, victim-data retention <= 24 h`, problems);
  }

  // Kafka users: stages only their own group; subscribers only their own share.<id>. prefix
  for (const u of by('KafkaUser')) {
    const problems = [];
    const acls = u.spec.authorization?.acls ?? [];
    if (u.spec.authentication?.type !== 'scram-sha-512') problems.push('authentication is not scram-sha-512');
    const ops = (a) => a.operations ?? [a.operation];
    if (acls.some((a) => ops(a).some((o) => ['All', 'Create', 'Delete', 'Alter', 'AlterConfigs', 'ClusterAction'].includes(o)))) problems.push('grants administrative operations');
    if (acls.some((a) => a.resource.type === 'topic' && a.resource.patternType === 'prefix' && !/\.$/.test(a.resource.name))) problems.push('topic prefix without trailing dot');
    const stage = Object.keys(stageInput).find((s) => u.metadata.name === `kyoyu-${s}`);
    if (stage) {
      const groups = acls.filter((a) => a.resource.type === 'group').map((a) => a.resource.name);
      if (groups.join() !== contracts.groups[stage]) problems.push(`groups ${groups.join(', ')} != ${contracts.groups[stage]}`);
      const reads = acls.filter((a) => a.resource.type === 'topic' && ops(a).includes('Read')).map((a) => a.resource.name);
      if (reads.join() !== stageReads[stage].join()) problems.push(`reads ${reads.join(', ')}, expected ${stageReads[stage].join(', ')} only`);
    }
    const subscriber = u.metadata.labels?.['kyoyu.io/subscriber'];
    if (subscriber) {
      for (const a of acls) {
        const own = a.resource.type === 'topic' ? `share.${subscriber}.` : `${subscriber}.`;
        if (a.resource.patternType !== 'prefix' || a.resource.name !== own || a.resource.type === 'cluster') problems.push(`ACL on ${a.resource.type} ${a.resource.name} (${a.resource.patternType}) outside ${own}*`);
        if (ops(a).some((o) => !['Read', 'Describe'].includes(o))) problems.push(`${a.resource.name}: ${ops(a).join(',')} (read-only expected)`);
      }
    }
    check(problems.length === 0, `${p} ${id(u)}: SCRAM-SHA-512, least-privilege ACLs${subscriber ? ` (subscriber ${subscriber}: share.${subscriber}.* only)` : ''}`, problems);
  }
}

// ------------------------------------------------------------------------------------- main
for (const { name, file } of overlays) {
  let docs;
  try {
    docs = YAML.parseAllDocuments(readFileSync(file, 'utf8')).map((d) => {
      if (d.errors.length) throw new Error(d.errors[0].message);
      return d.toJS();
    }).filter(Boolean);
    ok(`[${name}] parsed ${docs.length} objects`);
  } catch (e) {
    fail(`[${name}] parse ${file}`, [e.message]);
    continue;
  }
  for (const doc of docs) {
    const label = `[${name}] schema ${doc.kind}/${doc.metadata?.name}`;
    if (!doc.apiVersion || !doc.kind || !doc.metadata?.name) {
      fail(label, ['apiVersion, kind and metadata.name are required']);
      continue;
    }
    const r = await validateSchema(doc);
    check(!r.errors, `${label} (${r.via ?? doc.apiVersion})`, r.errors?.slice(0, 10));
  }
  try {
    policy(name, docs);
  } catch (e) {
    fail(`[${name}] policy checks crashed`, [e.stack]);
  }
}
process.exit(failures ? 1 : 0);
