import { type ParseArgsConfig, parseArgs } from "node:util";

/** What every command gets from main: output helpers and the stop signal. */
export interface CommandContext {
  /** Aborted on SIGINT/SIGTERM: close everything and return. */
  signal: AbortSignal;
  /** True with --json: one JSON object per line on stdout, each with `event`. */
  json: boolean;
  /**
   * Prints one event: with --json as a JSON line, otherwise `human` (or a
   * readable rendering of the event) on stdout.
   */
  emit(event: { event: string } & Record<string, unknown>, human?: string): void;
  /** Diagnostics on stderr (never stdout, which belongs to events). */
  info(message: string): void;
}

/**
 * One `purertc <name>` command: a file in commands/ exporting `command`.
 * `run` resolves to the exit code; throwing prints an `error` event and exits 1.
 */
export interface Command {
  name: string;
  summary: string;
  usage: string;
  options: NonNullable<ParseArgsConfig["options"]>;
  run(args: ParsedArgs, ctx: CommandContext): Promise<number>;
}

/** Parsed command line of one command. */
export interface ParsedArgs {
  values: Record<string, string | boolean | string[] | boolean[] | undefined>;
  positionals: string[];
}

/** Parses argv for a command; unknown flags are an error with the usage. */
export function parseCommandArgs(command: Command, argv: string[]): ParsedArgs {
  const { values, positionals } = parseArgs({
    args: argv,
    options: { ...command.options, json: { type: "boolean" }, help: { type: "boolean", short: "h" } },
    allowPositionals: true,
    strict: true,
  });
  return { values: values as ParsedArgs["values"], positionals };
}

/** Parses `host:port` or `[v6]:port`. */
export function parseHostPort(text: string, defaultPort?: number): { host: string; port: number } {
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(text);
  let host: string;
  let portText: string | undefined;
  if (bracketed) {
    host = bracketed[1]!;
    portText = bracketed[2];
  } else {
    const i = text.lastIndexOf(":");
    if (i > 0 && text.indexOf(":") === i) {
      host = text.slice(0, i);
      portText = text.slice(i + 1);
    } else {
      host = text;
    }
  }
  const port = portText === undefined ? defaultPort : Number(portText);
  if (!host || port === undefined || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new UsageError(`"${text}" is not host:port (for example 127.0.0.1:3478 or [::1]:3478)`);
  }
  return { host, port };
}

/** A mistake on the command line: printed with the usage, exit 1. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

/** Reads an integer option, with a clear error when it is not one. */
export function intOption(value: unknown, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (typeof value !== "string" || !Number.isInteger(n) || n < 0) {
    throw new UsageError(`--${name} wants a non-negative integer, got "${String(value)}"`);
  }
  return n;
}
