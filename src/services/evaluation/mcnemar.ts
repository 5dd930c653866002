/**
 * McNemar's test for two systems judged on the same cases: only the discordant cases count,
 * `b` (right in A, wrong in B) and `c` (wrong in A, right in B). Under the null hypothesis that
 * both systems are equally good, each discordant case goes either way with probability 1/2.
 *
 * - Fewer than 25 discordant cases: the exact two-sided binomial test,
 *   p = min(1, 2 · P(X ≤ min(b, c))) with X ~ Binomial(b + c, 1/2).
 * - Otherwise: the chi-square statistic with Edwards' continuity correction,
 *   χ² = (|b − c| − 1)² / (b + c), against one degree of freedom.
 */

export const EXACT_BELOW = 25;

export interface McNemarResult {
  b: number;
  c: number;
  method: 'EXACT_BINOMIAL' | 'CHI_SQUARE_CORRECTED';
  /** χ² for the corrected test; null for the exact one. */
  statistic: number | null;
  pValue: number;
}

export function mcnemar(b: number, c: number): McNemarResult {
  const n = b + c;
  if (n === 0) return { b, c, method: 'EXACT_BINOMIAL', statistic: null, pValue: 1 };
  if (n < EXACT_BELOW) {
    const k = Math.min(b, c);
    let tail = 0;
    // Sum C(n, i) / 2^n in log space so large n cannot overflow.
    for (let i = 0; i <= k; i++) tail += Math.exp(logChoose(n, i) - n * Math.LN2);
    return { b, c, method: 'EXACT_BINOMIAL', statistic: null, pValue: Math.min(1, 2 * tail) };
  }
  const statistic = (Math.abs(b - c) - 1) ** 2 / n;
  return { b, c, method: 'CHI_SQUARE_CORRECTED', statistic, pValue: chiSquare1Survival(statistic) };
}

function logChoose(n: number, k: number): number {
  let sum = 0;
  for (let i = 1; i <= k; i++) sum += Math.log(n - k + i) - Math.log(i);
  return sum;
}

/** P(χ²₁ > x) = erfc(√(x/2)). */
export function chiSquare1Survival(x: number): number {
  if (x <= 0) return 1;
  return erfc(Math.sqrt(x / 2));
}

/** Complementary error function (Numerical Recipes' Chebyshev fit; relative error under 1.2e-7). */
export function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t *
          (1.00002368 +
            t *
              (0.37409196 +
                t *
                  (0.09678418 +
                    t *
                      (-0.18628806 +
                        t *
                          (0.27886807 +
                            t *
                              (-1.13520398 +
                                t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? r : 2 - r;
}
