/**
 * Stratified hold-out split. Calibration and the Unknown threshold must be fitted on tickets the
 * weights never saw, or the model looks more certain than it is. Splitting per category keeps
 * every category in training even when a customer has only a handful of tickets for it.
 */
import { seededRandom, shuffleInPlace } from './random.js';

export interface HoldoutSplit {
  train: number[];
  holdout: number[];
}

/**
 * Splits indices 0..labels.length-1 so that about `fraction` of each label's examples are held
 * out. A label with a single example keeps it in training; every other label keeps at least one.
 */
export function stratifiedSplit(
  labels: ArrayLike<number>,
  fraction: number,
  seed: number,
): HoldoutSplit {
  const byLabel = new Map<number, number[]>();
  for (let i = 0; i < labels.length; i++) {
    const list = byLabel.get(labels[i]!);
    if (list) list.push(i);
    else byLabel.set(labels[i]!, [i]);
  }
  const random = seededRandom(seed ^ 0x5eed);
  const train: number[] = [];
  const holdout: number[] = [];
  // Iterate labels in a fixed order so the split does not depend on Map insertion subtleties.
  for (const label of [...byLabel.keys()].sort((a, b) => a - b)) {
    const members = byLabel.get(label)!;
    shuffleInPlace(members, random);
    const held =
      members.length < 2 ? 0 : Math.min(members.length - 1, Math.round(members.length * fraction));
    for (let j = 0; j < members.length; j++) (j < held ? holdout : train).push(members[j]!);
  }
  train.sort((a, b) => a - b);
  holdout.sort((a, b) => a - b);
  return { train, holdout };
}
