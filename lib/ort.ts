import fs from 'node:fs';
import path from 'node:path';

import { CrossrankError } from './errors';

/** Where ONNX Runtime's shared library is looked up when no option says otherwise. */
export const ORT_LIBRARY_ENV = 'CROSSRANK_ORT_LIBRARY';

/**
 * The ONNX Runtime library to dlopen: the `ortLibraryPath` option, else $CROSSRANK_ORT_LIBRARY, else
 * the copy shipped inside the installed onnxruntime-node package.
 */
export function resolveOrtLibrary(option: string | undefined): string {
  const explicit = option ?? process.env[ORT_LIBRARY_ENV];
  const source = option !== undefined ? 'the ortLibraryPath option' : `$${ORT_LIBRARY_ENV}`;
  if (explicit !== undefined && explicit !== '') {
    const resolved = path.resolve(explicit);
    if (!fs.existsSync(resolved)) {
      throw new CrossrankError('ORT_UNAVAILABLE', `${source} names ${resolved}, which does not exist`);
    }
    return resolved;
  }
  let packageJson: string;
  try {
    packageJson = require.resolve('onnxruntime-node/package.json');
  } catch (cause) {
    throw new CrossrankError(
      'ORT_UNAVAILABLE',
      `onnxruntime-node is not installed; install it or set ortLibraryPath / $${ORT_LIBRARY_ENV} to libonnxruntime.so.1`,
      { cause },
    );
  }
  const library = path.join(
    path.dirname(packageJson),
    'bin',
    'napi-v6',
    process.platform,
    process.arch,
    process.platform === 'darwin' ? 'libonnxruntime.1.dylib' : 'libonnxruntime.so.1',
  );
  if (!fs.existsSync(library)) {
    throw new CrossrankError(
      'ORT_UNAVAILABLE',
      `onnxruntime-node has no ONNX Runtime library for ${process.platform}-${process.arch} (looked for ${library}); ` +
        `set ortLibraryPath or $${ORT_LIBRARY_ENV}`,
    );
  }
  return library;
}
