// Runners: command lines, shell quoting, run environment and run folders. Pure Node (no vscode).
export * from './quote';
export * from './command';
export * from './env';
export * from './runs';
export * from './git';
export * from './pair';
export * from './insertDump';
export * from './dumpTarget';
export * from './plan';
export * from './summary';
export * from './modelId';
export * from './mlxEntry';
export * from './drill';
export * from './tail';
export * from './history';
export * from './floorRun';
