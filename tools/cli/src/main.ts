#!/usr/bin/env node
import "reflect-metadata";
import { readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { type Command, type CommandContext, parseCommandArgs, UsageError } from "./command.js";

const commandsDir = fileURLToPath(new URL("./commands/", import.meta.url));

// Commands are the files in commands/: adding one needs no edit here.
function commandNames(): string[] {
  let files: string[];
  try {
    files = readdirSync(commandsDir);
  } catch {
    return [];
  }
  return files
    .filter((f) => f.endsWith(".js") && !f.endsWith(".test.js"))
    .map((f) => f.slice(0, -3))
    .sort();
}

async function loadCommand(name: string): Promise<Command | undefined> {
  if (!/^[a-z][a-z0-9-]*$/.test(name) || !commandNames().includes(name)) return undefined;
  const module = (await import(`./commands/${name}.js`)) as { command: Command };
  return module.command;
}

async function usage(): Promise<string> {
  const lines = ["usage: purertc <command> [options] [--json]", "", "commands:"];
  for (const name of commandNames()) {
    const command = await loadCommand(name);
    if (command) lines.push(`  ${name.padEnd(16)} ${command.summary}`);
  }
  return lines.join("\n");
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === "--help" || name === "-h" || name === "help") {
    process.stdout.write(`${await usage()}\n`);
    return name ? 0 : 1;
  }
  const command = await loadCommand(name);
  if (!command) {
    process.stderr.write(`purertc: unknown command "${name}"\n${await usage()}\n`);
    return 1;
  }
  const json = rest.includes("--json");
  const controller = new AbortController();
  const ctx: CommandContext = {
    signal: controller.signal,
    json,
    emit(event, human) {
      if (json) process.stdout.write(`${JSON.stringify(event)}\n`);
      else process.stdout.write(`${human ?? renderHuman(event)}\n`);
    },
    info(message) {
      process.stderr.write(`${message}\n`);
    },
  };
  const stop = () => controller.abort(new Error("interrupted by signal"));
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  try {
    const args = parseCommandArgs(command, rest);
    if (args.values.help) {
      process.stdout.write(`usage: purertc ${command.usage}\n${command.summary}\n`);
      return 0;
    }
    return await command.run(args, ctx);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    ctx.emit({ event: "error", message }, `error: ${message}`);
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith("ERR_PARSE_ARGS")) {
      process.stderr.write(`usage: purertc ${command.usage}\n`);
    }
    return 1;
  } finally {
    process.off("SIGINT", stop);
    process.off("SIGTERM", stop);
  }
}

function renderHuman(event: { event: string } & Record<string, unknown>): string {
  const rest = Object.entries(event)
    .filter(([k]) => k !== "event")
    .map(([k, v]) => `${k}=${typeof v === "string" ? v : JSON.stringify(v)}`);
  return `${event.event}${rest.length ? ` ${rest.join(" ")}` : ""}`;
}

// Set exitCode rather than calling exit(): the process must end on its own
// once everything is closed, which is itself a check that nothing leaked.
main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`purertc: ${(error as Error).stack ?? String(error)}\n`);
    process.exitCode = 1;
  },
);
