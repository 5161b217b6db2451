import fs from 'node:fs';
import path from 'node:path';

/** crossrank's version, from package.json (lib/ and dist/ both sit one level below it). */
export const VERSION: string = (
  JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'package.json'), 'utf8')) as { version: string }
).version;
