/**
 * draftRunbook through GraphQL with the builtin provider: realistic requests pick the right
 * catalog template and fill it with the request's own values, unrelated requests get an honest
 * no-match, nothing in a runbook comes from anywhere but the request or the template, bad input is
 * refused, and a streamed runbook arrives whole.
 */
import { describe, expect, it } from 'vitest';
import { runbook } from '../../../src/features/runbook/index.js';
import { templateById } from '../../../src/features/runbook/catalog.js';
import {
  expectBadUserInput,
  expectCompleteStream,
  serverWithBuiltinProvider,
} from '../../support/generation-queries.js';
import { DRAFT_RUNBOOK, draftRunbook, parameterValues, type RunbookView } from './queries.js';

interface Case {
  request: string;
  context?: Record<string, unknown>;
  template: string;
  parameters: Record<string, string | null>;
}

const CASES: Case[] = [
  {
    request: 'restart the checkout pods in us-east-1 if the error rate stays above 5%',
    template: 'k8s-restart-deployment',
    parameters: {
      service: 'checkout',
      region: 'us-east-1',
      error_rate_threshold: '5%',
      namespace: null,
      prometheus_url: null,
    },
  },
  {
    request: 'Roll back the bad deploy of checkout-api in the payments namespace to revision 41',
    template: 'k8s-rollback-deployment',
    parameters: { service: 'checkout-api', namespace: 'payments', revision: '41' },
  },
  {
    request: 'scale out search-api to 12 replicas, latency is spiking',
    template: 'k8s-scale-deployment',
    parameters: { service: 'search-api', replicas: '12', namespace: null },
  },
  {
    request: 'drain node ip-10-0-3-17.ec2.internal for a kernel upgrade',
    template: 'k8s-cordon-drain-node',
    parameters: { node: 'ip-10-0-3-17.ec2.internal' },
  },
  {
    request: 'fail over the orders-db cluster in us-east-1, the writer is unhealthy',
    template: 'aws-rds-failover',
    parameters: { cluster: 'orders-db', region: 'us-east-1', target_instance: null },
  },
  {
    request: 'turn off the new-checkout-flow feature flag in production',
    template: 'feature-flag-toggle',
    parameters: { flag: 'new-checkout-flow', state: 'off', environment: 'production' },
  },
  {
    request: 'block the abusive IP 198.51.100.23 at the WAF in eu-west-1',
    template: 'aws-waf-block-ip',
    parameters: { ip: '198.51.100.23', region: 'eu-west-1', scope: 'REGIONAL' },
  },
  {
    request: 'kill long-running queries on the analytics database that run longer than 10 minutes',
    template: 'postgres-kill-long-running-queries',
    parameters: { database: 'analytics', max_duration: '10 minutes' },
  },
  {
    request: 'flush the redis cache on cache-01.internal.example.com for session:* keys',
    template: 'redis-flush-cache',
    parameters: {
      redis_host: 'cache-01.internal.example.com',
      key_pattern: 'session:*',
      port: '6379',
    },
  },
  {
    request:
      'rotate the TLS certificate for api.example.com in the ingress namespace, it expires tomorrow',
    template: 'cert-manager-rotate-certificate',
    parameters: { hostname: 'api.example.com', namespace: 'ingress', certificate: null },
  },
  {
    request: 'reprocess the dead letter queue for order-events in us-west-2',
    template: 'sqs-redrive-dead-letter-queue',
    parameters: { queue: 'order-events', region: 'us-west-2' },
  },
  {
    request: 'checkout-api pods keep getting OOMKilled, raise the memory limit to 2Gi',
    template: 'k8s-increase-memory-limit',
    parameters: { service: 'checkout-api', memory_limit: '2Gi' },
  },
  {
    request: 'expand the data-postgres-0 volume to 200Gi in namespace db',
    template: 'k8s-expand-persistent-volume',
    parameters: { pvc: 'data-postgres-0', size: '200Gi', namespace: 'db' },
  },
  {
    request: 'restart the pods, they are stuck',
    context: { service: 'inventory', environment: 'staging' },
    template: 'k8s-restart-deployment',
    parameters: { service: 'inventory' },
  },
];

