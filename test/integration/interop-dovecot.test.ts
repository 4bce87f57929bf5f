import { startDovecot } from '../support/dovecot.js';
import { interopSuite } from '../support/interop-scenarios.js';

// Dovecot 2.3 as Debian ships it: every extension Mailferry uses.
interopSuite('Dovecot 2.3', () => startDovecot(), { keywords: true, skipsQuietFolders: true, refused: Buffer.alloc(0) });
