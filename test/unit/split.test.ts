import { describe, expect, it } from 'vitest';
import { type SqlStatement, splitStatements } from '../../src/sql/split.js';

/** Just the texts, for cases where positions are not the point. */
function texts(sql: string): string[] {
  const result = splitStatements(sql);
  expect(result.errors).toEqual([]);
  return result.statements.map((s) => s.text);
}

describe('splitStatements: split points', () => {
  const cases: { name: string; sql: string; expected: string[] }[] = [
    { name: 'empty input', sql: '', expected: [] },
    { name: 'whitespace only', sql: ' \n\t\r\n ', expected: [] },
    { name: 'one statement with ;', sql: 'SELECT 1;', expected: ['SELECT 1'] },
    { name: 'final statement without ;', sql: 'SELECT 1;\nSELECT 2', expected: ['SELECT 1', 'SELECT 2'] },
    { name: 'trims surrounding whitespace', sql: '  \n SELECT 1  \n ;  ', expected: ['SELECT 1'] },
    {
      name: 'empty statements skipped',
      sql: ';;SELECT 1;; ;\n;SELECT 2;;',
      expected: ['SELECT 1', 'SELECT 2'],
    },
    {
      name: 'multi-line statement kept verbatim',
      sql: 'CREATE TABLE T (\n  A INT,\n  B TEXT\n);\n',
      expected: ['CREATE TABLE T (\n  A INT,\n  B TEXT\n)'],
    },
    // single-quoted strings: '' doubling and backslash escapes
    { name: '; inside a string', sql: "SELECT 'a;b'; SELECT 2", expected: ["SELECT 'a;b'", 'SELECT 2'] },
    {
      name: "'' doubling",
      sql: "SELECT 'it''s; fine';SELECT 2",
      expected: ["SELECT 'it''s; fine'", 'SELECT 2'],
    },
    {
      name: "backslash-escaped quote \\'",
      sql: "SELECT 'it\\'s;';SELECT 2",
      expected: ["SELECT 'it\\'s;'", 'SELECT 2'],
    },
    {
      name: 'escaped backslash before the closing quote',
      sql: "SELECT 'a\\\\';SELECT 2",
      expected: ["SELECT 'a\\\\'", 'SELECT 2'],
    },
    {
      name: 'escaped backslash then doubled quote',
      sql: "SELECT 'a\\\\''b;';SELECT 2",
      expected: ["SELECT 'a\\\\''b;'", 'SELECT 2'],
    },
    {
      name: 'regex pattern with doubled backslashes',
      sql: "COPY INTO T FROM @S PATTERN = '.*\\\\.csv\\\\.gz';SELECT 2",
      expected: ["COPY INTO T FROM @S PATTERN = '.*\\\\.csv\\\\.gz'", 'SELECT 2'],
    },
    { name: '-- inside a string', sql: "SELECT '--x;';SELECT 2", expected: ["SELECT '--x;'", 'SELECT 2'] },
    {
      name: '// inside a string (S3 URL)',
      sql: "URL = 's3://b/p;'; SELECT 2",
      expected: ["URL = 's3://b/p;'", 'SELECT 2'],
    },
    { name: '/* inside a string', sql: "SELECT '/*';SELECT '*/'", expected: ["SELECT '/*'", "SELECT '*/'"] },
    { name: '$$ inside a string', sql: "SELECT '$$;';SELECT 2", expected: ["SELECT '$$;'", 'SELECT 2'] },
    {
      name: 'double quote inside a string',
      sql: `SELECT '"';SELECT 2`,
      expected: [`SELECT '"'`, 'SELECT 2'],
    },
    { name: 'multi-line string', sql: "SELECT 'a\n;b';SELECT 2", expected: ["SELECT 'a\n;b'", 'SELECT 2'] },
    // double-quoted identifiers
    { name: '; inside an identifier', sql: 'SELECT "a;b" FROM T;X', expected: ['SELECT "a;b" FROM T', 'X'] },
    { name: '"" doubling', sql: 'SELECT "a"";b";X', expected: ['SELECT "a"";b"', 'X'] },
    { name: '-- inside an identifier', sql: 'SELECT "a--b";X', expected: ['SELECT "a--b"', 'X'] },
    { name: 'single quote inside an identifier', sql: `SELECT "it's;";X`, expected: [`SELECT "it's;"`, 'X'] },
    {
      name: 'backslash is not an escape in identifiers',
      sql: 'SELECT "a\\";SELECT 2',
      expected: ['SELECT "a\\"', 'SELECT 2'],
    },
    // comments
    { name: '-- comment with ;', sql: 'SELECT 1 -- a;b\n, 2;X', expected: ['SELECT 1 -- a;b\n, 2', 'X'] },
    { name: '// comment with ;', sql: 'SELECT 1 // a;b\n, 2;X', expected: ['SELECT 1 // a;b\n, 2', 'X'] },
    {
      name: 'block comment with ;',
      sql: 'SELECT /* a;b\n c */ 1;X',
      expected: ['SELECT /* a;b\n c */ 1', 'X'],
    },
    { name: 'block comments do not nest', sql: 'SELECT /* /* */ 1;X', expected: ['SELECT /* /* */ 1', 'X'] },
    { name: 'quote inside a comment', sql: "SELECT 1 -- it's\n;X", expected: ['SELECT 1', 'X'] },
    {
      name: 'leading comments are not part of the text',
      sql: '-- header\n/* x */ SELECT 1;',
      expected: ['SELECT 1'],
    },
    {
      name: 'trailing comment before ; dropped',
      sql: 'SELECT 1 /* why */ -- note\n;',
      expected: ['SELECT 1'],
    },
    {
      name: 'comment-only tail skipped',
      sql: 'SELECT 1;\n-- the end\n/* really */\n// done',
      expected: ['SELECT 1'],
    },
    { name: 'comment-only file', sql: '-- nothing;\n/* here; */', expected: [] },
    { name: 'comment at end without newline', sql: 'SELECT 1 -- x', expected: ['SELECT 1'] },
    {
      name: 'a single - or / is not a comment',
      sql: 'SELECT 4 - 2 / 1;X',
      expected: ['SELECT 4 - 2 / 1', 'X'],
    },
    // $$ bodies
    {
      name: '$$ body with ; and quotes',
      sql: "CREATE PROCEDURE P() RETURNS INT LANGUAGE SQL AS $$\nBEGIN\n  LET x := 'a;'; -- it's\n  RETURN 1;\nEND;\n$$;\nSELECT 2;",
      expected: [
        "CREATE PROCEDURE P() RETURNS INT LANGUAGE SQL AS $$\nBEGIN\n  LET x := 'a;'; -- it's\n  RETURN 1;\nEND;\n$$",
        'SELECT 2',
      ],
    },
    {
      name: 'EXECUTE IMMEDIATE $$ block',
      sql: 'EXECUTE IMMEDIATE $$BEGIN SELECT 1; END;$$;SELECT 2',
      expected: ['EXECUTE IMMEDIATE $$BEGIN SELECT 1; END;$$', 'SELECT 2'],
    },
    { name: 'backslash is literal in $$', sql: 'SELECT $$a\\$$;X', expected: ['SELECT $$a\\$$', 'X'] },
    { name: 'empty $$ body', sql: 'SELECT $$$$;X', expected: ['SELECT $$$$', 'X'] },
    { name: 'two $$ bodies', sql: 'SELECT $$;$$, $$;$$;X', expected: ['SELECT $$;$$, $$;$$', 'X'] },
    {
      name: 'single $ is not a delimiter',
      sql: "SELECT $1, SYSTEM$PIPE_STATUS('p');X",
      expected: ["SELECT $1, SYSTEM$PIPE_STATUS('p')", 'X'],
    },
    // line endings
    {
      name: 'CRLF kept inside the text',
      sql: 'SELECT\r\n  1;\r\nSELECT 2;\r\n',
      expected: ['SELECT\r\n  1', 'SELECT 2'],
    },
    { name: '-- comment ends at CR', sql: 'SELECT 1 -- x;\r\n;X', expected: ['SELECT 1', 'X'] },
  ];

  it.each(cases)('$name', ({ sql, expected }) => {
    expect(texts(sql)).toEqual(expected);
  });
});

