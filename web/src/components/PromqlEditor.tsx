/**
 * @module A PromQL editor on @prometheus-io/codemirror-promql: highlighting, linting and
 * completion of metric names, labels and functions from Pharos' own API. Enter runs the query.
 */
import { autocompletion, completionKeymap } from '@codemirror/autocomplete';
import { defaultKeymap, history, historyKeymap } from '@codemirror/commands';
import { defaultHighlightStyle, syntaxHighlighting } from '@codemirror/language';
import { setDiagnostics } from '@codemirror/lint';
import { EditorState } from '@codemirror/state';
import { EditorView, keymap, placeholder } from '@codemirror/view';
import { PromQLExtension } from '@prometheus-io/codemirror-promql';
import { useEffect, useRef } from 'react';

/** What the page can do to the editor from outside (after the API reported an error). */
export interface EditorHandle {
  /** Moves the cursor to a 1-based line:col (where the API reported a parse error). */
  focusAt(line: number, col: number): void;
  /** Underlines the server's error at 1-based line:col in the editor (until the next edit relints). */
  markError(line: number, col: number, message: string): void;
}

/** The editor, controlled by `value`; Enter calls `onRun`, Shift+Enter inserts a line. */
export function PromqlEditor({ value, onChange, onRun, handle }: { value: string; onChange: (v: string) => void; onRun: () => void; handle?: { current: EditorHandle | null } }) {
  const parent = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | null>(null);
  const latest = useRef({ onChange, onRun });
  latest.current = { onChange, onRun };
  // What the editor reported through onChange since `value` last caught up with it: a `value` among
  // them is the editor's own edit coming back, possibly behind what has been typed since (effects
  // may run a frame later), and must not overwrite the newer text.
  const reported = useRef(new Set<string>());
  useEffect(() => {
    if (!parent.current) return;
    const promql = new PromQLExtension().setComplete({ remote: { url: window.location.origin } });
    const v = new EditorView({
      parent: parent.current,
      state: EditorState.create({
        doc: value,
        extensions: [
          history(),
          autocompletion(),
          syntaxHighlighting(defaultHighlightStyle),
          placeholder('Expression (press Enter to run, Shift+Enter for a new line)'),
          keymap.of([
            { key: 'Enter', run: () => (latest.current.onRun(), true) },
            ...completionKeymap,
            ...defaultKeymap,
            ...historyKeymap,
          ]),
          promql.asExtension(),
          EditorView.updateListener.of((u) => {
            if (!u.docChanged) return;
            const text = u.state.doc.toString();
            reported.current.add(text);
            latest.current.onChange(text);
          }),
          EditorView.contentAttributes.of({ 'aria-label': 'PromQL expression' }),
        ],
      }),
    });
    view.current = v;
    const offset = (line: number, col: number): number => {
      const l = v.state.doc.line(Math.min(Math.max(1, line), v.state.doc.lines));
      return Math.min(l.from + Math.max(1, col) - 1, l.to);
    };
    if (handle) {
      handle.current = {
        focusAt(line: number, col: number) {
          v.dispatch({ selection: { anchor: offset(line, col) } });
          v.focus();
        },
        markError(line: number, col: number, message: string) {
          const from = offset(line, col);
          const to = Math.min(from + 1, v.state.doc.length);
          v.dispatch(setDiagnostics(v.state, [{ from: to > from ? from : Math.max(0, from - 1), to: Math.max(to, from), severity: 'error', message, source: 'Pharos' }]));
        },
      };
    }
    return () => v.destroy();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);
  useEffect(() => {
    const v = view.current;
    if (!v) return;
    const doc = v.state.doc.toString();
    if (value === doc) reported.current.clear();
    if (value === doc || reported.current.has(value)) return;
    reported.current.clear();
    v.dispatch({ changes: { from: 0, to: v.state.doc.length, insert: value } });
  }, [value]);
  return <div ref={parent} className="editor" />;
}
