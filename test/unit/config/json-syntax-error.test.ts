import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { findJsonSyntaxError } from '../../../electron/engine/config/json-syntax-error.js';

describe('findJsonSyntaxError', () => {
  it.each([
    { text: '', line: 1, column: 1, message: 'unexpected end of file, expected a value' },
    { text: '{"a": }', line: 1, column: 7, message: "expected a value, found '}'" },
    { text: '{\n  "a": 1\n  "b": 2\n}', line: 3, column: 3, message: "expected ',' or '}' after a property value, found '\"'" },
    { text: '{\n  "a": [1, 2,\n  ]\n}', line: 2, column: 13, message: "trailing comma before ']' is not allowed" },
    { text: '{"a": 1,\n}', line: 1, column: 8, message: "trailing comma before '}' is not allowed" },
    { text: "{'a': 1}", line: 1, column: 2, message: "expected a double-quoted property name, found '''" },
    { text: '{"a" 1}', line: 1, column: 6, message: "expected ':' after the property name, found '1'" },
    { text: '{"a": "x\ny"}', line: 1, column: 9, message: 'line break or control character inside a string (write it as \\n, \\t, …)' },
    { text: '{"a": "\\q"}', line: 1, column: 8, message: 'invalid escape sequence in a string' },
    { text: '{"a": "abc', line: 1, column: 7, message: 'unterminated string' },
    { text: '[01]', line: 1, column: 3, message: "expected ',' or ']' after an array element, found '1'" },
    { text: '{"a": tru}', line: 1, column: 7, message: "expected a value, found 't'" },
    { text: '{} {}', line: 1, column: 4, message: "unexpected '{' after the end of the JSON value" },
    { text: '\r\n\r\n  [1 2]', line: 3, column: 6, message: "expected ',' or ']' after an array element, found '2'" },
    { text: '{"a": {"b": [1]', line: 1, column: 16, message: "expected ',' or '}' after a property value, found end of file" },
  ])('$text', ({ text, line, column, message }) => {
    expect(() => JSON.parse(text)).toThrow();
    expect(findJsonSyntaxError(text)).toEqual({ line, column, message });
  });

  it('survives nesting far deeper than a call stack', () => {
    expect(findJsonSyntaxError('['.repeat(200_000) + ']'.repeat(200_000))).toBeNull();
    expect(findJsonSyntaxError('['.repeat(200_000))).toMatchObject({ line: 1, column: 200_001 });
  });

  it('accepts exactly what JSON.parse accepts', () => {
    const valid = fc.json().map((text) => text);
    // Valid documents, and damaged ones (a character dropped, inserted or replaced).
    const damaged = fc
      .tuple(fc.json(), fc.nat(), fc.constantFrom('', ',', '"', '}', ']', '{', ':', '\\', ' ', '0', '-', 'e', '\n'), fc.nat(2))
      .map(([text, at, c, mode]) => {
        const i = text.length === 0 ? 0 : at % text.length;
        return text.slice(0, i) + c + text.slice(mode === 0 ? i : i + mode);
      });
    fc.assert(
      fc.property(fc.oneof(valid, damaged), (text) => {
        let parses = true;
        try {
          JSON.parse(text);
        } catch {
          parses = false;
        }
        expect(findJsonSyntaxError(text) === null).toBe(parses);
      }),
      { numRuns: 3000 },
    );
  });
});
