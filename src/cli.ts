/** @module The `pharos` command line: `start`, `import-alloy`, `config-reference`, `version`, `help`. */
import { importAlloyCommand, processIo } from './config/alloy/index.ts';
import { ConfigError, SETTINGS, configReferenceMarkdown, loadConfig } from './config/index.ts';
import { createLogger } from './log.ts';
import { startPharos } from './main.ts';
import { VERSION } from './version.ts';

const USAGE = `Usage: pharos <command> [flags]

Commands:
  start              Receive OTLP (gRPC :4317, HTTP :4318) and serve the Prometheus API (:9090).
  import-alloy FILE [-o OUT]
                     Convert a Grafana Alloy config.alloy into a Pharos config (notes on stderr).
  config-reference   Print every setting (file key, environment variable, flag, default) as Markdown.
  version            Print the version.

Flags of start (each also settable in the YAML file given by --config, or by environment):
  --config FILE      YAML configuration file (also PHAROS_CONFIG_FILE)
${SETTINGS.map((s) => `  --${s.flag}=${s.type.kind.toUpperCase()}`.padEnd(52) + ` default ${s.default || '""'}`).join('\n')}
`;

/** Splits `--name=value` / `--name value` flags; returns flags and positional words. */
export function parseFlags(args: readonly string[]): { flags: Record<string, string>; positional: string[] } {
  const flags: Record<string, string> = {};
  const positional: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (!a.startsWith('--')) { positional.push(a); continue; }
    const eq = a.indexOf('=');
    if (eq > 0) flags[a.slice(2, eq)] = a.slice(eq + 1);
    else if (i + 1 < args.length && !args[i + 1].startsWith('--')) flags[a.slice(2)] = args[++i];
    else flags[a.slice(2)] = 'true';
  }
  return { flags, positional };
}

async function main(argv: readonly string[]): Promise<number> {
  // Before flag parsing, which would take -o for a flag value.
  if (argv[0] === 'import-alloy') return importAlloyCommand(argv.slice(1), processIo);
  const { flags, positional } = parseFlags(argv);
  const command = positional[0] ?? 'help';
  if (flags.help !== undefined || command === 'help') { process.stdout.write(USAGE); return command === 'help' && positional.length === 0 && flags.help === undefined ? 2 : 0; }
  if (command === 'version') { process.stdout.write(`pharos ${VERSION}\n`); return 0; }
  if (command === 'config-reference') { process.stdout.write(configReferenceMarkdown() + '\n'); return 0; }
  if (command !== 'start') { process.stderr.write(`unknown command ${JSON.stringify(command)}\n\n${USAGE}`); return 2; }

  let config;
  try {
    config = loadConfig({ flags });
  } catch (err) {
    if (err instanceof ConfigError) { process.stderr.write(`pharos: configuration error: ${err.message}\n`); return 2; }
    throw err;
  }
  const log = createLogger(config.logLevel);
  let running;
  try {
    running = await startPharos(config, log);
  } catch (err) {
    if (err instanceof ConfigError) { process.stderr.write(`pharos: configuration error: ${err.message}\n`); return 2; }
    log.error('start-up failed', { err: err as Error });
    return 1;
  }
  await new Promise<void>((resolve) => {
    let signals = 0;
    const onSignal = (sig: NodeJS.Signals) => {
      if (++signals > 1) { log.warn('second signal: exiting without waiting', { signal: sig }); process.exit(130); }
      log.info('received signal, stopping', { signal: sig });
      running.stop().then(resolve, (err: Error) => { log.error('shutdown failed', { err }); process.exit(1); });
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
  return 0;
}

process.exitCode = await main(process.argv.slice(2));