/**
 * The values a runbook's texts put where its template has `{{parameters}}`: each rendered text must
 * be its template text with every parameter replaced, and nothing else changed.
 */
function filledValues(templateText: string, rendered: string): string[] | undefined {
  const literal = templateText
    .split(/\{\{[a-z_]+\}\}/)
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return rendered.match(new RegExp(`^${literal.join('(.+?)')}$`, 's'))?.slice(1);
}

/**
 * Every value the builtin put into the template, that is neither in the request (or its context),
 * nor the template's own default, nor a `<placeholder>`: what the runbook invented.
 */
function inventedValues(output: RunbookView, request: string, context: unknown): string[] {
  const template = templateById(output.matchedTemplate!)!;
  const given = `${request}\n${JSON.stringify(context ?? {})}`.toLowerCase();
  const defaults = new Set(
    template.parameters.map((parameter) => parameter.default).filter(Boolean),
  );
  const values: string[] = [];
  const fill = (candidates: string[], rendered: string) => {
    const found = candidates
      .map((candidate) => filledValues(candidate, rendered))
      .find((result) => result !== undefined);
    if (!found) throw new Error(`"${rendered}" is no text of template ${template.id}`);
    values.push(...found);
  };
  // The builtin always writes a name, commands and expected results.
  fill([template.name], output.name!);
  output.preconditions.forEach((text) => fill(template.preconditions, text));
  output.rollbackSteps.forEach((text) => fill(template.rollback, text));
  for (const step of output.steps) {
    const source = template.steps.find(
      (candidate) =>
        filledValues(candidate.command, step.command!) &&
        filledValues(candidate.action, step.action) &&
        filledValues(candidate.expectedResult, step.expectedResult!),
    );
    if (!source) throw new Error(`step "${step.action}" is no step of template ${template.id}`);
    expect(step.destructive).toBe(source.destructive);
    values.push(
      ...filledValues(source.action, step.action)!,
      ...filledValues(source.command, step.command!)!,
      ...filledValues(source.expectedResult, step.expectedResult!)!,
    );
  }
  return values.filter(
    (value) =>
      !/^`?<[a-z_]+>`?$/.test(value) &&
      !defaults.has(value) &&
      !given.includes(value.toLowerCase()),
  );
}

