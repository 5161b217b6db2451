// Published expectations, independent of our oracle: the ids transformers.js's own test suite
// (tests/models/bert/test_tokenization_bert.js, "Xenova/bert-base-uncased", and test_strings.js)
// expects for bert-base-uncased, the tokenizer of ms-marco-MiniLM-L-6-v2.
import path from 'node:path';

import { describe, expect, it } from 'vitest';

import { Tokenizer } from '../lib/index';
import { HAVE_SHARED, SHARED_MISSING_MESSAGE, SHARED_TOKENIZERS } from './support/fixtures';

const BERT_BASE_UNCASED: Array<[string, string, number[]]> = [
  ['SIMPLE', 'How are you doing?', [101, 2129, 2024, 2017, 2725, 1029, 102]],
  ['SIMPLE_WITH_PUNCTUATION', "You should've done this", [101, 2017, 2323, 1005, 2310, 2589, 2023, 102]],
  ['TEXT_WITH_NUMBERS', 'The company was founded in 2016.', [101, 1996, 2194, 2001, 2631, 1999, 2355, 1012, 102]],
  ['PUNCTUATION', "A\n'll !!to?'d''d of, can't.", [101, 1037, 1005, 2222, 999, 999, 2000, 1029, 1005, 1040, 1005, 1005, 1040, 1997, 1010, 2064, 1005, 1056, 1012, 102]],
  ['PYTHON_CODE', 'def main():\n\tpass', [101, 13366, 2364, 1006, 1007, 1024, 3413, 102]],
  ['JAVASCRIPT_CODE', 'let a = obj.toString();\ntoString();', [101, 2292, 1037, 1027, 27885, 3501, 1012, 2000, 3367, 4892, 1006, 1007, 1025, 2000, 3367, 4892, 1006, 1007, 1025, 102]],
  ['NEWLINES', 'This\n\nis\na\ntest.', [101, 2023, 2003, 1037, 3231, 1012, 102]],
  ['BASIC', 'UNwant\u00e9d,running', [101, 18162, 1010, 2770, 102]],
  ['CONTROL_TOKENS', '1\u00002\uFFFD3', [101, 13138, 102]],
  ['HELLO_WORLD_TITLECASE', 'Hello World', [101, 7592, 2088, 102]],
  ['CHINESE_ONLY', '生活的真谛是', [101, 1910, 100, 1916, 1921, 100, 100, 102]],
  ['LEADING_SPACE', '   leading space', [101, 2877, 2686, 102]],
  ['TRAILING_SPACE', 'trailing space   ', [101, 12542, 2686, 102]],
  ['DOUBLE_SPACE', 'Hi  Hello', [101, 7632, 7592, 102]],
  ['CURRENCY', 'test $1 R2 #3 €4 £5 ¥6 ₣7 ₹8 ₱9 test', [101, 3231, 1002, 1015, 1054, 2475, 1001, 1017, 1574, 2549, 27813, 1071, 2575, 100, 1576, 2620, 1575, 2683, 3231, 102]],
  ['CURRENCY_WITH_DECIMALS', 'I bought an apple for $1.00 at the store.', [101, 1045, 4149, 2019, 6207, 2005, 1002, 1015, 1012, 4002, 2012, 1996, 3573, 1012, 102]],
  ['ELLIPSIS', 'you…  ', [101, 2017, 1529, 102]],
  ['TEXT_WITH_ESCAPE_CHARACTERS', '\u0079\u006F\u0075\u2026\u00A0\u00A0', [101, 2017, 1529, 102]],
  ['TILDE_NORMALIZATION', 'weird \uFF5E edge \uFF5E case', [101, 6881, 1995, 3341, 1995, 2553, 102]],
];

describe.skipIf(!HAVE_SHARED)(`transformers.js's published bert-base-uncased ids (${HAVE_SHARED ? 'shared files present' : SHARED_MISSING_MESSAGE})`, () => {
  const tokenizer = HAVE_SHARED ? Tokenizer.fromFile(path.join(SHARED_TOKENIZERS, 'bert-base-uncased.json')) : undefined;

  for (const [name, text, ids] of BERT_BASE_UNCASED) {
    it(name, () => expect(tokenizer!.encode(text).ids).toEqual(ids));
  }

  it('TEXT_PAIR', () => {
    expect(tokenizer!.encode('hello', 'world')).toEqual({
      ids: [101, 7592, 102, 2088, 102],
      typeIds: [0, 0, 0, 1, 1],
      attentionMask: [1, 1, 1, 1, 1],
      tokens: ['[CLS]', 'hello', '[SEP]', 'world', '[SEP]'],
      offsets: [[0, 0], [0, 5], [0, 0], [0, 5], [0, 0]],
      sequenceIds: [null, 0, null, 1, null],
    });
  });
});
