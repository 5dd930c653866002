/**
 * What `\s` matches beyond ASCII (JavaScript's Unicode spaces and line terminators), by code unit:
 * the hand-written walks of the screen check ASCII themselves (each its own set) and share this.
 */
export function isNonAsciiSpace(c: number): boolean {
  return (
    c === 0xa0 ||
    c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 ||
    c === 0x2029 ||
    c === 0x202f ||
    c === 0x205f ||
    c === 0x3000 ||
    c === 0xfeff
  );
}
