/**
 * The labeled collections the injection classifier is trained and measured on: the six sources of
 * the shared training file, this project's own attack and look-alike sets, and ordinary support
 * utterances (CLINC150) and technical prose (the README and CHANGELOG files of the installed
 * packages) as the everyday benign text the screen must leave alone. Paths are
 * relative to the repository, so the same command works in any clone that has ../shared beside it.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { clincUtterances } from '../clinc150.js';
import { concatenatedAttacks } from './concatenated.js';
import { contrastPairs } from './contrast.js';
import { creativeBenign } from './creative-benign.js';
import { hardNegatives } from './hard-negatives.js';
import { carrierTexts, indirectInjections } from './indirect.js';
import { lookalikeSets } from './lookalikes.js';
import { MULTILINGUAL_ATTACKS } from './multilingual.js';
import { multilingualAttackCombos, multilingualBenign } from './multilingual-more.js';
import { MULTILINGUAL_HELDOUT } from './multilingual-heldout.js';
import { obfuscatedInjections } from './obfuscated.js';
import { ENGLISH_ATTACKS, MULTILINGUAL_PARAPHRASES } from './paraphrases.js';

export interface Example {
  text: string;
  injection: boolean;
  /** The collection it belongs to: held out together. */
  collection: string;
  /** Finer grouping for the measured table (carrier, language, disguise). */
  group: string;
}

const repo = (path: string): string => fileURLToPath(new URL(`../../${path}`, import.meta.url));

export const SHARED_TRAIN = repo('../shared/datasets/injection/train.jsonl');

/** The shared file, each row in the collection of its source. */
export function sharedExamples(): Example[] {
  return readFileSync(SHARED_TRAIN, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const row = JSON.parse(line) as { text: string; label: string; source: string };
      return {
        text: row.text,
        injection: row.label === 'injection',
        collection: row.source,
        group: row.source,
      };
    });
}

/** This project's own sets, each a collection of its own. */
export function ownExamples(): Example[] {
  return [
    ...indirectInjections().map(({ carrier, text }) => ({
      text,
      injection: true,
      collection: 'own:indirect',
      group: carrier,
    })),
    // Two halves, each language in both: held out in turn, each half measures new sentences in
    // languages the model has seen, as a public collection in those languages would be.
    ...Object.entries(MULTILINGUAL_ATTACKS).flatMap(([language, texts]) =>
      texts.map((text, i) => ({
        text,
        injection: true,
        collection: `own:multilingual-${i % 2 === 0 ? 'a' : 'b'}`,
        group: language,
      })),
    ),
    // multilingual-more.ts, held out whole: its attacks share their parts with one another.
    ...multilingualAttackCombos().map(({ language, text }) => ({
      text,
      injection: true,
      collection: 'own:multilingual-more',
      group: language,
    })),
    ...multilingualBenign().map(({ language, text }) => ({
      text,
      injection: false,
      collection: 'own:multilingual-more',
      group: language,
    })),
    ...obfuscatedInjections().map(({ obfuscation, text }) => ({
      text,
      injection: true,
      collection: 'own:obfuscated',
      group: obfuscation,
    })),
    ...lookalikeSets().flatMap(({ set, texts }) =>
      texts.map((text) => ({
        text,
        injection: false,
        collection: `own:lookalikes-${set}`,
        group: set,
      })),
    ),
    ...hardNegatives().map((text) => ({
      text,
      injection: false,
      collection: 'own:hard-negatives',
      group: 'hard negatives',
    })),
    // paraphrases.ts: handwritten sentences, none a template of another, held out in two halves.
    ...ENGLISH_ATTACKS.map((text, i) => ({
      text,
      injection: true,
      collection: `own:paraphrases-en-${i % 2 === 0 ? 'a' : 'b'}`,
      group: 'English paraphrases',
    })),
    ...Object.entries(MULTILINGUAL_PARAPHRASES).flatMap(([language, texts]) =>
      texts.map((text, i) => ({
        text,
        injection: true,
        collection: `own:paraphrases-ml-${i % 2 === 0 ? 'a' : 'b'}`,
        group: language,
      })),
    ),
    ...concatenatedAttacks().map(({ half, text }) => ({
      text,
      injection: true,
      collection: `own:concatenated-${half}`,
      group: 'attack after a question',
    })),
    ...creativeBenign().map(({ set, language, text }) => ({
      text,
      injection: false,
      collection: `own:benign-${set}`,
      group: set === 'lookalikes-ml' ? language : set,
    })),
    // contrast.ts: minimal pairs, both labels held out whole.
    ...contrastPairs().map(({ language, injection, text }) => ({
      text,
      injection,
      collection: 'own:contrast-switch',
      group: `task switch ${language}`,
    })),
    ...carrierTexts().map((text) => ({
      text,
      injection: false,
      collection: 'own:carriers',
      group: 'documents without attacks',
    })),
  ];
}

/**
 * Never trained on, by the shipped model or any other: multilingual-heldout.ts, phrased apart from
 * the training sets, so its figures are those of new text in the ten languages.
 */
export function heldOutExamples(): Example[] {
  return Object.entries(MULTILINGUAL_HELDOUT).flatMap(([language, { attacks, benign }]) => [
    ...attacks.map((text) => ({
      text,
      injection: true,
      collection: 'own:multilingual-heldout',
      group: language,
    })),
    ...benign.map((text) => ({
      text,
      injection: false,
      collection: 'own:multilingual-heldout',
      group: language,
    })),
  ]);
}

/** Benign everyday text for training: every fifth CLINC150 training utterance. */
export function ordinaryExamples(): Example[] {
  return clincUtterances('train', 'oos_train')
    .filter((_, i) => i % 5 === 0)
    .map((text) => ({ text, injection: false, collection: 'clinc150:train', group: 'support' }));
}

/**
 * Paragraphs of the READMEs and CHANGELOGs in node_modules: thousands of benign texts full of the
 * attackers' words ("ignore", "override", "instructions", "prompt") in their ordinary senses, and
 * of code and log excerpts. The lockfile pins the packages, so the set is the same in every clone.
 */
export function documentationExamples(limit = 6000): Example[] {
  const root = repo('node_modules');
  const packages = readdirSync(root)
    .flatMap((name) =>
      name.startsWith('@') ? readdirSync(`${root}/${name}`).map((sub) => `${name}/${sub}`) : [name],
    )
    .sort();
  const paragraphs = new Set<string>();
  for (const name of packages) {
    for (const file of ['README.md', 'CHANGELOG.md']) {
      const path = `${root}/${name}/${file}`;
      if (!existsSync(path)) continue;
      for (const paragraph of readFileSync(path, 'utf8').split(/\n\s*\n/)) {
        const text = paragraph.trim();
        if (text.length >= 40 && text.length <= 1500) paragraphs.add(text);
      }
    }
  }
  const all = [...paragraphs];
  const step = Math.max(1, Math.floor(all.length / limit));
  return all
    .filter((_, i) => i % step === 0)
    .slice(0, limit)
    .map((text) => ({
      text,
      injection: false,
      collection: 'docs:node_modules',
      group: 'technical prose',
    }));
}

/** The job-log fixtures' non-empty lines: ordinary log text, never trained on. */
export function jobLogLines(): string[] {
  const logs = repo('test/fixtures/job-logs/');
  return readdirSync(logs)
    .filter((f) => f.endsWith('.log'))
    .flatMap((f) =>
      readFileSync(logs + f, 'utf8')
        .split('\n')
        .filter((l) => l.trim() !== ''),
    );
}
