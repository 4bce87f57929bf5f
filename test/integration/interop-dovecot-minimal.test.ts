import { startDovecot } from '../support/dovecot.js';
import { interopSuite } from '../support/interop-scenarios.js';

/**
 * Dovecot answering like a bare IMAP4rev1 server: no CONDSTORE, QRESYNC, UIDPLUS, MOVE,
 * LIST-STATUS, MULTIAPPEND, SPECIAL-USE or IDLE, so every scenario also runs down the paths
 * that servers lacking them take.
 */
interopSuite('Dovecot without extensions', () => startDovecot({ capability: 'IMAP4rev1 LITERAL+ SASL-IR LOGIN-REFERRALS ID ENABLE NAMESPACE CHILDREN' }), {
  keywords: true,
  skipsQuietFolders: false,
  refused: Buffer.alloc(0),
});
