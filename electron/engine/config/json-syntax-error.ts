/**
 * Where a JSON text first breaks the grammar (RFC 8259), with line and column. Node's own
 * JSON.parse messages give a position only for some errors, and differ between versions.
 */
export interface JsonSyntaxError {
  line: number;
  column: number;
  message: string;
}

const WHITESPACE = /[ \t\n\r]*/y;
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const ESCAPE = /\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4})/y;

/** Null when `text` is valid JSON. Iterative, so deep nesting cannot overflow the stack. */
export function findJsonSyntaxError(text: string): JsonSyntaxError | null {
  let pos = 0;
  const open: string[] = [];
  let expect: 'value' | 'key' | 'after' = 'value';

  const fail = (message: string, at = pos): JsonSyntaxError => {
    const before = text.slice(0, at);
    const line = before.split('\n').length;
    return { line, column: at - before.lastIndexOf('\n'), message };
  };
  const skipWhitespace = () => {
    WHITESPACE.lastIndex = pos;
    WHITESPACE.test(text);
    pos = WHITESPACE.lastIndex;
  };
  const found = () => (pos >= text.length ? 'end of file' : `'${text[pos]}'`);
  /** Scans a string starting at its opening quote; returns an error or null. */
  const scanString = (): JsonSyntaxError | null => {
    const start = pos++;
    for (;;) {
      if (pos >= text.length) return fail('unterminated string', start);
      const c = text.charCodeAt(pos);
      if (c === 0x22) {
        pos++;
        return null;
      }
      if (c < 0x20) return fail('line break or control character inside a string (write it as \\n, \\t, …)');
      if (c === 0x5c) {
        ESCAPE.lastIndex = pos;
        if (!ESCAPE.test(text)) return fail('invalid escape sequence in a string');
        pos = ESCAPE.lastIndex;
      } else pos++;
    }
  };

  for (;;) {
    skipWhitespace();
    if (expect === 'value') {
      const c = text[pos];
      if (c === '{' || c === '[') {
        pos++;
        skipWhitespace();
        if (text[pos] === (c === '{' ? '}' : ']')) {
          pos++;
          expect = 'after';
        } else {
          open.push(c);
          expect = c === '{' ? 'key' : 'value';
        }
        continue;
      }
      if (c === '"') {
        const err = scanString();
        if (err) return err;
        expect = 'after';
        continue;
      }
      const literal = ['true', 'false', 'null'].find((word) => text.startsWith(word, pos));
      if (literal) {
        pos += literal.length;
        expect = 'after';
        continue;
      }
      NUMBER.lastIndex = pos;
      if (NUMBER.test(text)) {
        pos = NUMBER.lastIndex;
        expect = 'after';
        continue;
      }
      return fail(pos >= text.length ? 'unexpected end of file, expected a value' : `expected a value, found ${found()}`);
    }
    if (expect === 'key') {
      if (text[pos] !== '"') return fail(`expected a double-quoted property name, found ${found()}`);
      const err = scanString();
      if (err) return err;
      skipWhitespace();
      if (text[pos] !== ':') return fail(`expected ':' after the property name, found ${found()}`);
      pos++;
      expect = 'value';
      continue;
    }
    const container = open.at(-1);
    if (container === undefined) {
      return pos < text.length ? fail(`unexpected ${found()} after the end of the JSON value`) : null;
    }
    const close = container === '{' ? '}' : ']';
    if (text[pos] === close) {
      pos++;
      open.pop();
      continue;
    }
    if (text[pos] !== ',') {
      const what = container === '{' ? 'a property value' : 'an array element';
      return fail(`expected ',' or '${close}' after ${what}, found ${found()}`);
    }
    const comma = pos++;
    skipWhitespace();
    if (text[pos] === close) return fail(`trailing comma before '${close}' is not allowed`, comma);
    expect = container === '{' ? 'key' : 'value';
  }
}
