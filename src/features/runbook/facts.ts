/**
 * The facts a runbook request states: names, regions, thresholds, counts, versions, hosts. Each
 * extractor returns text copied from the request (or the caller's context), never a guess: a
 * template parameter the request does not fill stays a visible `<placeholder>`.
 */
import type { RunbookContext } from './input.js';

export const FACT_KINDS = [
  'service',
  'namespace',
  'region',
  'environment',
  'threshold',
  'replicas',
  'revision',
  'version',
  'hostname',
  'host',
  'ip',
  'ipCidr',
  'node',
  'duration',
  'size',
  'database',
  'table',
  'index',
  'flag',
  'flagState',
  'queue',
  'cronjob',
  'secret',
  'path',
  'poolSize',
  'consumerGroup',
  'topic',
  'configmap',
  'volume',
  'snapshot',
  'commit',
  'keyPattern',
] as const;
export type FactKind = (typeof FACT_KINDS)[number];
export type Facts = Partial<Record<FactKind, string>>;

/** Words that sit where a name would ("restart the stuck pods") but are not names. */
const NOT_NAMES = new Set(
  `a an the this that these those our my your their its all any every each some one two both other
   in on at to of for from into onto with without by if when then than and or but so is are was be
   stuck failing failed broken crashing crashed slow unhealthy hung bad old new current previous
   last latest first primary secondary main master replica read write production prod staging dev
   development test qa live local remote service services pod pods deployment deployments app apps
   application api apis worker workers consumer consumers container containers cluster clusters
   database databases db queue queues cache caches index indexes table tables flag flags node nodes
   host hosts server servers job jobs cron cronjob release releases namespace namespaces volume
   volumes disk disks certificate cert secret secret credentials config configmap instance instances
   restart rollback roll scale drain cordon flush purge clear kill block restore vacuum reindex
   rotate renew expand increase toggle turn enable disable run rerun re-run reprocess redrive
   redis postgres postgresql mysql kafka rabbitmq sqs elasticsearch opensearch kubernetes k8s aws
   helm nginx coredns dns cdn cloudfront waf rds aurora error errors rate latency traffic memory
   please now it them up down out off back named called up-to-date long-running running dead letter
   search feature kubectl systemd connection pool size region regions`.split(/\s+/),
);

const IDENTIFIER = String.raw`[A-Za-z0-9][\w.\-/:]*[A-Za-z0-9]|[A-Za-z0-9]`;

/** Function words only: what cannot be a name even where any word could (`namespace db`). */
const FUNCTION_WORDS = new Set(
  'a an the this that to of for from in on at by with and or if is are was be it its my our your their'.split(
    ' ',
  ),
);

