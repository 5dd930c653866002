/**
 * FNV-1a's 32-bit constants, for the screen's hand-written hashes of words and letters (concepts,
 * the classifier's features, rule starts): each hashes as it walks the text, with no copy of it.
 */
export const FNV_PRIME = 0x01000193;
export const FNV_OFFSET_BASIS = 0x811c9dc5;

/** FNV-1a of ASCII letters in lower case (`| 0x20`), as the walks hash a run of letters. */
export function hashOfLetters(letters: string): number {
  let hash = FNV_OFFSET_BASIS;
  for (let i = 0; i < letters.length; i++)
    hash = Math.imul(hash ^ (letters.charCodeAt(i) | 0x20), FNV_PRIME);
  return hash;
}
