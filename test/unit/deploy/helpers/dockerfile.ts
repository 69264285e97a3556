/**
 * A small Dockerfile reader for static checks: it joins continuation lines, drops comments and
 * parser directives, and splits the file into instructions grouped by build stage. It does not
 * expand variables or heredocs, which deploy/Dockerfile does not use.
 */
import { readFileSync } from 'node:fs';

/** One instruction, such as `CMD ["node", "bin/itsm-sync.js", "run"]`. */
export interface DockerInstruction {
  /** Upper-case keyword: FROM, RUN, COPY, CMD … */
  keyword: string;
  /** Everything after the keyword, continuation lines joined with a space. */
  argument: string;
  /** 1-based line where the instruction starts. */
  line: number;
}

/** The instructions from one FROM up to the next. */
export interface DockerStage {
  /** The image after FROM, such as `node:22-bookworm-slim`. */
  baseImage: string;
  /** The name after `AS`, if any. */
  name?: string;
  instructions: DockerInstruction[];
}

/** Splits Dockerfile text into instructions. */
export function parseDockerfile(text: string): DockerInstruction[] {
  const instructions: DockerInstruction[] = [];
  const lines = text.split('\n');
  let pending: { parts: string[]; line: number } | undefined;

  for (const [index, rawLine] of lines.entries()) {
    const line = rawLine.trimEnd();
    const trimmed = line.trim();

    // Comments (and `# syntax=` directives) are dropped, even between continuation lines.
    if (trimmed.startsWith('#') || (trimmed === '' && !pending)) continue;

    const continues = line.endsWith('\\');
    const content = continues ? line.slice(0, -1).trim() : trimmed;
    pending ??= { parts: [], line: index + 1 };
    if (content) pending.parts.push(content);

    if (!continues) {
      const joined = pending.parts.join(' ');
      const match = /^(\w+)\s*(.*)$/s.exec(joined);
      if (!match) {
        throw new Error(`Dockerfile line ${pending.line} is not an instruction: ${joined}`);
      }
      instructions.push({ keyword: match[1]!.toUpperCase(), argument: match[2]!.trim(), line: pending.line });
      pending = undefined;
    }
  }
  return instructions;
}

/** Groups instructions by stage; instructions before the first FROM (only ARG is allowed) are dropped. */
export function dockerStages(instructions: DockerInstruction[]): DockerStage[] {
  const stages: DockerStage[] = [];
  for (const instruction of instructions) {
    if (instruction.keyword === 'FROM') {
      const [baseImage, as, name] = instruction.argument.split(/\s+/).filter((part) => !part.startsWith('--'));
      stages.push({ baseImage: baseImage!, name: as?.toUpperCase() === 'AS' ? name : undefined, instructions: [] });
      continue;
    }
    stages.at(-1)?.instructions.push(instruction);
  }
  return stages;
}

/** Reads and parses a Dockerfile. */
export function readDockerfile(path: string): DockerInstruction[] {
  return parseDockerfile(readFileSync(path, 'utf8'));
}

/**
 * Parses the exec (JSON array) form of CMD, ENTRYPOINT, VOLUME or HEALTHCHECK … CMD. Returns
 * undefined for the shell form, which would run under `/bin/sh -c` and keep signals from node.
 */
export function execForm(argument: string): string[] | undefined {
  if (!argument.startsWith('[')) return undefined;
  const parsed: unknown = JSON.parse(argument);
  if (!Array.isArray(parsed) || !parsed.every((part) => typeof part === 'string')) {
    throw new Error(`Expected a JSON array of strings, got ${argument}`);
  }
  return parsed;
}

/** Splits `HEALTHCHECK --interval=30s … CMD [...]` into its options and its command. */
export function parseHealthcheck(argument: string): { options: Record<string, string>; command?: string[] } {
  const options: Record<string, string> = {};
  let rest = argument;

  for (let match = /^--([\w-]+)=(\S+)\s+/.exec(rest); match; match = /^--([\w-]+)=(\S+)\s+/.exec(rest)) {
    options[match[1]!] = match[2]!;
    rest = rest.slice(match[0].length);
  }

  if (rest.trim().toUpperCase() === 'NONE') return { options };
  const cmd = /^CMD\s+(.*)$/s.exec(rest);
  if (!cmd) {
    throw new Error(`HEALTHCHECK must be NONE or CMD …, got ${argument}`);
  }
  return { options, command: execForm(cmd[1]!.trim()) ?? ['/bin/sh', '-c', cmd[1]!.trim()] };
}

/** Reads `KEY=value` pairs (or the legacy `KEY value`) of an ENV or ARG instruction. */
export function parseAssignments(argument: string): Record<string, string> {
  const legacy = /^(\w+)\s+([^=]*)$/.exec(argument);
  if (legacy) return { [legacy[1]!]: legacy[2]!.trim() };

  const assignments: Record<string, string> = {};
  for (const match of argument.matchAll(/(\w+)(?:=("[^"]*"|'[^']*'|\S*))?/g)) {
    assignments[match[1]!] = (match[2] ?? '').replace(/^["']|["']$/g, '');
  }
  return assignments;
}
