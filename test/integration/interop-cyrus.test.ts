import { startCyrus } from '../support/cyrus.js';
import { interopSuite } from '../support/interop-scenarios.js';

// Cyrus IMAP 3.6 with Debian's settings: folders under "INBOX." with "." between levels; it
// refuses bare LF, NUL in headers and empty messages, and makes parents of new folders real.
interopSuite('Cyrus 3.6', () => startCyrus(), {
  keywords: true,
  skipsQuietFolders: true,
  refused: Buffer.from('Subject: a NUL \0 in a header\r\nMessage-ID: <nul@interop.test>\r\n\r\nbody\r\n'),
});
