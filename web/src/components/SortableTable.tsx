import type { ComponentChildren, JSX } from 'preact';
import { useMemo, useState } from 'preact/hooks';
import { sortRows, toggleSort, type SortDir, type SortState, type SortValue } from '../lib/table';

export interface Column<T> {
  key: string;
  label: ComponentChildren;
  title?: string;
  /** What the column sorts by; no sorting when absent. */
  sort?: (row: T) => SortValue;
  render: (row: T, index: number) => ComponentChildren;
  align?: 'left' | 'right' | 'center';
  /** First direction when this column is clicked (numbers usually start descending). */
  defaultDir?: SortDir;
  width?: string;
  class?: string;
}

export interface SortableTableProps<T> {
  columns: Column<T>[];
  rows: T[];
  rowKey: (row: T, index: number) => string | number;
  initialSort?: SortState | null;
  rowProps?: (row: T, index: number) => JSX.HTMLAttributes<HTMLTableRowElement> & Record<string, unknown>;
  testid?: string;
  empty?: ComponentChildren;
  limit?: number;
  dense?: boolean;
}

export function SortableTable<T>({ columns, rows, rowKey, initialSort = null, rowProps, testid, empty, limit, dense }: SortableTableProps<T>) {
  const [sort, setSort] = useState<SortState | null>(initialSort);
  const [showAll, setShowAll] = useState(false);
  const sorted = useMemo(() => {
    if (!sort) return rows;
    const col = columns.find((c) => c.key === sort.key);
    if (!col?.sort) return rows;
    return sortRows(rows, col.sort, sort.dir);
  }, [rows, sort, columns]);
  const shown = limit && !showAll ? sorted.slice(0, limit) : sorted;
  return (
    <div class="table-wrap">
      <table class={`table${dense ? ' dense' : ''}`} data-testid={testid}>
        <thead>
          <tr>
            {columns.map((c) => {
              const active = sort?.key === c.key;
              const ariaSort = active ? (sort!.dir === 'asc' ? 'ascending' : 'descending') : c.sort ? 'none' : undefined;
              return (
                <th
                  class={`${c.sort ? 'sortable' : ''} ${active ? 'sorted' : ''} align-${c.align ?? 'left'} ${c.class ?? ''}`}
                  style={c.width ? { width: c.width } : undefined}
                  aria-sort={ariaSort as JSX.AriaAttributes['aria-sort']}
                  title={c.title}
                  data-testid={testid ? `${testid}-th-${c.key}` : undefined}
                  data-sort={active ? sort!.dir : undefined}
                  onClick={c.sort ? () => setSort(toggleSort(sort, c.key, c.defaultDir ?? 'asc')) : undefined}
                >
                  {c.label}
                  {c.sort && <span class="sort-arrow">{active ? (sort!.dir === 'asc' ? '▲' : '▼') : '↕'}</span>}
                </th>
              );
            })}
          </tr>
        </thead>
        <tbody>
          {shown.length === 0 ? (
            <tr>
              <td class="empty-cell" colSpan={columns.length}>
                {empty ?? 'Nothing to show'}
              </td>
            </tr>
          ) : (
            shown.map((row, i) => (
              <tr key={rowKey(row, i)} {...(rowProps ? rowProps(row, i) : {})}>
                {columns.map((c) => (
                  <td class={`align-${c.align ?? 'left'} ${c.class ?? ''}`}>{c.render(row, i)}</td>
                ))}
              </tr>
            ))
          )}
        </tbody>
      </table>
      {limit && sorted.length > limit && (
        <div class="table-more">
          <button class="btn btn-small btn-ghost" onClick={() => setShowAll(!showAll)}>
            {showAll ? `Show the first ${limit}` : `Show all ${sorted.length} rows`}
          </button>
        </div>
      )}
    </div>
  );
}
