import { createContext, useContext, type ReactNode } from 'react';
import type { Route } from '../model/route.js';

const NavigationContext = createContext<(route: Route) => void>(() => undefined);

export function NavigationProvider({ navigate, children }: { navigate: (route: Route) => void; children: ReactNode }) {
  return <NavigationContext.Provider value={navigate}>{children}</NavigationContext.Provider>;
}

export function useNavigate(): (route: Route) => void {
  return useContext(NavigationContext);
}
