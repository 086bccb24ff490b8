/**
 * k6 is AGPL-3.0: capacity never fetches or builds it, so tests that need the binary run only
 * where the user installed it on PATH, and say so when they skip.
 */
import { findBinary } from '../../../src/core/binaries.js';

export const k6Binary = findBinary('k6', { path: process.env.PATH });

export const k6SkipReason = k6Binary
  ? undefined
  : "k6 is not on PATH (AGPL-3.0, never bundled): install it from Grafana's packages to run this test";

if (k6SkipReason) console.warn(`skipping the k6 engine tests: ${k6SkipReason}`);

/** The test's title, with the reason appended when it is skipped. */
export function k6Title(title: string): string {
  return k6SkipReason ? `${title} [skipped: ${k6SkipReason}]` : title;
}
