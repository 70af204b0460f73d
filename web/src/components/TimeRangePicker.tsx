/**
 * @module The time range picker: relative ranges (5 minutes … 7 days) or a custom from/to, which
 * dragging across a chart also sets. The choice lives in the URL (range, or from and to).
 */
import { useEffect, useState } from 'react';
import { RANGES, type Params } from '../time-window.ts';

/** A `datetime-local` value (local time, seconds precision) for a Unix time in s. */
function toLocalInput(t: number): string {
  const d = new Date(t * 1000);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

function fromLocalInput(v: string): number {
  return Math.floor(new Date(v).getTime() / 1000);
}

/** The range select (and, for a custom range, From/To inputs and Apply); `start`/`end` (s) seed the inputs. */
export function TimeRangePicker({ params, setParams, start, end }: { params: Params; setParams: (p: Params) => void; start: number; end: number }) {
  const custom = Boolean(params.from && params.to);
  const [editing, setEditing] = useState(false);
  const [from, setFrom] = useState(() => toLocalInput(start));
  const [to, setTo] = useState(() => toLocalInput(end));
  useEffect(() => {
    if (!params.from || !params.to) return;
    setFrom(toLocalInput(Number(params.from)));
    setTo(toLocalInput(Number(params.to)));
  }, [params.from, params.to]);
  const showInputs = custom || editing;
  const valid = from !== '' && to !== '' && fromLocalInput(from) < fromLocalInput(to);
  return (
    <>
      {/* The label is not wrapped around the select: its text would then include every option's. */}
      <div className="field">
        <label htmlFor="range-select">Time range</label>
        <select
          id="range-select"
          value={showInputs ? 'custom' : String(params.range ?? 3600)}
          onChange={(e) => {
            if (e.target.value === 'custom') {
              setFrom(toLocalInput(start));
              setTo(toLocalInput(end));
              setEditing(true);
              return;
            }
            setEditing(false);
            setParams({ ...params, range: e.target.value, from: '', to: '' });
          }}
        >
          {RANGES.map((r) => (
            <option key={r.seconds} value={r.seconds}>
              {r.label}
            </option>
          ))}
          <option value="custom">Custom…</option>
        </select>
      </div>
      {showInputs && (
        <fieldset className="custom-range">
          <legend className="visually-hidden">Custom time range</legend>
          <label>
            From
            <input type="datetime-local" step="1" value={from} onChange={(e) => setFrom(e.target.value)} />
          </label>
          <label>
            To
            <input type="datetime-local" step="1" value={to} onChange={(e) => setTo(e.target.value)} />
          </label>
          <button
            type="button"
            disabled={!valid}
            onClick={() => {
              setEditing(false);
              setParams({ ...params, from: String(fromLocalInput(from)), to: String(fromLocalInput(to)), range: '' });
            }}
          >
            Apply range
          </button>
        </fieldset>
      )}
    </>
  );
}
