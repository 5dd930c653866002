/**
 * FNV-1a's 32-bit constants, for the screen's hand-written hashes of words and letters (concepts,
 * the classifier's features, rule starts): each hashes as it walks the text, with no copy of it.
 */
export const FNV_PRIME = 0x01000193;
export const FNV_OFFSET_BASIS = 0x811c9dc5;
