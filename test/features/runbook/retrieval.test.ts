/**
 * The runbook catalog and its retrieval, without a server: the catalog's own invariants, the BM25
 * arithmetic, the analysis (stemming, synonyms, phrases), the facts taken from requests, and the
 * calibration of the no-match threshold on realistic phrasings.
 */
import { describe, expect, it } from 'vitest';
import {
  MIN_MATCHED_TERMS,
  MIN_MATCH_SCORE,
  isMatch,
  referencedParameters,
  templateIndex,
} from '../../../src/features/runbook/builtin.js';
import { CATALOG } from '../../../src/features/runbook/catalog.js';
import { extractFacts } from '../../../src/features/runbook/facts.js';
import { analyze, stem } from '../../../src/features/runbook/retrieval.js';
import { Bm25Index } from '../../../src/features/shared/lexical-index.js';

describe('the catalog', () => {
  it('holds at least 25 templates with unique ids, tools, steps and a risk level', () => {
    expect(CATALOG.length).toBeGreaterThanOrEqual(25);
    expect(new Set(CATALOG.map((template) => template.id)).size).toBe(CATALOG.length);
    for (const template of CATALOG) {
      expect(template.tools.length, template.id).toBeGreaterThan(0);
      expect(template.steps.length, template.id).toBeGreaterThan(0);
      expect(template.keywords.length, template.id).toBeGreaterThan(3);
      expect(['LOW', 'MEDIUM', 'HIGH']).toContain(template.riskLevel);
    }
  });

  it('declares every {{parameter}} it uses and uses every parameter it declares', () => {
    for (const template of CATALOG) {
      const texts = [
        template.name,
        ...template.preconditions,
        ...template.rollback,
        ...template.steps.flatMap((step) => [step.action, step.command, step.expectedResult]),
      ];
      const used = new Set(texts.flatMap(referencedParameters));
      const declared = new Set(template.parameters.map((parameter) => parameter.name));
      expect(
        [...used].filter((name) => !declared.has(name)),
        template.id,
      ).toEqual([]);
      expect(
        [...declared].filter((name) => !used.has(name)),
        template.id,
      ).toEqual([]);
      for (const step of template.steps) {
        if (step.onlyIf)
          expect(declared.has(step.onlyIf), `${template.id} onlyIf ${step.onlyIf}`).toBe(true);
        if (step.unless)
          expect(declared.has(step.unless), `${template.id} unless ${step.unless}`).toBe(true);
      }
    }
  });

  it('marks the steps that change production as destructive', () => {
    const restart = CATALOG.find((template) => template.id === 'k8s-restart-deployment')!;
    expect(
      restart.steps.find((step) => step.command.includes('rollout restart'))!.destructive,
    ).toBe(true);
    expect(restart.steps.find((step) => step.command.includes('rollout status'))!.destructive).toBe(
      false,
    );
  });
});

describe('analysis', () => {
  it('stems lightly', () => {
    expect(['restarting', 'restarted', 'restarts', 'restart'].map(stem)).toEqual([
      'restart',
      'restart',
      'restart',
      'restart',
    ]);
    expect(['pods', 'queries', 'scaling', 'scale', 'stopped'].map(stem)).toEqual([
      'pod',
      'query',
      'scal',
      'scal',
      'stop',
    ]);
    expect(stem('pass')).toBe('pass');
  });

  it('joins phrases, maps synonyms, and drops stopwords and bare numbers', () => {
    expect(analyze('Please bounce the pods now')).toEqual(['restart', 'pod']);
    expect(analyze('roll back the release')).toEqual(['rollback', 'releas']);
    expect(analyze('redrive the DLQ')).toEqual(['redriv', 'deadletter']);
    expect(analyze('fail over the primary DB')).toEqual(['failover', 'primary', 'databas']);
    expect(analyze('scale to 12 replicas')).toEqual(['scal', 'replica']);
    expect(analyze('renew the TLS cert')).toEqual(['renew', 'cert', 'cert']);
  });
});

describe('BM25', () => {
  const documents = [
    'restart the pods',
    'drain the node',
    'restart restart restart the node and the service host',
  ];
  // The shared scorer over the runbook's analysis, as the catalog's templateIndex uses it.
  const index = new Bm25Index(documents, (text) => text, analyze);

  it('computes Okapi BM25 with k1 = 1.2 and b = 0.75', () => {
    // Hand computation for "restart pod" against the first document.
    const n = documents.length;
    const lengths = documents.map((text) => analyze(text).length); // [2, 2, 7]
    const average = lengths.reduce((sum, length) => sum + length, 0) / n;
    const idf = (df: number) => Math.log(1 + (n - df + 0.5) / (df + 0.5));
    const term = (tf: number, df: number, length: number) =>
      (idf(df) * tf * 2.2) / (tf + 1.2 * (0.25 + (0.75 * length) / average));
    const expected = term(1, 2, lengths[0]!) + term(1, 1, lengths[0]!);
    const [first] = index.search('restart pod');
    expect(first!.item).toBe(documents[0]);
    expect(first!.score).toBeCloseTo(expected, 10);
    expect(first!.matched).toEqual(['restart', 'pod']);
  });

  it('weighs rare terms above common ones, saturates term frequency, and penalises length', () => {
    expect(index.idf('pod')).toBeGreaterThan(index.idf('restart'));
    const scores = Object.fromEntries(
      index.search('restart').map(({ item, score }) => [item, score]),
    );
    // Three occurrences in a longer document score more than one, but far from three times as much.
    expect(scores[documents[2]!]).toBeGreaterThan(scores[documents[0]!]!);
    expect(scores[documents[2]!]).toBeLessThan(2 * scores[documents[0]!]!);
  });

  it('scores zero for a query that shares nothing, and counts a repeated query term once', () => {
    expect(index.search('bake a chocolate cake').every(({ score }) => score === 0)).toBe(true);
    expect(index.search('restart restart pods')[0]!.score).toBeCloseTo(
      index.search('restart pods')[0]!.score,
      12,
    );
  });
});

