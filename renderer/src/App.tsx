import { useEffect, useRef, useState } from 'react';
import { useConnectionState, useEvent, useLive, useLiveStore } from './api/api-context.js';
import { Banners } from './components/Banners.js';
import { Notices } from './components/Notices.js';
import { NavigationProvider } from './components/navigation.js';
import { routeFor, type Route } from './model/route.js';
import { AccountDetailScreen } from './screens/AccountDetailScreen.js';
import { AccountsScreen } from './screens/AccountsScreen.js';
import { ActivityScreen } from './screens/ActivityScreen.js';
import { ConflictsScreen } from './screens/ConflictsScreen.js';
import { SettingsScreen } from './screens/SettingsScreen.js';
import { AccountWizard } from './wizard/AccountWizard.js';

const NAV: { screen: 'accounts' | 'conflicts' | 'activity' | 'settings'; label: string }[] = [
  { screen: 'accounts', label: 'Accounts' },
  { screen: 'conflicts', label: 'Conflicts' },
  { screen: 'activity', label: 'Activity' },
  { screen: 'settings', label: 'Settings' },
];

/** Which top-level entry a route belongs to, for aria-current. */
function section(route: Route): string {
  switch (route.screen) {
    case 'account':
    case 'add-account':
    case 'edit-account':
      return 'accounts';
    default:
      return route.screen;
  }
}

export function App() {
  const [route, setRoute] = useState<Route>({ screen: 'accounts' });
  const live = useLive();
  const store = useLiveStore();
  const connection = useConnectionState();
  const mainRef = useRef<HTMLElement>(null);
  const wasOpen = useRef(connection === 'open');

  useEvent('navigate', (target) => setRoute(routeFor(target)));

  // After the host comes back, everything may have moved on: read the accounts again.
  useEffect(() => {
    if (connection === 'open' && !wasOpen.current) void store.reloadAccounts();
    wasOpen.current = connection === 'open';
  }, [connection, store]);

  const conflicts = (live.accounts ?? []).reduce((n, a) => n + a.totals.conflicts, 0);

  return (
    <NavigationProvider navigate={setRoute}>
      <div className="app">
        <button type="button" className="skip-link" onClick={() => mainRef.current?.focus()}>
          Skip to content
        </button>
        <nav className="sidebar" aria-label="Mailferry">
          <p className="brand" aria-hidden="true">
            Mailferry
          </p>
          <ul>
            {NAV.map((item) => (
              <li key={item.screen}>
                <button
                  type="button"
                  className="nav-item"
                  aria-current={section(route) === item.screen ? 'page' : undefined}
                  onClick={() => setRoute(item.screen === 'conflicts' ? { screen: 'conflicts', account: null } : { screen: item.screen })}
                >
                  {item.label}
                  {item.screen === 'conflicts' && conflicts > 0 && (
                    <span className="count" aria-label={`${conflicts} open`}>
                      {conflicts}
                    </span>
                  )}
                </button>
              </li>
            ))}
          </ul>
        </nav>
        <main id="main" ref={mainRef} tabIndex={-1}>
          <Banners />
          <Screen route={route} />
        </main>
        <Notices onOpen={(target) => setRoute(routeFor(target))} />
      </div>
    </NavigationProvider>
  );
}

function Screen({ route }: { route: Route }) {
  switch (route.screen) {
    case 'accounts':
      return <AccountsScreen />;
    case 'account':
      return <AccountDetailScreen key={route.account} account={route.account} />;
    case 'conflicts':
      return <ConflictsScreen account={route.account} />;
    case 'activity':
      return <ActivityScreen />;
    case 'settings':
      return <SettingsScreen />;
    case 'add-account':
      return <AccountWizard mode={{ kind: 'add' }} />;
    case 'edit-account':
      return <AccountWizard key={route.account} mode={{ kind: 'edit', account: route.account }} />;
  }
}