describe('splitStatements: positions', () => {
  const cases: { name: string; sql: string; expected: SqlStatement[] }[] = [
    {
      name: 'first statement at 1:1',
      sql: 'SELECT 1;',
      expected: [{ text: 'SELECT 1', line: 1, column: 1 }],
    },
    {
      name: 'columns after ; on the same line',
      sql: 'SELECT 1;  SELECT 2;',
      expected: [
        { text: 'SELECT 1', line: 1, column: 1 },
        { text: 'SELECT 2', line: 1, column: 12 },
      ],
    },
    {
      name: 'position skips leading comments and blank lines',
      sql: '-- header; x\n\n/* block\n */  CREATE TABLE T (A INT);',
      expected: [{ text: 'CREATE TABLE T (A INT)', line: 4, column: 6 }],
    },
    {
      name: 'LF',
      sql: 'SELECT 1;\n\n  SELECT\n2;\n\tSELECT 3',
      expected: [
        { text: 'SELECT 1', line: 1, column: 1 },
        { text: 'SELECT\n2', line: 3, column: 3 },
        { text: 'SELECT 3', line: 5, column: 2 },
      ],
    },
    {
      name: 'CRLF counts as one line break',
      sql: 'SELECT 1;\r\n\r\n  SELECT\r\n2;\r\n\tSELECT 3',
      expected: [
        { text: 'SELECT 1', line: 1, column: 1 },
        { text: 'SELECT\r\n2', line: 3, column: 3 },
        { text: 'SELECT 3', line: 5, column: 2 },
      ],
    },
    {
      name: 'lone CR is a line break',
      sql: 'SELECT 1;\r  SELECT 2',
      expected: [
        { text: 'SELECT 1', line: 1, column: 1 },
        { text: 'SELECT 2', line: 2, column: 3 },
      ],
    },
    {
      name: 'lines inside strings, identifiers, comments and $$ are counted',
      sql: 'SELECT \'a\nb\', "c\r\nd" /* e\n*/ , $$f\ng$$; -- h\nSELECT 2',
      expected: [
        { text: 'SELECT \'a\nb\', "c\r\nd" /* e\n*/ , $$f\ng$$', line: 1, column: 1 },
        { text: 'SELECT 2', line: 6, column: 1 },
      ],
    },
    {
      name: 'byte-order mark is ignored',
      sql: '\uFEFFSELECT 1; SELECT 2',
      expected: [
        { text: 'SELECT 1', line: 1, column: 1 },
        { text: 'SELECT 2', line: 1, column: 11 },
      ],
    },
  ];

  it.each(cases)('$name', ({ sql, expected }) => {
    expect(splitStatements(sql)).toEqual({ statements: expected, errors: [] });
  });
});

