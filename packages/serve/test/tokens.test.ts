import { expect, test } from 'vitest';
import { bearerToken, parseTokens, TokensFileError } from '../src/index.ts';

test('a tokens file maps long tokens to tenants; a malformed one is refused with the file and the fix', () => {
  const map = parseTokens('{"aaaaaaaaaaaaaaaa1": "t001", "bbbbbbbbbbbbbbbb2": "t001", "cccccccccccccccc3": "t002"}', 'tokens.json');
  expect([...map]).toEqual([['aaaaaaaaaaaaaaaa1', 't001'], ['bbbbbbbbbbbbbbbb2', 't001'], ['cccccccccccccccc3', 't002']]);
  const cases: [string, RegExp][] = [
    ['not json', /tokens\.json is not JSON/],
    ['["a"]', /tokens\.json is not a JSON object/],
    ['{}', /tokens\.json holds no tokens/],
    ['{"short": "t001"}', /the token for t001 is shorter than 16 characters/],
    ['{"aaaaaaaaaaaaaaaa1": 7}', /is not a non-empty string/],
    ['{"aaaaaaaa aaaaaaaa": "t001"}', /holds spaces/],
  ];
  for (const [text, message] of cases) {
    let error: unknown;
    try {
      parseTokens(text, 'tokens.json');
    } catch (e) {
      error = e;
    }
    expect(error, text).toBeInstanceOf(TokensFileError);
    expect((error as TokensFileError).message, text).toMatch(message);
    expect((error as TokensFileError).hint, text).toBeTruthy();
    expect((error as TokensFileError).exitCode).toBe(2);
  }
});

test('only an Authorization: Bearer header carries a token', () => {
  expect(bearerToken('Bearer abc.DEF-123_x')).toBe('abc.DEF-123_x');
  expect(bearerToken('bearer abc')).toBe('abc');
  for (const h of [undefined, '', 'Basic abc', 'Bearer', 'Bearer a b', `Bearer ${'x'.repeat(600)}`]) expect(bearerToken(h)).toBeNull();
});
