/**
 * Entry of the engine host process: a utility process under Electron, a forked Node child under
 * `mailferry serve`. Everything it knows arrives by message (engine-protocol.ts); a process
 * started any other way refuses to run.
 */
import { HostSession } from './host-session.js';
import { parentTransport } from './host-transport.js';

const session = new HostSession(parentTransport(), (code) => process.exit(code));
session.listen();

// The supervisor going away (its IPC channel closing) leaves nobody to report to.
process.on('disconnect', () => process.exit(0));
