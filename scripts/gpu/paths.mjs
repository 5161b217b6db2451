// Where the GPU check keeps its files (all under .cache/gpu, which git ignores):
//   carry/  written here by stage.mjs, carried to the GPU machine (it cannot read ../shared);
//   work/   written on the GPU machine (pairs, model folders, exports), never carried back.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const GPU_DIR = path.join(REPO_ROOT, '.cache', 'gpu');
export const CARRY = path.join(GPU_DIR, 'carry');
export const WORK = path.join(GPU_DIR, 'work');
/** bert-base-uncased's tokenizer.json: the MiniLM-L6 fixture's vocabulary. */
export const BERT_TOKENIZER = path.join(CARRY, 'bert-base-uncased.json');
/** The generator's tiny fixtures (BERT with its small vocab, XLM-R with an 8,000-piece Unigram tokenizer). */
export const GENERATED = path.join(CARRY, 'gen');
export const PAIRS = path.join(WORK, 'pairs.json');
export const MINILM = path.join(WORK, 'minilm-l6');
/** reference.py's model folders: the torch-built MiniLM-L6 BERT and the XLM-R-large shape. */
export const REF_MINILM = path.join(WORK, 'ref-minilm-l6');
export const REF_XLMR_LARGE = path.join(WORK, 'ref-xlmr-large');
