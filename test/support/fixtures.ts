import fs from 'node:fs';
import path from 'node:path';

/** Model folders written by test/setup/global-setup.ts (generated, never committed). */
export const FIXTURES = path.join(__dirname, '..', '.fixtures');
export const fixture = (name: string): string => path.join(FIXTURES, name);

/** Real tokenizer files of public models live outside the repo; CI always has them. */
export const SHARED_TOKENIZERS = path.resolve(__dirname, '..', '..', '..', 'shared', 'tokenizers');
export const HAVE_SHARED = fs.existsSync(path.join(SHARED_TOKENIZERS, 'bert-base-uncased.json'));
export const SHARED_MISSING_MESSAGE = `skipped: ${SHARED_TOKENIZERS} is absent (real tokenizer files are not part of the repo)`;