describe('splitStatements: errors are data', () => {
  const cases: {
    name: string;
    sql: string;
    statements: string[];
    error: { line: number; column: number; message: string };
  }[] = [
    {
      name: 'unterminated string',
      sql: "SELECT 1;\nSELECT 'abc;\nSELECT 3;",
      statements: ['SELECT 1'],
      error: { line: 2, column: 8, message: 'unterminated string literal' },
    },
    {
      name: 'string ending in an escaped quote',
      sql: "SELECT 'abc\\';",
      statements: [],
      error: { line: 1, column: 8, message: 'unterminated string literal' },
    },
    {
      name: 'string ending in a lone backslash',
      sql: "SELECT 'abc\\",
      statements: [],
      error: { line: 1, column: 8, message: 'unterminated string literal' },
    },
    {
      name: 'unterminated identifier',
      sql: 'SELECT 1;\r\n  SELECT "a"";',
      statements: ['SELECT 1'],
      error: { line: 2, column: 10, message: 'unterminated quoted identifier' },
    },
    {
      name: 'unterminated block comment in a statement',
      sql: 'SELECT 1; SELECT /* 2;',
      statements: ['SELECT 1'],
      error: { line: 1, column: 18, message: 'unterminated block comment' },
    },
    {
      name: 'unterminated block comment in the tail',
      sql: 'SELECT 1;\n/* trailing',
      statements: ['SELECT 1'],
      error: { line: 2, column: 1, message: 'unterminated block comment' },
    },
    {
      name: 'unterminated $$',
      sql: 'SELECT 1;\nCREATE PROCEDURE P() AS $$\nBEGIN RETURN 1; END;\n',
      statements: ['SELECT 1'],
      error: { line: 2, column: 25, message: 'unterminated $$ string' },
    },
  ];

  it.each(cases)('$name', ({ sql, statements, error }) => {
    const result = splitStatements(sql);
    expect(result.statements.map((s) => s.text)).toEqual(statements);
    expect(result.errors).toEqual([error]);
  });

  it('does not throw on any prefix of a tricky file', () => {
    const sql = "SELECT 'a\\'b''c', \"d\"\"e\" /* f */ -- g\n, $$h;$$ // i\n;";
    for (let n = 0; n <= sql.length; n++) {
      expect(() => splitStatements(sql.slice(0, n))).not.toThrow();
    }
    expect(texts(sql)).toEqual(["SELECT 'a\\'b''c', \"d\"\"e\" /* f */ -- g\n, $$h;$$"]);
  });
});
