/**
 * How runbook requests and catalog templates become terms for the shared BM25 index
 * (../shared/lexical-index.ts): lowercase, a few phrase joins, synonyms to one canonical word,
 * stopwords out, and a light suffix-stripping stemmer, so "bounce the pods", "restarting pod" and
 * "restart the pods" all meet the same terms. Operators' requests name the same action many ways
 * ("bounce", "recycle", "roll back"), which the assistant's plain `terms` analysis would miss.
 *
 * No embeddings and no model: retrieval must run offline, in microseconds, and explain itself
 * (a score per template) so the no-match threshold can be calibrated and reported.
 */

/** Multi-word expressions joined before tokenising, so their meaning survives the split. */
const PHRASES: [RegExp, string][] = [
  [/\bdead[\s-]*letter(?:[\s-]*queues?)?\b/g, ' deadletter '],
  [/\broll(?:ing)?[\s-]*back\b|\brolled[\s-]*back\b/g, ' rollback '],
  [/\bfail(?:ing|ed)?[\s-]*over\b/g, ' failover '],
  [/\bscale[\s-]*(?:out|up)\b/g, ' scale '],
  [/\bfeature[\s-]*(?:flag|toggle)s?\b/g, ' flag '],
  [/\bkill[\s-]*switch(?:es)?\b/g, ' flag '],
  [/\bcron[\s-]*jobs?\b/g, ' cronjob '],
  [/\bre-?index(?:ing|ed|es)?\b/g, ' reindex '],
  [/\blong[\s-]*running\b/g, ' longrunning '],
  [/\bapi[\s-]*keys?\b/g, ' credential '],
  [/\broute[\s-]*53\b/g, ' route53 '],
  [/\bconnection[\s-]*pool(?:s|ing)?\b/g, ' pool '],
  [/\bconsumer[\s-]*groups?\b/g, ' consumergroup '],
  [/\bpoint[\s-]*in[\s-]*time\b/g, ' pitr '],
  [/\bno space left\b/g, ' disk full '],
  [/\bout[\s-]*of[\s-]*memory\b/g, ' memory '],
  [/\bauto[\s-]*scaling[\s-]*groups?\b/g, ' asg '],
  [/\bcert[\s-]*manager\b/g, ' cert '],
  [/\blet'?s[\s-]*encrypt\b/g, ' letsencrypt '],
  [/\bturn(?:ed|ing)?\s+(?:on|off)\b/g, ' toggle '],
];

/** Words that mean the same thing in an operator's request, mapped to one canonical word. */
const SYNONYMS: Record<string, string> = {
  reboot: 'restart',
  bounce: 'restart',
  recycle: 'restart',
  respawn: 'restart',
  revert: 'rollback',
  undo: 'rollback',
  downgrade: 'rollback',
  containers: 'pod',
  container: 'pod',
  deployment: 'deploy',
  deployments: 'deploy',
  release: 'release',
  replicas: 'replica',
  certificate: 'cert',
  certificates: 'cert',
  certs: 'cert',
  tls: 'cert',
  ssl: 'cert',
  x509: 'cert',
  https: 'cert',
  db: 'database',
  databases: 'database',
  postgresql: 'postgres',
  pg: 'postgres',
  psql: 'postgres',
  switchover: 'failover',
  invalidate: 'purge',
  invalidation: 'purge',
  toggles: 'toggle',
  disable: 'toggle',
  enable: 'toggle',
  flip: 'toggle',
  dlq: 'deadletter',
  nameserver: 'dns',
  resolver: 'dns',
  resolv: 'dns',
  coredns: 'dns',
  queries: 'query',
  terminate: 'kill',
  indices: 'index',
  indexes: 'index',
  elasticsearch: 'search',
  opensearch: 'search',
  secret: 'credential',
  secrets: 'credential',
  password: 'credential',
  passwords: 'credential',
  ban: 'block',
  deny: 'block',
  blacklist: 'block',
  blocklist: 'block',
  denylist: 'block',
  recover: 'restore',
  recovery: 'restore',
  autovacuum: 'vacuum',
  bloat: 'vacuum',
  crontab: 'cronjob',
  configuration: 'config',
  configmap: 'config',
  settings: 'config',
  pvc: 'volume',
  resize: 'expand',
  grow: 'expand',
  extend: 'expand',
  enlarge: 'expand',
  raise: 'increase',
  bump: 'increase',
  mem: 'memory',
  ram: 'memory',
  heap: 'memory',
  oom: 'memory',
  oomkilled: 'memory',
  k8s: 'kubernetes',
  nodes: 'node',
  ip: 'ip',
  ips: 'ip',
  throttle: 'block',
};

/** Words that carry no intent in a request ("please restart the ..."), dropped before scoring. */
const STOPWORDS = new Set(
  `a an and are as at be been but by can could do does for from has have how i if in into is it its
   me my of on or our please should so that the their them then there these this those to too us
   was we were what when where which while who why will with would you your all any some need needs
   want wants now right asap just also via get got make sure again stays stay keep keeps above below
   more than over under after before until`.split(/\s+/),
);

/**
 * A light stemmer: enough to meet "restarting", "restarted" and "restarts" at "restart". Not the
 * shared `stem` of lexical-index.ts: the two differ on short words ("node", "rate", "size"), and
 * MIN_MATCH_SCORE in builtin.ts is calibrated on the terms this one gives.
 */
export function stem(word: string): string {
  let w = word;
  if (w.length > 4 && w.endsWith('ies')) w = `${w.slice(0, -3)}y`;
  else if (w.length > 3 && w.endsWith('s') && !/(?:ss|us|is)$/.test(w)) w = w.slice(0, -1);
  if (w.length > 5 && w.endsWith('ing')) w = w.slice(0, -3);
  else if (w.length > 4 && w.endsWith('ed')) w = w.slice(0, -2);
  // "stopp" → "stop", "runn" → "run", but keep "fill", "pass", "buzz".
  if (w.length > 3 && /([^aeiouslz])\1$/.test(w)) w = w.slice(0, -1);
  if (w.length > 3 && w.endsWith('e')) w = w.slice(0, -1);
  return w;
}

/** The terms of a text, in order: phrases joined, synonyms canonical, stopwords and numbers out. */
export function analyze(text: string): string[] {
  let normalized = text.toLowerCase();
  for (const [pattern, replacement] of PHRASES)
    normalized = normalized.replace(pattern, replacement);
  const terms: string[] = [];
  for (const token of normalized.match(/[a-z0-9]+/g) ?? []) {
    if (token.length < 2 || /^\d+$/.test(token) || STOPWORDS.has(token)) continue;
    terms.push(stem(SYNONYMS[token] ?? token));
  }
  return terms;
}
