import { utilityProcess } from 'electron';
import type { EngineLauncher } from '../service/engine/engine-process.js';

/** Starts the engine host as an Electron utility process (a Node environment without Electron's app APIs). */
export function utilityEngineLauncher(hostPath: string): EngineLauncher {
  return ({ hiddenEnv }) => {
    const hidden = new Set(hiddenEnv);
    const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !hidden.has(name)));
    const child = utilityProcess.fork(hostPath, [], { serviceName: 'mailferry-engine', env, stdio: 'inherit' });
    return {
      send: (command) => child.postMessage(command),
      onMessage: (listener) => child.on('message', listener),
      // Electron reports a crash as an exit with a non-zero code.
      onExit: (listener) => child.once('exit', (code) => listener(code)),
      kill: () => {
        child.kill();
      },
    };
  };
}
