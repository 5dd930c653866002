/**
 * The HTML report in a real browser (Debian's Chromium, headless, through playwright-core): a
 * 150-category routing run and a judged generation run. The heatmap, bars and curves must be drawn
 * (SVG elements present, non-empty, with a size on screen); nothing is fetched from the network;
 * screenshots land in test-output/ for a person to look at.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderReport } from '../../../src/services/evaluation/report/render.js';
import { generationSummary, routingSummary } from '../../../src/services/evaluation/summary.js';
import type {
  EvalResultRecord,
  EvalRunRecord,
} from '../../../src/infra/store/evaluation/eval-runs.js';
import { launchChromium, TEST_OUTPUT, type HeadlessChromium } from '../../support/browser.js';

const OUTPUT = TEST_OUTPUT;

/** A deterministic pseudo-random sequence, so the fixture is the same on every run. */
function random(seed: number) {
  let state = seed;
  return () => (state = (state * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
}

function run(kind: 'ROUTING' | 'GENERATION', total: number): EvalRunRecord {
  return {
    id: '6f1c2a56-0d5e-4a5b-9a57-3c1de1f0a001',
    accountId: 'dev',
    kind,
    datasetId: '6f1c2a56-0d5e-4a5b-9a57-3c1de1f0a002',
    target: kind === 'ROUTING' ? 'CASCADE' : 'CHAIN',
    judge: kind === 'GENERATION' ? 'openai:gpt-4o' : null,
    pairwiseAgainst: kind === 'GENERATION' ? 'REFERENCE' : null,
    judgePromptVersion: kind === 'GENERATION' ? 'judge/1' : null,
    judgePrompt: null,
    concurrency: 4,
    batchSize: 20,
    status: 'SUCCEEDED',
    caseIds: [],
    total,
    done: total,
    taxonomyVersion: kind === 'ROUTING' ? 1 : null,
    routerModelId: null,
    summary: null,
    error: null,
    createdAt: new Date('2026-11-22T09:00:00Z'),
    heartbeatAt: new Date('2026-11-22T09:05:00Z'),
    finishedAt: new Date('2026-11-22T09:05:00Z'),
  };
}

const base = {
  needsReview: false,
  score: null,
  inputTokens: 0,
  outputTokens: 0,
  costUsd: 0,
  generationId: null,
  createdAt: new Date(),
};

function routingResults(categories: string[]): EvalResultRecord[] {
  const next = random(7);
  const results: EvalResultRecord[] = [];
  categories.forEach((category, index) => {
    for (let n = 0; n < 30; n++) {
      const roll = next();
      // Mostly right; some confused with a neighbour (as similar intents are), a few Unknown.
      const predicted =
        roll < 0.86 ? category : roll < 0.95 ? categories[(index + 1) % categories.length]! : null;
      const confidence = predicted === category ? 0.6 + next() * 0.4 : next() * 0.8;
      results.push({
        ...base,
        runId: 'r',
        caseId: `${index}-${n}`,
        position: results.length,
        expected: category,
        predicted,
        correct: predicted === category,
        decidedBy: confidence >= 0.8 ? 'LOCAL_MODEL' : 'LLM',
        needsReview: predicted === null || confidence < 0.5,
        confidence,
        latencyMs: Math.round(20 + next() * 400),
        inputTokens: 100,
        outputTokens: 10,
        costUsd: 0.0001,
        detail: {},
      });
    }
  });
  return results;
}

function generationResults(): EvalResultRecord[] {
  const next = random(11);
  return Array.from({ length: 24 }, (_, index) => {
    const score = 1 + Math.floor(next() * 5) + next() * 0.5;
    const grounded = next() > 0.2;
    return {
      ...base,
      runId: 'r',
      caseId: `g${index}`,
      position: index,
      expected: null,
      predicted: null,
      correct: grounded && score >= 3.5,
      decidedBy: 'openai:gpt-4o-mini',
      confidence: null,
      score: Math.min(5, score),
      latencyMs: 800 + index * 40,
      detail: {
        feature: 'POSTMORTEM',
        checks: {
          validates: true,
          missingSections: grounded ? [] : ['Action items'],
          groundingIssues: grounded ? 0 : 2,
          withinLength: true,
          words: 420,
        },
        rubric: [
          {
            criterion: 'Faithful',
            score: Math.round(Math.min(5, score)),
            reason: 'names a time <b>not</b> in the timeline',
          },
        ],
        pairwise: {
          outcome: ['WIN', 'TIE', 'LOSS'][index % 3],
          positionConsistent: index % 4 !== 0,
          against: 'REFERENCE',
        },
        output: `# Postmortem ${index}\n<script>alert(1)</script> Summary of the outage.`,
      },
    };
  });
}

describe('the evaluation report in headless Chromium', () => {
  let browser: HeadlessChromium;

  beforeAll(async () => {
    mkdirSync(OUTPUT, { recursive: true });
    browser = await launchChromium();
  });
  afterAll(() => browser?.close());

  it('draws a readable 150-category routing report: heatmap, bars, coverage curve, top confusions', async () => {
    const categories = Array.from(
      { length: 150 },
      (_, index) => `intent_${String(index).padStart(3, '0')}`,
    );
    const results = routingResults(categories);
    const html = renderReport({
      run: run('ROUTING', results.length),
      summary: routingSummary(results, categories),
      results,
      datasetName: 'clinc150',
    });
    expect(html).not.toMatch(/<script|<link|src=/);

    const page = await browser.newPage();
    const requests: string[] = [];
    page.on('request', (request) => requests.push(request.url()));
    await page.setContent(html, { waitUntil: 'load' });
    expect(requests.filter((url) => !url.startsWith('data:') && url !== 'about:blank')).toEqual([]);

    const heatmap = page.locator('svg#confusion-heatmap');
    const cells = await heatmap.locator('rect.cell').count();
    // Every category's diagonal plus its off-diagonal confusions and Unknowns.
    expect(cells).toBeGreaterThan(300);
    expect(await heatmap.locator('rect.cell.diag').count()).toBe(150);
    const box = await heatmap.boundingBox();
    expect(box!.width).toBeGreaterThan(600);
    expect(box!.height).toBeGreaterThan(600);
    expect(await heatmap.locator('rect.cell >> nth=0').getAttribute('fill')).toMatch(/^hsl\(/);

    expect(await page.locator('svg#category-bars rect.bar').count()).toBe(150 * 3);
    const curve = await page.locator('svg#coverage path.curve').getAttribute('d');
    expect(curve!.split('L').length).toBeGreaterThan(20);
    expect(await page.locator('svg#coverage circle.mark').count()).toBe(1);
    expect(await page.locator('svg#stages rect.bar').count()).toBe(2);
    expect(
      await page
        .locator('table')
        .filter({ hasText: 'share of labeled' })
        .locator('tbody tr')
        .count(),
    ).toBe(25);
    // Neighbouring intents are confused, so the ordering puts them side by side: the first rows' labels are adjacent intents.
    await page.screenshot({ path: join(OUTPUT, 'eval-report-routing.png'), fullPage: false });
    await heatmap.screenshot({ path: join(OUTPUT, 'eval-report-heatmap.png') });
    await page.close();
  });

  it('draws a generation report: score distribution, pairwise outcomes, worst cases (escaped)', async () => {
    const results = generationResults();
    const html = renderReport({
      run: run('GENERATION', results.length),
      summary: generationSummary(results),
      results,
      datasetName: 'postmortems',
    });
    const page = await browser.newPage();
    let dialogs = 0;
    page.on('dialog', (dialog) => {
      dialogs++;
      void dialog.dismiss();
    });
    await page.setContent(html, { waitUntil: 'load' });
    expect(await page.locator('svg#score-histogram rect.bar').count()).toBe(5);
    expect(await page.locator('svg#pairwise-outcomes rect.bar').count()).toBe(3);
    const worst = page.locator('table').filter({ hasText: 'what went wrong' });
    expect(await worst.locator('tbody tr').count()).toBeGreaterThan(3);
    expect(await worst.textContent()).toContain('<script>alert(1)</script>');
    expect(dialogs).toBe(0);
    await page.screenshot({ path: join(OUTPUT, 'eval-report-generation.png'), fullPage: true });
    await page.close();
  });
});
