// Run here (it needs ../shared/tokenizers): writes .cache/gpu/carry/, the small inputs the GPU machine
// cannot make itself, ~3 MB, carried with the last runtime part (see docs/gpu.md).
import fs from 'node:fs';
import path from 'node:path';

import { ensureFixture, ensureXlmrFixture, BERT_BASE_UNCASED_TOKENIZER } from '../../test/fixtures/generate.mjs';
import { BERT_TOKENIZER, CARRY, GENERATED } from './paths.mjs';

fs.mkdirSync(CARRY, { recursive: true });
fs.copyFileSync(BERT_BASE_UNCASED_TOKENIZER, BERT_TOKENIZER);
for (const r of [ensureFixture('tiny', { preset: 'tiny', baseDir: GENERATED }), ensureXlmrFixture('tiny-xlmr', { baseDir: GENERATED })]) {
  console.log(`${path.relative(process.cwd(), r.dir)}: ${r.cached ? 'up to date' : 'generated'}`);
}
const bytes = (dir) => fs.readdirSync(dir, { withFileTypes: true, recursive: true })
  .filter((e) => e.isFile()).reduce((n, e) => n + fs.statSync(path.join(e.parentPath ?? e.path, e.name)).size, 0);
console.log(`${path.relative(process.cwd(), CARRY)}: ${(bytes(CARRY) / 2 ** 20).toFixed(1)} MiB`);