/** On-topic phrasings and the template each should pick; the calibration set of MIN_MATCH_SCORE. */
const ON_TOPIC: [string, string][] = [
  [
    'restart the checkout pods in us-east-1 if the error rate stays above 5%',
    'k8s-restart-deployment',
  ],
  ['bounce the payments-api deployment in namespace payments', 'k8s-restart-deployment'],
  ['restart nginx on web-03', 'systemd-restart-service'],
  ['roll back the bad deploy of checkout-api to revision 41', 'k8s-rollback-deployment'],
  ['helm rollback the orders release, the upgrade failed', 'helm-rollback-release'],
  ['scale out search-api to 12 replicas, latency is spiking', 'k8s-scale-deployment'],
  [
    'increase the desired capacity of the web auto scaling group to 10 instances in eu-west-1',
    'aws-scale-asg',
  ],
  ['drain node ip-10-0-3-17.ec2.internal for a kernel upgrade', 'k8s-cordon-drain-node'],
  ['cordon and drain the node worker-7', 'k8s-cordon-drain-node'],
  ['disk is 95% full on db-replica-2, free up some space', 'host-free-disk-space'],
  ['clear disk space on build-agent-4, no space left on device', 'host-free-disk-space'],
  [
    'rotate the TLS certificate for api.example.com, it expires tomorrow',
    'cert-manager-rotate-certificate',
  ],
  [
    'renew the expired letsencrypt certificate on the nginx box with certbot',
    'certbot-renew-certificate',
  ],
  ['flush the redis cache for session:* keys', 'redis-flush-cache'],
  ['fail over the orders database in us-east-1 to the replica', 'aws-rds-failover'],
  ['the primary postgres db is unhealthy, promote the replica', 'aws-rds-failover'],
  ['turn off the new-checkout-flow feature flag in production', 'feature-flag-toggle'],
  ['disable the kill switch for recommendations', 'feature-flag-toggle'],
  ['the emails queue consumer is stuck, messages are piling up', 'rabbitmq-restart-stuck-consumer'],
  [
    'reset the kafka consumer group offsets for billing-events to skip the poison message',
    'kafka-reset-consumer-offsets',
  ],
  ['purge the CDN cache for /static/*', 'cloudfront-purge-cdn-cache'],
  [
    'invalidate the cloudfront distribution after the bad asset publish',
    'cloudfront-purge-cdn-cache',
  ],
  ['update the DNS A record for status.example.com to 203.0.113.10', 'route53-update-dns-record'],
  ['renew the dns record for api.example.com in route 53', 'route53-update-dns-record'],
  ['flush the dns resolver cache, coredns is serving stale answers', 'dns-flush-resolver-cache'],
  ['increase the connection pool of orders-api to 50', 'k8s-increase-connection-pool'],
  [
    'kill long-running queries on the analytics database older than 10 minutes',
    'postgres-kill-long-running-queries',
  ],
  ['terminate slow queries blocking the orders db', 'postgres-kill-long-running-queries'],
  ['rebuild the products search index in elasticsearch', 'elasticsearch-rebuild-index'],
  ['rotate the leaked stripe api key secret', 'aws-rotate-secret'],
  ['rotate the database password credentials for billing', 'aws-rotate-secret'],
  ['block the abusive IP 198.51.100.23 at the waf', 'aws-waf-block-ip'],
  ['ban this ip 203.0.113.7, it is credential stuffing', 'aws-waf-block-ip'],
  ["restore the orders database from last night's backup snapshot", 'aws-rds-restore-snapshot'],
  ['run vacuum on the events table, it is bloated', 'postgres-vacuum-table'],
  ['reindex the orders_created_at_idx index in postgres', 'postgres-reindex'],
  ['the nightly-report cron job did not run, restart it', 'k8s-rerun-cronjob'],
  ['reprocess the dead letter queue for order-events', 'sqs-redrive-dead-letter-queue'],
  ['redrive the DLQ of payments-webhooks', 'sqs-redrive-dead-letter-queue'],
  ['revert the config change to the checkout configmap', 'k8s-rollback-config-change'],
  ['roll back the bad configuration change in commit 3f9a2c1', 'k8s-rollback-config-change'],
  ['expand the data-postgres-0 volume to 200Gi', 'k8s-expand-persistent-volume'],
  ['the pvc is almost full, resize it', 'k8s-expand-persistent-volume'],
  [
    'checkout pods keep getting OOMKilled, raise the memory limit to 2Gi',
    'k8s-increase-memory-limit',
  ],
  [
    'shift traffic away from us-east-1, the payment provider is down there',
    'route53-shift-traffic-from-region',
  ],
];

