'use strict';
// Shared by the Unicode table generators: a per-code-point value emitted as a two-level C++ table,
// stage1[cp >> SHIFT] = block index, stage2[block * BLOCK + (cp & (BLOCK - 1))] = value, with identical
// blocks stored once.
const MAX_CP = 0x10ffff;
const SHIFT = 7; // block size 128
const BLOCK = 1 << SHIFT;

function twoLevel(valueAt, name, ctype) {
  const nBlocks = (MAX_CP + 1) >> SHIFT;
  const blockIds = new Map();
  const stage1 = [];
  const stage2 = [];
  for (let b = 0; b < nBlocks; b++) {
    const vals = [];
    for (let i = 0; i < BLOCK; i++) vals.push(valueAt((b << SHIFT) | i));
    const key = vals.join(',');
    let id = blockIds.get(key);
    if (id === undefined) {
      id = blockIds.size;
      blockIds.set(key, id);
      stage2.push(vals);
    }
    stage1.push(id);
  }
  const lines = [];
  lines.push(`const uint16_t ${name}Stage1[${stage1.length}] = {`);
  for (let i = 0; i < stage1.length; i += 24) lines.push('  ' + stage1.slice(i, i + 24).join(',') + ',');
  lines.push('};');
  lines.push(`const ${ctype} ${name}Stage2[${stage2.length * BLOCK}] = {`);
  for (const vals of stage2) {
    for (let i = 0; i < BLOCK; i += 32) lines.push('  ' + vals.slice(i, i + 32).join(',') + ',');
  }
  lines.push('};');
  return { text: lines.join('\n'), blocks: stage2.length };
}

module.exports = { MAX_CP, SHIFT, BLOCK, twoLevel };
