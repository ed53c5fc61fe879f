// Reads a shell command the way the policy needs it: simple commands split on operators, each
// program's words, redirect targets, pipes. One pass over at most MAX_SCANNED_COMMAND characters,
// no regular expressions: the command comes from an agent and is untrusted.

/** Longer commands are not inspected past this; the policy never auto-approves them. */
export const MAX_SCANNED_COMMAND = 8192;

export interface ShellSegment {
  words: string[];
  /** The operator before this segment was a single `|`. */
  piped: boolean;
  /** Files written through `>` or `>>`. */
  redirects: string[];
}

export interface ShellCommand {
  segments: ShellSegment[];
  /** `$(…)`, backticks or `<(…)`: what runs cannot be read from the words alone. */
  substitution: boolean;
  /** The command was longer than MAX_SCANNED_COMMAND. */
  truncated: boolean;
}

export function parseShell(command: string): ShellCommand {
  const truncated = command.length > MAX_SCANNED_COMMAND;
  const source = truncated ? command.slice(0, MAX_SCANNED_COMMAND) : command;
  const segments: ShellSegment[] = [];
  let segment: ShellSegment = { words: [], piped: false, redirects: [] };
  let word = '';
  let inWord = false;
  let quote: '"' | "'" | undefined;
  let redirectNext = false;
  let substitution = false;

  const endWord = () => {
    if (!inWord) return;
    if (redirectNext) {
      if (!word.startsWith('&')) segment.redirects.push(word);
      redirectNext = false;
    } else {
      segment.words.push(word);
    }
    word = '';
    inWord = false;
  };
  const endSegment = (piped: boolean) => {
    endWord();
    if (segment.words.length > 0 || segment.redirects.length > 0) segments.push(segment);
    segment = { words: [], piped, redirects: [] };
  };

  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    if (quote === "'") {
      if (c === "'") quote = undefined;
      else word += c;
      continue;
    }
    if (c === '\\' && i + 1 < source.length) {
      word += source[++i];
      inWord = true;
      continue;
    }
    if (c === '`' || (c === '$' && source[i + 1] === '(') || ((c === '<' || c === '>') && source[i + 1] === '(')) substitution = true;
    if (quote === '"') {
      if (c === '"') quote = undefined;
      else word += c;
      continue;
    }
    switch (c) {
      case '"':
      case "'":
        quote = c;
        inWord = true;
        break;
      case ' ':
      case '\t':
        endWord();
        break;
      case '\n':
      case ';':
        endSegment(false);
        break;
      case '&':
        if (source[i - 1] === '>' || source[i + 1] === '>') {
          word += c;
          inWord = true;
        } else {
          if (source[i + 1] === '&') i++;
          endSegment(false);
        }
        break;
      case '|':
        if (source[i + 1] === '|') {
          i++;
          endSegment(false);
        } else {
          endSegment(true);
        }
        break;
      case '>':
        // `2>file` and `>>file`: the digits before are a file descriptor, not a word.
        if (inWord && isDigits(word)) {
          word = '';
          inWord = false;
        } else {
          endWord();
        }
        if (source[i + 1] === '>') i++;
        redirectNext = true;
        break;
      case '(':
      case ')':
      case '{':
      case '}':
        endWord();
        break;
      default:
        word += c;
        inWord = true;
    }
  }
  endSegment(false);
  return { segments, substitution, truncated };
}

function isDigits(text: string): boolean {
  if (text.length === 0) return false;
  for (const c of text) if (c < '0' || c > '9') return false;
  return true;
}

const PREFIX_PROGRAMS = new Set(['sudo', 'doas', 'env', 'command', 'nohup', 'time', 'nice', 'exec', 'xargs', 'builtin']);

/** The program a segment runs and its arguments, past `FOO=bar`, `sudo`, `env`, `xargs` and the like. */
export function programOf(segment: ShellSegment): { program: string; args: string[]; elevated: boolean } {
  const words = segment.words;
  let i = 0;
  let elevated = false;
  while (i < words.length) {
    const name = basename(words[i]);
    if (words[i].includes('=') && !words[i].startsWith('=')) {
      i++;
    } else if (PREFIX_PROGRAMS.has(name)) {
      if (name === 'sudo' || name === 'doas') elevated = true;
      i++;
      while (i < words.length && words[i].startsWith('-')) i++;
    } else {
      break;
    }
  }
  return { program: i < words.length ? basename(words[i]) : '', args: words.slice(i + 1), elevated };
}

function basename(word: string): string {
  const slash = word.lastIndexOf('/');
  return slash >= 0 ? word.slice(slash + 1) : word;
}

/** Lower-case runs of letters across the segment's words: `"DROP TABLE users;"` → drop, table, users. */
export function letterRuns(words: readonly string[]): string[] {
  const runs: string[] = [];
  for (const word of words) {
    let run = '';
    for (const c of word.toLowerCase()) {
      if ((c >= 'a' && c <= 'z') || c === '_') run += c;
      else if (run) {
        runs.push(run);
        run = '';
      }
    }
    if (run) runs.push(run);
  }
  return runs;
}
