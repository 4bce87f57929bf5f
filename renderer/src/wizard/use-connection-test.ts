import { useRef, useState } from 'react';
import { errorText, useBridge } from '../api/api-context.js';
import { endpointInput, sameConnection, type ServerDraft } from '../model/server-draft.js';
import type { TestState } from './ServerForm.js';

/**
 * One server's draft and its connection test. Testing a draft also adopts it (so "trust this
 * certificate" keeps the pin), and a result only counts while the draft is unchanged.
 */
export function useConnectionTest(initial: ServerDraft, stored?: { account: string; side: 'remote' | 'local' }) {
  const bridge = useBridge();
  const [draft, setDraft] = useState(initial);
  const [test, setTest] = useState<TestState>({ status: 'idle' });
  const generation = useRef(0);

  const run = (tested: ServerDraft) => {
    const mine = ++generation.current;
    setDraft(tested);
    setTest({ status: 'testing' });
    bridge
      .request('testConnection', { endpoint: endpointInput(tested), ...(stored && tested.password === '' ? stored : {}) })
      .then(
        (result) => mine === generation.current && setTest({ status: 'done', result, draft: tested }),
        (err: unknown) => mine === generation.current && setTest({ status: 'failed', message: errorText(err) }),
      );
  };

  const passed = test.status === 'done' && test.result.ok && sameConnection(test.draft, draft);
  const folders = test.status === 'done' && test.result.ok ? test.result.folders : null;
  return { draft, setDraft, test, run, passed, folders };
}
