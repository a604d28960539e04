import { AnyflashError } from '../core/errors.js';
import { ADVICE } from '../diagnose/advice.js';

/**
 * The error as the user sees it: an error raised without advice gets its code's general advice
 * from the vocabulary, so every failure says what to do.
 */
export function withAdvice(e: AnyflashError): AnyflashError {
  const advice = e.advice.filter((a) => typeof a === 'string' && a.trim() !== '');
  if (advice.length === e.advice.length && advice.length > 0) return e;
  const general = ADVICE[e.code]?.advice ?? [];
  return new AnyflashError(e.code, e.message, {
    family: e.family,
    chip: e.chip,
    address: e.address,
    file: e.file,
    evidence: e.evidence,
    advice: advice.length > 0 ? advice : [...general],
    cause: e.cause,
  });
}
