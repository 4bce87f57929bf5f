import { startCourier } from '../support/courier.js';
import { interopSuite } from '../support/interop-scenarios.js';

// Courier-IMAP 5.0: folders under "INBOX." with "."; no CONDSTORE, QRESYNC, MOVE, LIST-STATUS
// or MULTIAPPEND. It stored every message tried (empty, NUL bytes, bare CR), so no refusal.
interopSuite('Courier 5.0', () => startCourier(), { keywords: true, skipsQuietFolders: false, refused: null });
