import { spawnSync } from 'node:child_process';
import path from 'node:path';

import { describe, expect, it } from 'vitest';

import { fixture } from './support/fixtures';

const ROOT = path.join(__dirname, '..');
const CHILD = path.join(__dirname, 'support', 'teardown-child.cjs');

/** Workers ending in the given ways, in a child process: an abort there fails the test, not the runner. */
function workers(count: number, modes: string[]) {
  return spawnSync(process.execPath, [CHILD, ROOT, fixture('tiny'), String(count), modes.join(',')], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 120_000,
  });
}

function expectSurvived(result: ReturnType<typeof workers>): void {
  expect(result.stderr).toBe('');
  expect(result.signal).toBeNull();
  expect(result.status).toBe(0);
  expect(result.stdout.trim()).toBe('survived');
}

describe('worker_threads ending with crossrank work in flight', () => {
  it('20 workers, every third terminated mid-call: the process survives and the main thread scores on', () => {
    expectSurvived(workers(20, ['normal', 'normal', 'terminate']));
  });

  it('workers that call process.exit() mid-call', () => {
    expectSurvived(workers(8, ['exit']));
  });

  it('workers terminated during load()', () => {
    expectSurvived(workers(8, ['load']));
  });

  it('workers terminated with close() half done, and workers dying of an uncaught exception', () => {
    expectSurvived(workers(8, ['close', 'throw']));
  });
});

/** The main thread's own exits, with work in flight (a medium model, so that calls are still running). */
function mainThread(script: string) {
  const prelude =
    `const { Reranker } = require(${JSON.stringify(ROOT)});` +
    `const model = ${JSON.stringify(fixture('medium'))};` +
    `const docs = Array.from({ length: 100 }, (_, i) => 'passage ' + i + ' about node and search '.repeat(1 + (i % 20)));`;
  return spawnSync(process.execPath, ['-e', prelude + script], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
}

describe('the main thread exiting with work in flight', () => {
  it('process.exit() while load() builds the session', () => {
    const result = mainThread(`Reranker.load(model).catch(() => {}); setTimeout(() => process.exit(5), 20);`);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(5);
  });

  it('process.exit() while close() is joining a running batch', () => {
    const result = mainThread(
      `Reranker.load(model).then(r => { r.rerank('q', docs).catch(() => {}); setTimeout(() => { r.close(); process.exit(4); }, 30); });`,
    );
    expect(result.stderr).toBe('');
    expect(result.status).toBe(4);
  });

  it('an uncaught exception while calls run', () => {
    const result = mainThread(
      `Reranker.load(model).then(r => { r.rerank('q', docs).catch(() => {}); setTimeout(() => { throw new Error('uncaught on purpose'); }, 30); });`,
    );
    expect(result.status).toBe(1);
    expect(result.signal).toBeNull();
    expect(result.stderr).toMatch(/uncaught on purpose/);
    expect(result.stderr).not.toMatch(/terminate called|Aborted|Segmentation|FATAL/);
  });

  it('SIGTERM handled by process.exit(), as servers do, and SIGINT left to its default', () => {
    const handled = mainThread(
      `Reranker.load(model).then(r => { r.rerank('q', docs).catch(() => {}); process.on('SIGTERM', () => process.exit(0));` +
        ` setTimeout(() => process.kill(process.pid, 'SIGTERM'), 30); });`,
    );
    expect(handled.stderr).toBe('');
    expect(handled.status).toBe(0);
    const unhandled = mainThread(
      `Reranker.load(model).then(r => { r.rerank('q', docs).catch(() => {}); setTimeout(() => process.kill(process.pid, 'SIGINT'), 30); });`,
    );
    expect(unhandled.stderr).toBe('');
    expect(unhandled.signal).toBe('SIGINT');
  });
});
