// The handler must run where there is no Node: its sources use Web APIs only
// (tsconfig.build.json also compiles them without Node's types).

import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const SRC = fileURLToPath(new URL('../../src/', import.meta.url));

test('src/ uses no Node-only API', () => {
  const files = readdirSync(SRC).filter((f) => f.endsWith('.ts'));
  assert.ok(files.length >= 5);
  for (const file of files) {
    const code = readFileSync(path.join(SRC, file), 'utf8');
    for (const nodeOnly of [/from\s+['"]node:/, /\bimport\(/, /\brequire\(/, /\bprocess\./, /\bBuffer\b/, /\b__dirname\b/]) {
      assert.ok(!nodeOnly.test(code), `${file} uses ${nodeOnly}`);
    }
    for (const [, spec] of code.matchAll(/from\s+['"]([^'"]+)['"]/g)) {
      assert.ok(spec!.startsWith('./'), `${file} imports ${spec}: only its own modules`);
    }
  }
});
