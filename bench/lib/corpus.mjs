// Deterministic, seeded English-like text and the benchmark workloads built from it.
//
// /work/shared/tokenizers/long_text.txt is Lorem ipsum (Latin-like filler that WordPiece shreds into
// many sub-tokens), so the benchmark writes its own English-like text: Zipf-weighted common words,
// a tail of longer/rarer words that split into several WordPiece tokens, sentences of 6-22 words
// with commas and periods. Same seed => same texts for every system and every run.

/** The project's one seeded PRNG (mulberry32), shared with the fixture generator. */
export { mulberry32 as rng } from '../../test/fixtures/prng.mjs';
import { mulberry32 as rng } from '../../test/fixtures/prng.mjs';

// Roughly frequency-ordered common English words (function words first), then content words.
const COMMON = `the of and to a in is that for it as was with be by on not he this are or his from at
which but have an they you were her she there one all we their has been if more when will would who
so no can out also into only its other than then some could time these two may first any like such
our new my most about through over after where them those many before must because through between
both each being under while same very well should still much how even own without world year people
way day man thing woman life child work system part case point government company number group
problem fact hand place week home water room mother area money story month lot right study book eye
job word business issue side kind head house service friend father power hour game line end member
law car city community name president team minute idea kid body information back parent face others
level office door health person art war history party result change morning reason research girl guy
moment air teacher force education data model search query document ranking relevance score retrieval
question answer evidence source paper report review market price cost value network energy signal
process method approach design structure pattern memory language speech music image video network
study test trial patient doctor hospital disease treatment drug cell protein gene brain heart blood
river mountain ocean forest island valley desert weather climate storm rain snow summer winter spring
road bridge train station airport flight ship harbor engine machine computer software hardware server
database index cluster request response latency throughput batch thread queue worker library package
found made said used known given taken shown called become seemed looked turned moved played asked
helped worked started showed heard began kept brought wrote provided followed stopped created spoke
read spent grew opened walked offered remembered considered appeared bought waited served died sent
expected built stayed fell reached killed remained suggested raised passed sold required reported
decided pulled important small large different young long little great old big high public local
early late hard major better economic strong possible whole free military true federal international
full special easy clear recent certain personal open red difficult available likely short single
medical current wrong private past foreign fine common poor natural significant similar hot dead
central happy serious ready simple left physical general environmental financial blue democratic dark
various entire close legal religious cold final main green nice huge popular traditional cultural`
  .split(/\s+/)
  .filter(Boolean);

// Less common / longer words: WordPiece splits many of these into 2-4 pieces, as real passages do.
const RARE = `photosynthesis infrastructure electromagnetic reconnaissance interoperability
cardiovascular decentralization neuroplasticity thermodynamics biodiversity archaeological
microcontroller pharmacokinetics jurisprudence cryptocurrency bioluminescence geomorphology
epistemological semiconductor hydroelectric nanotechnology immunotherapy paleontology
transcontinental meteorological agribusiness counterintuitive multidisciplinary anthropogenic
superconductivity vectorization tokenization quantization transformer embeddings reranker
cross-encoder benchmark throughput latency kubernetes postgresql javascript typescript
asynchronous concurrency parallelism heuristics hyperparameter regularization backpropagation
eigenvalue polynomial logarithmic stochastic bayesian probabilistic combinatorial isomorphism
Mediterranean Scandinavian Byzantine Renaissance Enlightenment Victorian Himalayan Amazonian
Ljubljana Reykjavik Ouagadougou Kyrgyzstan Thessaloniki Wrocław Düsseldorf São Paulo naïve café
1984 2023 3.14 42 100 7,000 12% $19.99 COVID-19 GPT-4 ISO-8601 e-mail well-known state-of-the-art`
  .split(/\s+/)
  .filter(Boolean);

const QUESTION_STARTS = ['what is', 'how does', 'why do', 'when did', 'where can', 'which', 'how to', 'who was', 'what are the', 'is there'];

function makeSampler(r) {
  // Zipf-like weights over COMMON, flat small weight over RARE (~6% of words).
  const weights = COMMON.map((_, i) => 1 / (i + 3));
  const total = weights.reduce((a, b) => a + b, 0);
  const cdf = [];
  let acc = 0;
  for (const w of weights) cdf.push((acc += w / total));
  return () => {
    if (r() < 0.06) return RARE[Math.floor(r() * RARE.length)];
    const u = r();
    let lo = 0;
    let hi = cdf.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cdf[mid] < u) lo = mid + 1;
      else hi = mid;
    }
    return COMMON[lo];
  };
}

/** A passage of exactly `nWords` words, in sentences. */
export function passage(r, nWords) {
  const word = makeSampler(r);
  const out = [];
  let sentenceLeft = 0;
  for (let i = 0; i < nWords; i++) {
    let w = word();
    if (sentenceLeft === 0) {
      sentenceLeft = 6 + Math.floor(r() * 17);
      w = w[0].toUpperCase() + w.slice(1);
    }
    sentenceLeft--;
    if (sentenceLeft === 0 || i === nWords - 1) w += '.';
    else if (r() < 0.08) w += ',';
    out.push(w);
  }
  return out.join(' ');
}

