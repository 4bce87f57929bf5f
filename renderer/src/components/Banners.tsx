import { useConnectionState, useLive, useLiveStore } from '../api/api-context.js';
import { formatCount } from '../model/format.js';

/** Problems with Mailferry itself, above every screen: the connection to it and engine restarts. */
export function Banners() {
  const connection = useConnectionState();
  const { engineRestart } = useLive();
  const store = useLiveStore();
  return (
    <>
      {connection === 'lost' && (
        <div className="banner banner-warning" role="status">
          The connection to Mailferry was lost. Reconnecting…
        </div>
      )}
      {connection === 'refused' && (
        <div className="banner banner-error" role="alert">
          Cannot connect to Mailferry. Check that <code>mailferry serve</code> is still running; if it was started again, open
          the new address it printed.
        </div>
      )}
      {engineRestart && (
        <div className="banner banner-warning" role="status">
          <span>
            The sync engine stopped unexpectedly and was started again ({formatCount(engineRestart.restarts, 'restart')}):{' '}
            {engineRestart.reason}. Your mail is safe: interrupted work is finished on the next sync.
          </span>
          <button type="button" className="link-button" onClick={store.dismissEngineRestart}>
            Dismiss
          </button>
        </div>
      )}
    </>
  );
}
