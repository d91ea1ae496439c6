/**
 * Account and host names too generic to be a victim identifier (`admin`, `localhost`, `ubuntu`…). Both the
 * engine and the egress guard skip them when searching free text; they stay pseudonymised in their own
 * structured fields. This is shared policy data, not matching code: the guard's matching stays independent.
 */
const GENERIC = new Set([
  'admin',
  'administrator',
  'administrators',
  'root',
  'user',
  'users',
  'guest',
  'system',
  'test',
  'local service',
  'network service',
  'localsystem',
  'default',
  'public',
  'www',
  'mail',
  'localhost',
  'unknown',
  'n/a',
  'none',
  'null',
  '-',
  'svc',
  'service',
  'nt authority',
  'workgroup',
  'local',
  'host',
  'server',
  'desktop',
  'ubuntu',
  'debian',
  'centos',
  'windows',
  'linux',
  'vagrant',
]);

export function isGenericIdentifier(v: string): boolean {
  return GENERIC.has(v.toLowerCase());
}
