// Messages between the compare worker and its caller.
import type { CompareOptions, CompareOutput, CompareProgress } from './types';

export type WorkerRequest = { readonly type: 'run'; readonly options: CompareOptions } | { readonly type: 'cancel' };

export type WorkerReply =
  | { readonly type: 'progress'; readonly progress: CompareProgress }
  | { readonly type: 'done'; readonly output: CompareOutput }
  | { readonly type: 'error'; readonly name: string; readonly message: string };
