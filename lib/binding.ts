import path from 'node:path';
import { isMainThread } from 'node:worker_threads';

import type { NativeBinding } from '../binding';

let binding: NativeBinding | undefined;

/**
 * The native module, loaded on first use: a prebuilt binary from prebuilds/ or a local build from
 * build/Release (node-gyp-build decides), so importing crossrank never fails before it is used.
 */
export function native(): NativeBinding {
  if (!binding) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const load = require('node-gyp-build') as (dir: string) => NativeBinding;
    binding = load(path.join(__dirname, '..'));
    // Node emits 'exit' before exit() runs static destructors, ONNX Runtime's among them: stop our
    // threads first (see native/runtime/process_exit.h). Workers stop theirs in their own teardown.
    if (isMainThread) process.once('exit', binding.stopForExit);
  }
  return binding;
}