function clean(
  candidate: string | undefined,
  reject: ReadonlySet<string> = NOT_NAMES,
): string | undefined {
  if (!candidate) return undefined;
  const value = candidate.replace(/^[`'"]+|[`'".,;:!?)]+$/g, '');
  if (!value || reject.has(value.toLowerCase()) || REGION_ONLY.test(value)) return undefined;
  return value;
}

/** The first capture of the first pattern that yields a usable name. */
function firstName(
  text: string,
  patterns: RegExp[],
  reject?: ReadonlySet<string>,
): string | undefined {
  for (const pattern of patterns) {
    for (const match of text.matchAll(pattern)) {
      const value = clean(match[1], reject);
      if (value) return value;
    }
  }
  return undefined;
}

/** `<noun> named X`, `<noun> X`, `` `X` <noun> ``, `X <noun>`, for one family of nouns. */
function nameFor(text: string, nouns: string): string | undefined {
  return firstName(text, [
    new RegExp(String.raw`\b(?:${nouns})\s+(?:named|called)\s+[\`'"]?(${IDENTIFIER})`, 'gi'),
    new RegExp(String.raw`[\`'"](${IDENTIFIER})[\`'"]\s+(?:${nouns})\b`, 'gi'),
    new RegExp(String.raw`\b(?:${nouns})\s+[\`'"](${IDENTIFIER})[\`'"]`, 'gi'),
    new RegExp(String.raw`\b(${IDENTIFIER})\s+(?:${nouns})\b`, 'gi'),
    new RegExp(String.raw`\b(?:${nouns})[\s/]+(${IDENTIFIER})`, 'gi'),
    // "the queue for order-events": only a name that looks like one (hyphen, underscore, digit).
    new RegExp(
      String.raw`\b(?:${nouns})\s+(?:for|of|on|in|from)\s+(?:the\s+)?([A-Za-z][\w.]*[-_\d][\w.-]*)`,
      'gi',
    ),
  ]);
}

const REGION =
  /\b(?:(?:us|eu|ap|sa|ca|me|af|il|mx)-(?:gov-)?(?:north|south|east|west|central|northeast|northwest|southeast|southwest)-\d|(?:us|europe|asia|australia|northamerica|southamerica|me|africa)-(?:north|south|east|west|central|northeast|southeast|southwest|northwest)\d)\b/i;
const REGION_ONLY = new RegExp(`^(?:${REGION.source.replace(/^\\b|\\b$/g, '')})$`, 'i');
const HOSTNAME = /\b(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+(?:[a-z]{2,24})\b/gi;
const NOT_TLDS =
  /\.(?:log|txt|json|ya?ml|conf|cfg|ini|sh|py|js|ts|sql|gz|tar|zip|md|csv|pem|crt|key|service|timer)$/i;
const IPV4 =
  /\b(?:25[0-5]|2[0-4]\d|1?\d?\d)(?:\.(?:25[0-5]|2[0-4]\d|1?\d?\d)){3}(?:\/(?:3[0-2]|[12]?\d))?\b/;

function hostnames(text: string): string[] {
  return [...text.matchAll(HOSTNAME)]
    .map((match) => match[0])
    .filter(
      (name) =>
        !NOT_TLDS.test(name) &&
        !/^v?\d+(?:\.\d+)+$/.test(name) &&
        /[a-z]/i.test(name.split('.').at(-1)!),
    );
}

function ipOf(text: string): string | undefined {
  return text.match(IPV4)?.[0];
}

export function extractFacts(request: string, context?: RunbookContext | null): Facts {
  const text = request;
  const facts: Facts = {};
  const set = (kind: FactKind, value: string | undefined) => {
    if (value !== undefined && value !== '' && facts[kind] === undefined) facts[kind] = value;
  };

  set('region', text.match(REGION)?.[0]);
  set(
    'environment',
    context?.environment ??
      text.match(/\b(production|prod|staging|stage|development|dev|qa|sandbox)\b/i)?.[1],
  );
  set('threshold', text.match(/(\d+(?:\.\d+)?\s?%)/)?.[1]);

  const ip = ipOf(text);
  set('ip', ip?.replace(/\/\d+$/, ''));
  set('ipCidr', ip?.includes('/') ? ip : undefined);

  const hosts = hostnames(text);
  set('hostname', hosts[0]);
  set('node', nameFor(text, 'node'));
  set(
    'host',
    firstName(text, [
      /\b(?:host|server|vm|machine|box|instance)\s+(?:named\s+|called\s+)?[`'"]?([\w.-]+[A-Za-z0-9])/gi,
      /\bon\s+([a-z0-9-]+\d[\w-]*(?:\.[\w-]+)*)/gi,
    ]) ?? hosts[0],
  );

  set(
    'namespace',
    firstName(
      text,
      [
        /\b(?:namespace|ns)[\s/:=]+[`'"]?([a-z0-9][a-z0-9-]*)/gi,
        /\b([a-z0-9][a-z0-9-]*)\s+namespace\b/gi,
        /(?:^|\s)-n\s+([a-z0-9][a-z0-9-]*)/gi,
      ],
      FUNCTION_WORDS,
    ),
  );

  set('revision', text.match(/\brevision\s+#?(\d+)\b/i)?.[1]);
  set(
    'version',
    text.match(/\b(v?\d+\.\d+(?:\.\d+)?(?:[-+][0-9A-Za-z.-]+)?)\b/)?.[1]?.replace(/\.$/, ''),
  );
  if (facts.version && ip?.startsWith(facts.version)) delete facts.version;

  const replicas =
    text.match(/\b(\d+)\s+(?:replicas?|pods?|instances?|copies|nodes)\b/i)?.[1] ??
    text.match(/\bscal\w*\b[^.]*?\bto\s+(\d+)\b(?!\s*%)/i)?.[1];
  set('replicas', replicas);
  set(
    'poolSize',
    text.match(/\bpool\b[^.]*?\b(?:to|of|=)\s*(\d+)\b/i)?.[1] ??
      text.match(/\b(\d+)\s+connections\b/i)?.[1],
  );
  set(
    'duration',
    text.match(
      /\b(\d+\s?(?:ms|milliseconds?|s|secs?|seconds?|m|mins?|minutes?|h|hrs?|hours?|d|days?))\b/i,
    )?.[1],
  );
  set(
    'size',
    text
      .match(/\b(\d+(?:\.\d+)?\s?(?:Ki|Mi|Gi|Ti|K|M|G|T)(?:i?B)?)\b/)?.[1]
      ?.replace(/\s/g, '')
      .replace(/(\w)B$/, '$1'),
  );

  set(
    'snapshot',
    text.match(/\b((?:rds:)?[a-z0-9][\w-]*snap(?:shot)?[\w-]*)\b/i)?.[1] ??
      firstName(text, [/\b(?:snapshot|backup)\s+[`'"]?([\w:.-]*\d[\w:.-]*)/gi]),
  );
  set('commit', text.match(/\b(?=[0-9a-f]*[a-f])(?=[0-9a-f]*\d)([0-9a-f]{7,40})\b/)?.[1]);
  set('keyPattern', text.match(/(?:^|\s)[`'"]?([\w:.-]*\*[\w:.*-]*)[`'"]?/)?.[1]);
  set('path', text.match(/(?:^|\s)[`'"]?(\/[\w.\-/*]*)/)?.[1]);

  set(
    'flagState',
    /\b(?:turn(?:ed|ing)?\s+off|disabl\w*|switch(?:ed)?\s+off|kill)\b/i.test(text)
      ? 'off'
      : /\b(?:turn(?:ed|ing)?\s+on|enabl\w*|switch(?:ed)?\s+on|roll\s+out)\b/i.test(text)
        ? 'on'
        : undefined,
  );
  set('flag', nameFor(text, 'feature\\s+flag|flag|toggle|kill\\s+switch'));
  set('cronjob', nameFor(text, 'cron\\s*job|cronjob|cron|scheduled\\s+job'));
  set('consumerGroup', nameFor(text, 'consumer\\s+group'));
  set('topic', nameFor(text, 'topic'));
  set('queue', nameFor(text, 'dead[\\s-]*letter\\s+queue|dlq|queue'));
  set('index', nameFor(text, 'search\\s+index|index'));
  set('table', nameFor(text, 'table'));
  set('database', nameFor(text, 'database|db|cluster|rds\\s+instance'));
  set('secret', nameFor(text, 'secret|credentials?|password|api\\s+key|token'));
  set('configmap', nameFor(text, 'configmap|config\\s*map'));
  set('volume', nameFor(text, 'pvc|persistent\\s+volume\\s+claim|persistent\\s+volume|volume'));

  set('service', context?.service ?? undefined);
  set(
    'service',
    nameFor(
      text,
      'pods?|service|svc|deployment|deploy|app|application|workers?|consumers?|containers?|release|helm\\s+release|chart|microservice',
    ),
  );
  // Lacking a noun, a hyphenated identifier ("checkout-api") is most likely the service.
  if (!facts.service) {
    const taken = new Set(Object.values(facts));
    const hyphenated = [...text.matchAll(/\b([a-z][a-z0-9]*(?:-[a-z0-9]+)+)\b/g)]
      .map((match) => match[1]!)
      .find((name) => !taken.has(name) && !REGION.test(name) && !NOT_NAMES.has(name));
    set('service', hyphenated);
  }
  return facts;
}
