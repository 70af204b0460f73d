/**
 * @module `pharos import-alloy FILE [-o OUT]`: converts an Alloy file, writes the YAML to OUT or
 * standard output, and prints each note on standard error as `FILE:LINE: message`.
 * Exit codes: 0 everything translated, 2 something was not, 1 bad usage, unreadable or unparsable input.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { convertAlloy } from './convert.ts';
import { formatNote } from './notes.ts';
import { AlloySyntaxError } from './scanner.ts';

/** The outside world of the command, so tests can use fakes. */
export interface ImportAlloyIo {
  stdout(text: string): void;
  stderr(text: string): void;
  /** Reads a UTF-8 file; throws when it cannot. */
  readFile(path: string): string;
  writeFile(path: string, text: string): void;
}

/** The real process streams and file system. */
export const processIo: ImportAlloyIo = {
  stdout: (text) => void process.stdout.write(text),
  stderr: (text) => void process.stderr.write(text),
  readFile: (path) => readFileSync(path, 'utf8'),
  writeFile: (path, text) => writeFileSync(path, text),
};

/** Usage text of the subcommand. */
export const IMPORT_ALLOY_USAGE = `Usage: pharos import-alloy FILE [-o OUTPUT]

Converts a Grafana Alloy configuration (config.alloy) into a Pharos configuration file.
Writes the YAML to OUTPUT (default: standard output) and prints on standard error what
was not translated or was changed, as FILE:LINE: message.

Exit status: 0 everything was translated, 2 something was not (see the notes),
1 usage error, unreadable file or Alloy syntax error.
`;

/** Runs the subcommand with the arguments after `import-alloy`; returns the exit code. */
export function importAlloyCommand(argv: readonly string[], io: ImportAlloyIo): number {
  let input: string | undefined;
  let output: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '-h' || a === '--help') { io.stdout(IMPORT_ALLOY_USAGE); return 0; }
    if (a === '-o' || a === '--output') {
      if (i + 1 >= argv.length) return usage(io, `${a} needs a file name`);
      output = argv[++i];
    } else if (a.startsWith('--output=')) output = a.slice('--output='.length);
    else if (a.startsWith('-')) return usage(io, `unknown flag ${a}`);
    else if (input === undefined) input = a;
    else return usage(io, `unexpected argument ${JSON.stringify(a)} (one input file only)`);
  }
  if (input === undefined) return usage(io, 'no input file');

  let source: string;
  try {
    source = io.readFile(input);
  } catch (err) {
    io.stderr(`pharos import-alloy: cannot read ${input}: ${(err as Error).message}\n`);
    return 1;
  }
  let result;
  try {
    result = convertAlloy(source, input);
  } catch (err) {
    if (err instanceof AlloySyntaxError) { io.stderr(`${err.message}\n`); return 1; }
    throw err;
  }
  if (output === undefined) io.stdout(result.yaml);
  else {
    try {
      io.writeFile(output, result.yaml);
    } catch (err) {
      io.stderr(`pharos import-alloy: cannot write ${output}: ${(err as Error).message}\n`);
      return 1;
    }
  }
  for (const n of result.notes) io.stderr(`${formatNote(input, n)}\n`);
  return result.notes.some((n) => n.severity === 'untranslated') ? 2 : 0;
}

function usage(io: ImportAlloyIo, problem: string): number {
  io.stderr(`pharos import-alloy: ${problem}\n\n${IMPORT_ALLOY_USAGE}`);
  return 1;
}
