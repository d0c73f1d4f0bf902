// `mflux-port`: the headless engine for CI and terminal users.
import { main } from './cli/main';

/**
 * Exits once everything written to stdout and stderr has reached the OS: to a pipe, Node
 * writes asynchronously, and `process.exit` with writes pending cuts the output (a 900 KB
 * `--json -` stopped at 64 KB). The empty write's callback runs after every earlier write.
 * A closed reader (`| head`) reports EPIPE: nothing more can be delivered, so exit then too.
 */
function exitWhenFlushed(code: number): void {
  let pending = 2;
  const done = () => {
    if (--pending === 0) process.exit(code);
  };
  for (const stream of [process.stdout, process.stderr]) {
    let called = false;
    const once = () => {
      if (called) return;
      called = true;
      done();
    };
    stream.once('error', once);
    stream.write('', once);
  }
}

main(process.argv.slice(2)).then(
  (code) => exitWhenFlushed(code),
  (err: unknown) => {
    process.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
    exitWhenFlushed(2);
  },
);