/** Requests no template should answer, several sharing one operational word with the catalog. */
const OFF_TOPIC = [
  'bake a chocolate cake',
  'what is the weather in paris',
  'book a flight to us-east',
  'order pizza for the team',
  'plan the offsite agenda',
  'translate this document to french',
  'restart my laptop',
  'scale the recipe for six people',
  'drain the pasta',
  'write a poem about kubernetes',
  'fix the bug in the login page css',
  'upgrade my phone',
  'flush the toilet',
  'clean the kitchen',
  'block my calendar for tomorrow',
  'rotate the pdf by 90 degrees',
  'roll back my car seat',
  'restore my deleted photos',
  'cancel my netflix subscription',
  'index cards for the meeting',
  'drain the pool and clean the filter',
  'kill the spider in the basement',
  'rotate the tires and flush the brake fluid',
  'block the road and drain the flood water',
  'renew my passport and restore my old account',
  'clean and restart the coffee machine',
  'scale the drawing and rotate the image',
];

describe('the no-match threshold', () => {
  it.each(ON_TOPIC)('matches %j to %s', (request, id) => {
    const [best] = templateIndex.search(request).filter(isMatch);
    expect(best?.item.id).toBe(id);
  });

  it.each(OFF_TOPIC)('matches nothing for %j', (request) => {
    expect(templateIndex.search(request).filter(isMatch)).toEqual([]);
  });

  it('separates the calibration sets with a margin on both sides', () => {
    const weakestOnTopic = Math.min(
      ...ON_TOPIC.map(
        ([request, id]) => templateIndex.search(request).find((hit) => hit.item.id === id)!.score,
      ),
    );
    // Off-topic requests that share two or more words with a template: the score alone must reject them.
    const strongestTwoWordOffTopic = Math.max(
      ...OFF_TOPIC.flatMap((request) =>
        templateIndex
          .search(request)
          .filter((hit) => hit.matched.length >= MIN_MATCHED_TERMS)
          .map((hit) => hit.score),
      ),
    );
    expect(weakestOnTopic).toBeGreaterThan(MIN_MATCH_SCORE);
    expect(strongestTwoWordOffTopic).toBeLessThan(MIN_MATCH_SCORE);
    // One shared word can score above the threshold: that is why two matched terms are required.
    const strongestOneWordOffTopic = Math.max(
      ...OFF_TOPIC.map((request) => templateIndex.search(request)[0]!.score),
    );
    expect(strongestOneWordOffTopic).toBeGreaterThan(MIN_MATCH_SCORE);
  });
});

describe('facts taken from a request', () => {
  it('reads service, region and threshold from the issue’s example', () => {
    expect(
      extractFacts('restart the checkout pods in us-east-1 if the error rate stays above 5%'),
    ).toMatchObject({ service: 'checkout', region: 'us-east-1', threshold: '5%' });
  });

  it('reads namespaces, replicas, revisions, versions, hosts, IPs, sizes and durations', () => {
    expect(extractFacts('scale search-api in namespace search to 12 replicas')).toMatchObject({
      service: 'search-api',
      namespace: 'search',
      replicas: '12',
    });
    expect(
      extractFacts('roll back checkout-api in the payments namespace to revision 41'),
    ).toMatchObject({ service: 'checkout-api', namespace: 'payments', revision: '41' });
    expect(extractFacts('pin checkout-api to v2.14.1')).toMatchObject({ version: 'v2.14.1' });
    expect(extractFacts('drain node ip-10-0-3-17.ec2.internal')).toMatchObject({
      node: 'ip-10-0-3-17.ec2.internal',
      hostname: 'ip-10-0-3-17.ec2.internal',
    });
    expect(extractFacts('block 203.0.113.0/24 at the waf')).toMatchObject({
      ip: '203.0.113.0',
      ipCidr: '203.0.113.0/24',
    });
    expect(extractFacts('block 203.0.113.7 at the waf').ipCidr).toBeUndefined();
    expect(extractFacts('expand the data-postgres-0 volume to 200Gi')).toMatchObject({
      volume: 'data-postgres-0',
      size: '200Gi',
    });
    expect(extractFacts('kill queries running longer than 10 minutes')).toMatchObject({
      duration: '10 minutes',
    });
  });

  it('takes the service and environment from the context when the request does not name them', () => {
    expect(
      extractFacts('restart the stuck pods', { service: 'inventory', environment: 'staging' }),
    ).toMatchObject({ service: 'inventory', environment: 'staging' });
  });

  it('states nothing it was not told', () => {
    const facts = extractFacts('restart the pods');
    expect(facts).toEqual({});
  });
});
