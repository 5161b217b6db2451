/**
 * The `crossrank` command: parses flags (node:util parseArgs) and calls lib/server or the library.
 * The only entry of lib/cli/; bin/crossrank.js calls main().
 */
import { CrossrankError } from '../errors';
import { VERSION } from '../version';
import { download, DOWNLOAD_FLAGS, DOWNLOAD_SUMMARY, DOWNLOAD_USAGE } from './download';
import { type Flag, helpText, parseFlags, UsageError, type Values } from './flags';
import { info, INFO_FLAGS, INFO_SUMMARY, INFO_USAGE } from './info';
import { rerank, RERANK_FLAGS, RERANK_SUMMARY, RERANK_USAGE } from './rerank';
import { serve, SERVE_FLAGS, SERVE_SUMMARY, SERVE_USAGE } from './serve';

interface Command {
  usage: string;
  summary: string;
  flags: readonly Flag[];
  run(values: Values, positionals: string[], out: NodeJS.WritableStream): Promise<void>;
}

/** Every command, in the order --help lists them. */
const COMMANDS: Record<string, Command> = {
  serve: {
    usage: SERVE_USAGE,
    summary: SERVE_SUMMARY,
    flags: SERVE_FLAGS,
    run: (values, positionals) => {
      if (positionals.length) throw new UsageError(`'crossrank serve' takes no positional arguments, got ${positionals.join(' ')}; use --model`);
      return serve(values);
    },
  },
  rerank: { usage: RERANK_USAGE, summary: RERANK_SUMMARY, flags: RERANK_FLAGS, run: rerank },
  info: { usage: INFO_USAGE, summary: INFO_SUMMARY, flags: INFO_FLAGS, run: info },
  download: { usage: DOWNLOAD_USAGE, summary: DOWNLOAD_SUMMARY, flags: DOWNLOAD_FLAGS, run: download },
};

const MAIN_HELP = `Usage: crossrank <command> [options]

Commands:
${Object.entries(COMMANDS)
  .map(([name, c]) => `  ${name.padEnd(10)} ${c.summary.split('\n')[0]}`)
  .join('\n')}

  crossrank <command> --help   options of a command (each also read from its environment variable)
  crossrank --version          the version
`;

export interface Io {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  env: NodeJS.ProcessEnv;
}

/** Runs the command line `argv` (without node and the script); resolves to the exit status. */
export async function main(argv: string[], io: Io = { stdout: process.stdout, stderr: process.stderr, env: process.env }): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.stdout.write(MAIN_HELP);
    return name === undefined ? 2 : 0;
  }
  if (name === '--version' || name === '-v') {
    io.stdout.write(`${VERSION}\n`);
    return 0;
  }
  const command = COMMANDS[name];
  try {
    if (!command) throw new UsageError(`unknown command '${name}'; commands: ${Object.keys(COMMANDS).join(', ')}`);
    const { values, positionals } = parseFlags(name, command.flags, rest, io.env);
    if (values.help) {
      io.stdout.write(helpText(command.usage, command.summary, command.flags));
      return 0;
    }
    await command.run(values, positionals, io.stdout);
    return 0;
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr.write(`crossrank: ${error.message}\n${command ? `See 'crossrank ${name} --help'.` : "See 'crossrank --help'."}\n`);
      return 2;
    }
    const message = error instanceof CrossrankError ? `${error.code}: ${error.message}` : error instanceof Error ? error.message : String(error);
    io.stderr.write(`crossrank: ${message}\n`);
    return 1;
  }
}
