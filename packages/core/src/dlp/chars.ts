/** Character tests on UTF-16 code units, for the hand-written parts of the detectors. */

export const isDigit = (c: number): boolean => c >= 48 && c <= 57;

export const isUpper = (c: number): boolean => c >= 65 && c <= 90;

export const isLower = (c: number): boolean => c >= 97 && c <= 122;

export const isAlnum = (c: number): boolean => isDigit(c) || isUpper(c) || isLower(c);

/** `\w` as regular expressions define it (ASCII letters, digits, underscore). */
export const isWordChar = (c: number): boolean => isAlnum(c) || c === 95;

export const isHexDigit = (c: number): boolean => isDigit(c) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);

/** The code unit at `i`, or -1 outside the string (so every test above answers false). */
export const codeAt = (text: string, i: number): number =>
  i >= 0 && i < text.length ? text.charCodeAt(i) : -1;
