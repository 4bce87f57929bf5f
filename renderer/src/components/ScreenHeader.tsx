import { useEffect, useRef, type ReactNode } from 'react';

/**
 * Each screen's heading takes the focus when the screen opens, so keyboard and screen-reader
 * users start at the top of what they just opened instead of on the button that opened it.
 */
export function ScreenHeader({ title, children, back }: { title: string; children?: ReactNode; back?: ReactNode }) {
  const ref = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    ref.current?.focus();
    document.title = `${title} · Mailferry`;
  }, [title]);
  return (
    <header className="screen-header">
      {back}
      <h1 ref={ref} tabIndex={-1}>
        {title}
      </h1>
      {children && <div className="screen-actions">{children}</div>}
    </header>
  );
}
