export * from './types.ts';
export { compileDetectors, customPlaceholder, MAX_DEPTH, placeholder } from './scanner.ts';
export {
  checkCustomPattern,
  MAX_PATTERN_CHARS,
  MAX_PROGRAM_SIZE,
  POSITION_BUDGET,
  type PatternCheck,
} from './custom.ts';
export * from './guardrail.ts';
