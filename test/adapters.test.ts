import { spawnSync } from 'node:child_process';
import path from 'node:path';

import { Document } from '@langchain/core/documents';
import { TextNode } from '@llamaindex/core/schema';
import { afterEach, describe, expect, it, vi } from 'vitest';

import { crossrank } from '../lib/adapters/ai-sdk';
import { CrossrankRerank as LangChainRerank } from '../lib/adapters/langchain';
import { CrossrankRerank as LlamaIndexRerank } from '../lib/adapters/llamaindex';
import { closeSharedRerankers } from '../lib/adapters/shared';
import { Reranker } from '../lib/index';
import { fixture } from './support/fixtures';

const ROOT = path.join(__dirname, '..');
const FRAMEWORK = /node_modules[\\/](@langchain|@llamaindex|@ai-sdk|ai|llamaindex|langchain)[\\/]/;

/** Runs `script` in a fresh Node process at the package root, where `crossrank` resolves to this package. */
function node(script: string, type: 'commonjs' | 'module' = 'commonjs') {
  const args = type === 'module' ? ['--input-type=module', '-e', script] : ['-e', script];
  const run = spawnSync(process.execPath, args, { cwd: ROOT, encoding: 'utf8' });
  expect(run.stderr).toBe('');
  return run.stdout.trim();
}

const loadedFrameworks = (entry: string) =>
  JSON.parse(
    node(
      `require(${JSON.stringify(entry)}); const re = ${FRAMEWORK};` +
        `console.log(JSON.stringify([...new Set(Object.keys(require.cache).filter((k) => re.test(k))` +
        `.map((k) => k.split(/node_modules[\\\\/]/).pop().split(/[\\\\/]/).slice(0, 2).join('/')))]))`,
    ),
  ) as string[];

describe('the adapter entry points', () => {
  it('importing crossrank loads no framework; each subpath loads only its own', () => {
    expect(loadedFrameworks('crossrank')).toEqual([]);
    expect(loadedFrameworks('crossrank/ai-sdk')).toEqual([]); // it needs the SDK's types only
    expect(loadedFrameworks('crossrank/langchain').every((p) => p.startsWith('@langchain/'))).toBe(true);
    expect(loadedFrameworks('crossrank/langchain')).toContain('@langchain/core');
    expect(loadedFrameworks('crossrank/llamaindex').every((p) => p.startsWith('@llamaindex/'))).toBe(true);
  });

  it('are importable with require() and import, named exports and types included', () => {
    expect(
      node(
        `import { CrossrankRerank as A } from 'crossrank/langchain'; import { CrossrankRerank as B } from 'crossrank/llamaindex';` +
          `import { crossrank, createCrossrank, closeSharedRerankers } from 'crossrank/ai-sdk';` +
          `console.log(typeof A, typeof B, typeof crossrank.reranking, typeof createCrossrank, typeof closeSharedRerankers)`,
        'module',
      ),
    ).toBe('function function function function function');
    expect(node(`console.log(typeof require('crossrank/langchain').CrossrankRerank)`)).toBe('function');
    const pkg = require('../package.json');
    for (const sub of ['./langchain', './llamaindex', './ai-sdk']) {
      expect(pkg.exports[sub].types).toMatch(/\.d\.ts$/);
      expect(require('node:fs').existsSync(path.join(ROOT, pkg.exports[sub].types))).toBe(true);
    }
    for (const peer of ['@langchain/core', '@llamaindex/core', '@ai-sdk/provider']) {
      expect(pkg.peerDependenciesMeta[peer]).toEqual({ optional: true });
      expect(pkg.devDependencies[peer]).toBeDefined();
    }
  });
});

describe('the shared model cache', () => {
  afterEach(async () => {
    await closeSharedRerankers();
    vi.restoreAllMocks();
  });

  const useAll = (model: string, options: object = {}) => [
    new LangChainRerank({ model, ...options }).compressDocuments([new Document({ pageContent: 'a passage', metadata: {} })], 'q'),
    new LlamaIndexRerank({ model, ...options }).postprocessNodes([{ node: new TextNode({ text: 'a passage' }) }], 'q'),
    crossrank.reranking(model, options).doRerank({ query: 'q', documents: { type: 'text', values: ['a passage'] } }),
  ];

  it('loads a model once, on first use, for every adapter and instance, however the folder is named', async () => {
    const load = vi.spyOn(Reranker, 'load');
    const relative = path.relative(process.cwd(), fixture('tiny'));
    const adapters = [new LangChainRerank({ model: fixture('tiny') }), new LlamaIndexRerank({ model: relative })];
    expect(load).not.toHaveBeenCalled(); // constructing loads nothing
    expect(adapters[0].model).toBe(fixture('tiny'));
    await Promise.all([...useAll(fixture('tiny')), ...useAll(relative), ...useAll(fixture('tiny'), { threads: 0 })]);
    // threads: 0 is the default, but options are keyed as given: a second copy.
    expect(load.mock.calls).toEqual([
      [fixture('tiny'), {}],
      [fixture('tiny'), { threads: 0 }],
    ]);
  });

  it('closes what it loaded (and loads again on next use), never a Reranker the caller passed in', async () => {
    const mine = await Reranker.load(fixture('tiny'));
    try {
      const load = vi.spyOn(Reranker, 'load');
      const shared = new LangChainRerank({ model: fixture('tiny') });
      await Promise.all([...useAll(fixture('tiny')), new LangChainRerank({ model: mine }).rerank(['a'], 'q')]);
      const sharedModel = await load.mock.results[0].value;
      await closeSharedRerankers();
      await expect(sharedModel.rerank('q', ['a'])).rejects.toMatchObject({ code: 'CLOSED' });
      expect(await mine.rerank('q', ['a'])).toHaveLength(1);
      expect(await shared.rerank(['a'], 'q')).toHaveLength(1);
      expect(load).toHaveBeenCalledTimes(2);
    } finally {
      await mine.close();
    }
  });

  it('does not keep a failed load: the next use tries again', async () => {
    const load = vi.spyOn(Reranker, 'load');
    const adapter = new LangChainRerank({ model: fixture('tiny'), maxLength: 1_000_000 });
    await expect(adapter.rerank(['a'], 'q')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(adapter.rerank(['a'], 'q')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect(load).toHaveBeenCalledTimes(2);
  });

  it('lets a signal cancel a call that is still waiting for its model to load', async () => {
    let failLoad!: (error: Error) => void;
    vi.spyOn(Reranker, 'load').mockReturnValue(new Promise<Reranker>((_, reject) => (failLoad = reject)));
    const model = crossrank.reranking(fixture('tiny'));
    const controller = new AbortController();
    const call = model.doRerank({ query: 'q', documents: { type: 'text', values: ['a'] }, abortSignal: controller.signal });
    setTimeout(() => controller.abort(), 20);
    await expect(call).rejects.toMatchObject({ name: 'AbortError' });
    failLoad(new Error('never loaded')); // settles the cached load, so that closing the cache does not wait
  });
});
