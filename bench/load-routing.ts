/**
 * Routing under load (issue #9): `routeTicket` queries at increasing request rates against the real
 * subgraph (builtin provider only, so the cascade's local model decides and nothing calls an LLM),
 * on a taxonomy of CLINC150's 150 intents trained through the API on its 15,000 training rows. The
 * highest rate at which p99 stays under 50 ms, compared with a bare `node:http` handler calling the
 * same trained model in process at the same rates: the ratio is the cost of GraphQL and of
 * everything the subgraph does around the model (authentication, limits, the stored prediction).
 *
 *   npx tsx bench/load-routing.ts                 steps of 5 s from 25 req/s, doubling
 *   npx tsx bench/load-routing.ts --seconds 10    longer steps
 *   npx tsx bench/load-routing.ts --smoke         ten intents, two short steps: that both targets
 *                                                 still answer every request (CI; exits 1 if not)
 *
 * Load comes from this process at a steady rate per step (one request every 1000 / rate ms, open
 * loop, latency from each request's due time: `support/paced-load.ts`, which says why not
 * autocannon) over keep-alive connections on loopback.
 * A step passes when p99 < 50 ms, no request failed and at least 90 % of the rate was achieved.
 * The ladder doubles the rate until the target saturates (less than 90 % of the rate achieved),
 * then tries once between the highest passing step and the next. On a shared machine the p99
 * moves with other people's work, so each step also prints the target's CPU time per request,
 * read from /proc (robust to that), and the rate one core could sustain at that cost.
 */
import { join } from 'node:path';
import { trainClincTaxonomy, clincTestTickets } from './support/clinc-taxonomy.js';
import {
  Child,
  GraphQLHttpClient,
  failSmokeRunOn,
  flag,
  load,
  machine,
  ms,
  percentile,
  startServer,
  SMOKE,
  table,
} from './support/harness.js';
import { BENCH_ACCOUNT } from './support/fixtures.js';
import { pacedLoad } from './support/paced-load.js';
import { cpuMsOf } from './support/proc-cpu.js';

const P99_TARGET_MS = 50;
const STEP_SECONDS = Number(flag('seconds') ?? (SMOKE ? 1 : 5));
const FIRST_RATE = 25;
const MAX_RATE = SMOKE ? 50 : 12_800;

interface Target {
  name: string;
  url: string;
  pid: number;
  /** The JSON body of the request for one ticket (POSTed to `url`). */
  body(ticket: { id: string; body: string }): string;
  /** Whether a 200 response still reports a failure (GraphQL puts errors in the body). */
  failed(body: string): boolean;
  authorization?: string;
}

interface Step {
  rate: number;
  achieved: number;
  p50: number;
  p99: number;
  failed: number;
  cpuMsPerRequest: number;
  load: string;
  passed: boolean;
}

const tickets = clincTestTickets();
/** The first failed answer, printed once: what to look at when a step fails. */
let firstFailure: string | undefined;

async function runStep(target: Target, rate: number, seconds: number): Promise<Step> {
  let next = 0;
  const cpuBefore = cpuMsOf(target.pid);
  const result = await pacedLoad({
    url: target.url,
    rate,
    seconds,
    // Every request a ticket id of its own: a ticket routed before would be answered from its
    // stored decision, and this measures deciding.
    body: () => {
      const n = next++;
      const ticket = tickets[n % tickets.length]!;
      return target.body({ ...ticket, id: `${ticket.id}-${n}` });
    },
    failed: target.failed,
    ...(target.authorization ? { authorization: target.authorization } : {}),
    onFailure: (answer) => {
      if (!firstFailure) console.error(`${target.name}, first failure: ${(firstFailure = answer)}`);
    },
  });
  const cpuMs = cpuMsOf(target.pid) - cpuBefore;
  const answered = result.latencies.length;
  const achieved = answered / (result.elapsedMs / 1000);
  const [p50, p99] = [percentile(result.latencies, 50), percentile(result.latencies, 99)];
  return {
    rate,
    achieved,
    p50,
    p99,
    failed: result.failed,
    cpuMsPerRequest: cpuMs / Math.max(1, answered),
    load: load().replace('load average ', ''),
    passed: p99 < P99_TARGET_MS && result.failed === 0 && achieved >= 0.9 * rate,
  };
}

/** Doubling rates until the target saturates, then one step between the highest pass and the next rate. */
async function ladder(target: Target): Promise<Step[]> {
  await runStep(target, FIRST_RATE, SMOKE ? 1 : 3); // warm-up (JIT, connections, caches), not counted
  const steps: Step[] = [];
  for (let rate = FIRST_RATE; rate <= MAX_RATE; rate *= 2) {
    const step = await runStep(target, rate, STEP_SECONDS);
    steps.push(step);
    console.error(
      `${target.name}: ${rate} req/s → p99 ${ms(step.p99)} ms, ${step.failed} failed, ${step.achieved.toFixed(0)} achieved`,
    );
    if (step.achieved < 0.9 * rate) break;
  }
  const highest = best(steps);
  if (highest > 0 && steps.some((step) => step.rate === highest * 2))
    steps.push(await runStep(target, Math.round(highest * 1.5), STEP_SECONDS));
  return steps.sort((a, b) => a.rate - b.rate);
}

