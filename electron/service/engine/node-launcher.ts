import { fork } from 'node:child_process';
import type { EngineLauncher } from './engine-process.js';

/**
 * Starts the bundled engine host as a Node child. The environment is the parent's minus the
 * variables that hold passwords: the host gets its secrets by message only.
 */
export function nodeEngineLauncher(hostPath: string): EngineLauncher {
  return ({ hiddenEnv }) => {
    const hidden = new Set(hiddenEnv);
    const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !hidden.has(name)));
    const child = fork(hostPath, [], { env, execArgv: [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'], serialization: 'json' });
    return {
      send: (command) => {
        if (child.connected) child.send(command);
      },
      onMessage: (listener) => child.on('message', listener),
      onExit: (listener) => child.once('exit', (code) => listener(code)),
      kill: () => {
        child.kill('SIGKILL');
      },
    };
  };
}
