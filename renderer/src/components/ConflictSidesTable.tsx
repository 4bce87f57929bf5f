import type { ConflictSides } from '../../../shared/conflict-sides.js';
import { comparisonRows, type SideNames } from '../model/conflict-sides.js';

/** What happened on each side of a conflict, side by side: one row per fact, one column per side. */
export function ConflictSidesTable({ sides, names }: { sides: ConflictSides; names: SideNames }) {
  return (
    <table className="conflict-sides">
      <caption>What happened on each side</caption>
      <thead>
        <tr>
          <td />
          <th scope="col">{names.local}</th>
          <th scope="col">{names.remote}</th>
        </tr>
      </thead>
      <tbody>
        {comparisonRows(sides).map((row) => (
          <tr key={row.label} className={row.local === row.remote ? undefined : 'differs'}>
            <th scope="row">{row.label}</th>
            <td>{row.local}</td>
            <td>{row.remote}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
