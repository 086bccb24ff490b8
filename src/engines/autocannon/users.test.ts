import { describe, expect, it } from 'vitest';
import { responseHasNoBody } from './users.js';

describe('responses without a body', () => {
  it('are the answers to HEAD (any case) and the 204 and 304 statuses', () => {
    expect(responseHasNoBody('HEAD', 200)).toBe(true);
    expect(responseHasNoBody('head', 404)).toBe(true);
    expect(responseHasNoBody('DELETE', 204)).toBe(true);
    expect(responseHasNoBody('GET', 304)).toBe(true);
  });
  it('are not the other answers, whose length the parser reads from their headers', () => {
    expect(responseHasNoBody('GET', 200)).toBe(false);
    expect(responseHasNoBody('POST', 201)).toBe(false);
    expect(responseHasNoBody('GET', 404)).toBe(false);
    expect(responseHasNoBody(undefined, undefined)).toBe(false);
  });
});
