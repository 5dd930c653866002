/**
 * A module hook for a spawned server (`NODE_OPTIONS=--import <this file>`, `MODULE_TRAIL=<file>`):
 * appends the URL of every package module the process resolves to MODULE_TRAIL, so a test can see
 * which dependencies a process loaded. Registered from the main thread; the hook itself runs on
 * Node's module-hooks thread.
 */
import { appendFileSync } from 'node:fs';
import { register } from 'node:module';
import process from 'node:process';
import { isMainThread } from 'node:worker_threads';

if (isMainThread) register(import.meta.url);

export async function resolve(specifier, context, nextResolve) {
  const resolved = await nextResolve(specifier, context);
  if (resolved.url.includes('/node_modules/'))
    appendFileSync(process.env.MODULE_TRAIL, `${resolved.url}\n`);
  return resolved;
}