describe('draftRunbook with the builtin provider', () => {
  const builtin = serverWithBuiltinProvider({ BUILTIN_STREAM_DELAY_MS: '0' });

  const generate = (input: Record<string, unknown>) => draftRunbook(builtin.server, input);

  it.each(CASES)(
    'picks $template for $request and fills its parameters from the request',
    async ({ request, context, template, parameters }) => {
      const generation = await generate({ request, context });
      expect(generation).toMatchObject({
        status: 'SUCCEEDED',
        feature: 'RUNBOOK',
        provider: 'builtin',
        groundingIssues: [],
        error: null,
      });
      const output = generation.output!;
      expect(output.__typename).toBe('RunbookOutput');
      expect(output.matchedTemplate).toBe(template);
      expect(output.noMatch).toBeNull();
      expect(output.riskLevel).toBe(templateById(template)!.riskLevel);
      expect(output.steps.length).toBeGreaterThan(0);
      expect(parameterValues(output)).toMatchObject(parameters);
      // A parameter the request does not give stays a visible placeholder in the commands.
      for (const [name, value] of Object.entries(parameters)) {
        if (value === null)
          expect(
            output.steps.some((step) => step.command?.includes(`<${name}>`)),
            name,
          ).toBe(true);
      }
      expect(inventedValues(output, request, context)).toEqual([]);
      // The text parses back into exactly the stored output.
      const input = runbook.inputSchema.parse({ request, context });
      expect(runbook.parseOutput(generation.text, input, { now: new Date() }).output).toEqual(
        stripTypename(output),
      );
    },
  );

  it('gates the restart on the error rate only when the request states a threshold', async () => {
    const gated = (
      await generate({
        request: 'restart the checkout pods in us-east-1 if the error rate stays above 5%',
      })
    ).output!;
    expect(gated.steps[0]!.action).toContain('above 5%');
    expect(gated.steps.map((step) => step.destructive)).toEqual([false, false, true, false, false]);
    const plain = (await generate({ request: 'restart the checkout pods' })).output!;
    expect(plain.steps.some((step) => step.command?.includes('prometheus'))).toBe(false);
    expect(plain.parameters.map((parameter) => parameter.name)).not.toContain(
      'error_rate_threshold',
    );
  });

  it('answers an unrelated request with a no-match output instead of inventing a runbook', async () => {
    const generation = await generate({ request: 'bake a chocolate cake' });
    expect(generation).toMatchObject({
      status: 'SUCCEEDED',
      provider: 'builtin',
      groundingIssues: [],
    });
    const output = generation.output!;
    expect(output).toMatchObject({
      name: 'No matching runbook',
      matchedTemplate: null,
      riskLevel: null,
      steps: [],
      parameters: [],
      closestTemplates: [],
    });
    expect(output.noMatch).toMatch(/no runbook was drafted/);
    expect(generation.text).toContain('**No match:**');
  });

  it('lists the closest templates when a request shares too little with any of them', async () => {
    const output = (await generate({ request: 'restore my deleted photos' })).output!;
    expect(output.matchedTemplate).toBeNull();
    expect(output.closestTemplates[0]).toBe('aws-rds-restore-snapshot');
    const evacuate = (await generate({ request: 'evacuate eu-west-1' })).output!;
    expect(evacuate.noMatch).not.toBeNull();
    expect(evacuate.closestTemplates).toEqual(['route53-shift-traffic-from-region']);
  });

  it('keeps to the allowed tools, and says so when that leaves no template', async () => {
    const output = (
      await generate({
        request: 'restart the checkout pods in us-east-1',
        context: { allowedTools: ['aws'] },
      })
    ).output!;
    expect(output.matchedTemplate).toBeNull();
    expect(output.noMatch).toContain('kubectl');
    const allowed = (
      await generate({
        request: 'restart the checkout pods in us-east-1',
        context: { allowedTools: ['kubectl', 'curl'] },
      })
    ).output!;
    expect(allowed.matchedTemplate).toBe('k8s-restart-deployment');
    const unrestricted = (
      await generate({
        request: 'restart the checkout pods in us-east-1',
        context: { allowedTools: [] },
      })
    ).output!;
    expect(unrestricted.matchedTemplate).toBe('k8s-restart-deployment');
  });

  it('links the draft to an incident and returns the first generation for a repeated idempotency key', async () => {
    const input = {
      request: 'drain node worker-7',
      incidentId: 'INC-4821',
      idempotencyKey: 'drain-worker-7',
    };
    const first = await generate(input);
    expect(first.incident).toEqual({ id: 'INC-4821' });
    const second = await generate(input);
    expect(second.id).toBe(first.id);
  });

  it.each([
    ['an empty request', { request: '   ' }, /request/],
    ['an overlong request', { request: 'restart '.repeat(600) }, /request/],
    ['a request of the wrong type', { request: 42 }, /String/],
    ['a missing request', { context: { service: 'checkout' } }, /request/],
    [
      'too many allowed tools',
      {
        request: 'restart the checkout pods',
        context: { allowedTools: Array.from({ length: 51 }, (_, index) => `tool-${index}`) },
      },
      /allowedTools/,
    ],
  ])('refuses %s with BAD_USER_INPUT', async (_name, input, mentions) => {
    await expectBadUserInput(builtin.server, DRAFT_RUNBOOK, input, mentions);
  });

  it('streams the runbook: deltas in order whose concatenation is the final text', async () => {
    const started = await generate({
      request: 'scale out search-api to 12 replicas',
      stream: true,
    });
    expect(started.status).toBe('RUNNING');
    await expectCompleteStream(builtin.server, started.id, 10);
    const stored = await builtin.server.graphql<{
      generation: { output: { matchedTemplate: string } };
    }>(
      'query($id: ID!) { generation(id: $id) { output { ... on RunbookOutput { matchedTemplate } } } }',
      { id: started.id },
    );
    expect(stored.data!.generation.output.matchedTemplate).toBe('k8s-scale-deployment');
  });
});

function stripTypename(output: RunbookView): Omit<RunbookView, '__typename'> {
  const { __typename: _typename, ...rest } = output;
  return rest;
}
