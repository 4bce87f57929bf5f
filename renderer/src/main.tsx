import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { z } from 'zod';
import { App } from './App.js';
import { ApiProvider } from './api/api-context.js';
import { connectToHost, NoHostError } from './api/connect.js';
import { createLiveStore } from './api/live-store.js';
import './styles/app.css';

// zod compiles fast validators with `new Function`, which the CSP forbids (no 'unsafe-eval').
z.config({ jitless: true });

const root = createRoot(document.getElementById('root') as HTMLElement);

try {
  const connection = connectToHost();
  const live = createLiveStore(connection.bridge);
  void live.reloadAccounts();
  root.render(
    <StrictMode>
      <ApiProvider connection={connection} live={live}>
        <App />
      </ApiProvider>
    </StrictMode>,
  );
} catch (err) {
  if (!(err instanceof NoHostError)) throw err;
  root.render(
    <main className="no-host">
      <h1>Mailferry is not connected</h1>
      <p>{err.message}</p>
    </main>,
  );
}