export function question(r) {
  const word = makeSampler(r);
  const start = QUESTION_STARTS[Math.floor(r() * QUESTION_STARTS.length)];
  const n = 3 + Math.floor(r() * 6);
  const words = [];
  for (let i = 0; i < n; i++) words.push(word());
  const q = `${start} ${words.join(' ')}?`;
  return q[0].toUpperCase() + q.slice(1);
}

/** 1 query x nDocs passages of 30-250 words. */
export function ragSet(seed, nDocs = 100, minWords = 30, maxWords = 250) {
  const r = rng(seed);
  const query = question(r);
  const docs = [];
  for (let i = 0; i < nDocs; i++) docs.push(passage(r, minWords + Math.floor(r() * (maxWords - minWords + 1))));
  return { query, docs };
}

/**
 * `count` pairs that each encode to exactly `tokens` tokens (special tokens included) with the
 * given HF `tokenizers` Tokenizer (no truncation/padding set on it).
 */
export async function fixedPairs(tok, seed, tokens, count) {
  const r = rng(seed);
  const pairs = [];
  const len = async (q, d) => (await tok.encode(q, d)).getIds().length;
  for (let i = 0; i < count; i++) {
    let q = question(r);
    while ((await len(q, 'x')) > Math.max(8, tokens / 3)) q = question(r);
    // start long, drop words until it fits, then top up with single-token words
    const words = passage(r, tokens).split(' ');
    let lo = 1;
    let hi = words.length;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((await len(q, words.slice(0, mid).join(' '))) <= tokens) lo = mid;
      else hi = mid - 1;
    }
    let doc = words.slice(0, lo).join(' ');
    let n = await len(q, doc);
    const filler = ['the', 'of', 'and', 'in', 'to'];
    let k = 0;
    while (n < tokens) {
      doc += ' ' + filler[k++ % filler.length];
      n = await len(q, doc);
    }
    if (n !== tokens) throw new Error(`fixedPairs: could not hit ${tokens} tokens (got ${n})`);
    pairs.push([q, doc]);
  }
  return pairs;
}

export const FIXED_SIZES = { fixed32: 32, fixed128: 128, fixed256: 256 };
/** Pairs per call for fixed workloads: ~8k real tokens per call. */
export const fixedCount = (tokens) => Math.max(16, Math.round(8192 / tokens));

/** Throughput workloads: one row per system, pairs/s. */
export const THROUGHPUT_WORKLOADS = ['rag', 'fixed32', 'fixed128', 'fixed256', 'concurrent'];
/** Scheduling workloads: per-call latency alone and under load; two models in one process. */
export const SCHEDULING_WORKLOADS = ['latency', 'multimodel'];
export const WORKLOADS = [...THROUGHPUT_WORKLOADS, ...SCHEDULING_WORKLOADS];
export const CONCURRENT_CALLS = 8;

/** Passages of the latency and multi-model calls: shorter, as a search API's snippets. */
const SNIPPET_WORDS = [30, 120];
/** The background call's: short, so that 1,000 of them stay a few seconds of work. */
const BACKGROUND_WORDS = [30, 60];
/** Documents per call of the latency workload: small, large, and the background call. */
export const LATENCY_DOCS = { small: 20, large: 100, background: 1000 };
const LATENCY_CALLS = { small: 16, large: 4 };
export const MULTIMODEL_DOCS = 20;
const MULTIMODEL_CALLS = 16;

const callOf = (seed, nDocs, words = SNIPPET_WORDS) => {
  const { query, docs } = ragSet(seed, nDocs, ...words);
  return docs.map((d) => [query, d]);
};

/**
 * Build every requested workload. Returns { name: { calls: [[q, d][]...], concurrent: bool, ... } }:
 * `calls` are the score() calls made per repetition (several only for `concurrent`, issued at once).
 * `latency` also has `large` calls and the `background` call; its `calls` are the small ones.
 */
export async function buildWorkloads(tok, names) {
  const out = {};
  for (const name of names) {
    if (name === 'rag') {
      const { query, docs } = ragSet(1001);
      out.rag = { calls: [docs.map((d) => [query, d])], concurrent: false };
    } else if (name === 'concurrent') {
      const calls = [];
      for (let i = 0; i < CONCURRENT_CALLS; i++) {
        const { query, docs } = ragSet(2001 + i);
        calls.push(docs.map((d) => [query, d]));
      }
      out.concurrent = { calls, concurrent: true };
    } else if (FIXED_SIZES[name]) {
      const t = FIXED_SIZES[name];
      out[name] = { calls: [await fixedPairs(tok, 3000 + t, t, fixedCount(t))], concurrent: false };
    } else if (name === 'latency') {
      out.latency = {
        calls: Array.from({ length: LATENCY_CALLS.small }, (_, i) => callOf(4001 + i, LATENCY_DOCS.small)),
        large: Array.from({ length: LATENCY_CALLS.large }, (_, i) => callOf(4101 + i, LATENCY_DOCS.large)),
        background: callOf(4201, LATENCY_DOCS.background, BACKGROUND_WORDS),
        concurrent: false,
      };
    } else if (name === 'multimodel') {
      out.multimodel = { calls: Array.from({ length: MULTIMODEL_CALLS }, (_, i) => callOf(5001 + i, MULTIMODEL_DOCS)), concurrent: true };
    } else {
      throw new Error(`unknown workload "${name}" (have: ${WORKLOADS.join(', ')})`);
    }
  }
  return out;
}