const best = (steps: Step[]) =>
  Math.max(0, ...steps.filter((step) => step.passed).map((step) => step.rate));

function print(name: string, steps: Step[]): void {
  console.log(`\n${name}:\n`);
  console.log(
    table(
      [
        'target req/s',
        'achieved req/s',
        'p50 ms',
        'p99 ms',
        'failed',
        'CPU ms / request',
        'req/s one core could serve at that cost',
        'load average',
        `p99 < ${P99_TARGET_MS} ms`,
      ],
      steps.map((step) => [
        step.rate,
        step.achieved.toFixed(0),
        ms(step.p50),
        ms(step.p99),
        step.failed,
        step.cpuMsPerRequest.toFixed(2),
        (1000 / step.cpuMsPerRequest).toFixed(0),
        step.load,
        step.passed ? 'yes' : 'no',
      ]),
    ),
  );
}

async function main(): Promise<void> {
  console.log(
    `# Routing under load\n\n${machine()}\nsteps of ${STEP_SECONDS} s, autocannon in the load generator, every process on loopback\n`,
  );
  // Builtin only: no LLM in the ROUTING chain, so unsure tickets go to review without a provider call.
  const server = await startServer({
    doubleUrl: 'http://127.0.0.1:9/v1',
    maxConcurrent: 32,
    features: { ROUTING: { chain: ['builtin:builtin'] } },
  });
  const client = new GraphQLHttpClient(server.url, server.authorization);
  const taxonomy = await trainClincTaxonomy(client, 'clinc150', SMOKE ? 10 : Infinity);
  client.close();
  console.log(
    `taxonomy: ${taxonomy.categories} categories, trained on ${taxonomy.trainedOn} tickets in ${taxonomy.trainSeconds.toFixed(1)} s (held-out accuracy ${(taxonomy.heldoutAccuracy * 100).toFixed(1)} %)`,
  );

  const query =
    'query Route($ticket: TicketInput!, $taxonomyId: ID) { routeTicket(ticket: $ticket, taxonomyId: $taxonomyId) { category confidence decidedBy needsReview target } }';
  const subgraph = await ladder({
    name: 'subgraph',
    url: server.url,
    pid: server.process.pid!,
    body: (ticket) =>
      JSON.stringify({ query, variables: { ticket, taxonomyId: taxonomy.taxonomyId } }),
    failed: (body) => body.includes('"errors"'),
    authorization: server.authorization,
  });

  // The subgraph stops (keeping its store) so the baseline can read the model it trained.
  await server.call({ type: 'stop' });
  await server.exited;
  const bare = await Child.fork('bare-router-process.ts', {
    BENCH_DATA_DIR: join(server.dataDir, 'pgdata'),
    BENCH_ACCOUNT,
    BENCH_TAXONOMY_ID: taxonomy.taxonomyId,
  });
  const baseline = await ladder({
    name: 'bare node:http',
    url: bare.url,
    pid: bare.process.pid!,
    body: (ticket) => JSON.stringify({ body: ticket.body }),
    failed: () => false,
  });
  await bare.stop();
  await server.stop();

  print('`routeTicket` through the subgraph (GraphQL over HTTP, one ticket per request)', subgraph);
  print('bare `node:http` handler, same model, same tickets', baseline);
  const [graphql, direct] = [best(subgraph), best(baseline)];
  console.log(
    `\nhighest rate with p99 < ${P99_TARGET_MS} ms: subgraph ${graphql} req/s, bare handler ${direct} req/s${direct >= MAX_RATE ? ' (the ladder’s cap)' : ''}; ratio ${direct > 0 ? (graphql / direct).toFixed(3) : '—'}`,
  );
  // The CPU cost per request at the rates both reached unsaturated: the ratio least moved by other work on the machine.
  const paired = subgraph
    .filter((step) => step.achieved >= 0.9 * step.rate)
    .flatMap((step) =>
      baseline.filter((other) => other.rate === step.rate).map((other) => [step, other] as const),
    );
  for (const [graphqlStep, bareStep] of paired) {
    console.log(
      `CPU per request at ${graphqlStep.rate} req/s: subgraph ${graphqlStep.cpuMsPerRequest.toFixed(2)} ms, bare ${bareStep.cpuMsPerRequest.toFixed(2)} ms (bare / subgraph ${(bareStep.cpuMsPerRequest / graphqlStep.cpuMsPerRequest).toFixed(3)})`,
    );
  }
  const failed = [...subgraph, ...baseline].reduce((sum, step) => sum + step.failed, 0);
  failSmokeRunOn(failed, 'requests');
}

await main();
