'use strict';
// test/support/corpus.ts for the dev tools, without a build step. The corpus imports an .mjs, so on
// Node 20 the tools run with --experimental-require-module.
const fs = require('fs');
const path = require('path');
const Module = require('module');

const ROOT = path.join(__dirname, '..', '..', '..');

function loadCorpus() {
  const ts = require(require.resolve('typescript', { paths: [ROOT] }));
  const file = path.join(ROOT, 'test', 'support', 'corpus.ts');
  const out = ts.transpileModule(fs.readFileSync(file, 'utf8'), {
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2020 },
  });
  const m = new Module(file);
  m.filename = file;
  m.paths = Module._nodeModulePaths(path.dirname(file));
  m._compile(out.outputText, file);
  return m.exports;
}

module.exports = { loadCorpus, ROOT };
