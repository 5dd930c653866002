/**
 * Reading a model's Markdown, whatever its dialect, in one walk of `marked`'s token tree.
 *
 * Models write the same draft many ways: `**Status:** x`, `**Status**: x`, `- Status: x`,
 * `## Status` over a paragraph, `**Status**` alone on a line, `### 2. Status`, a table, the whole
 * answer inside a ```markdown fence, CRLF, smart quotes, a "Sure! Here is ..." preamble. The walk
 * below folds all of that into one outline (sections, each with its lines, list items, tables and
 * code blocks, and the `label: value` fields found anywhere), so each capability only says which
 * names it looks for. Writers (`codeSpan`) live here too, so what a builtin writes reads back.
 */
import { Lexer, type Token, type Tokens } from 'marked';

/** A Markdown code span that survives backticks inside the text. */
export function codeSpan(text: string): string {
  const longest = Math.max(0, ...[...text.matchAll(/`+/g)].map((run) => run[0].length));
  const fence = '`'.repeat(longest + 1);
  // A span may not start or end with its own fence character, and `` is no span at all: pad both.
  const pad = text.startsWith('`') || text.endsWith('`') || text === '' ? ' ' : '';
  return `${fence}${pad}${text}${pad}${fence}`;
}

/** One line of prose, or the first line of a list item: its text (emphasis dropped, code spans kept) and its code spans. */
export interface Line {
  text: string;
  /** The contents of its inline code spans, in order. */
  spans: string[];
}

export type Block =
  | ({ kind: 'line' } & Line)
  | ({ kind: 'item'; ordered: boolean; number: number | null; children: Block[] } & Line)
  | { kind: 'table'; header: string[]; rows: string[][] }
  | { kind: 'code'; lang: string; text: string };

export interface Section {
  /** The heading's plain text without numbering, emphasis or a trailing colon; '' before the first. */
  heading: string;
  /** The heading's comparison key (`keyOf`), made once: every lookup by name compares it. */
  key: string;
  /** The `#` count of a heading (only relative depth matters); a bold line is one level below the heading it sits under. */
  level: number;
  blocks: Block[];
}

export interface Field extends Line {
  /** The label as written ("Customer impact"), without emphasis or colon. */
  label: string;
  /** The label's comparison key (`keyOf`), made once: every lookup by name compares it. */
  key: string;
  section: Section;
}

export interface Outline {
  /** In document order; the first holds what comes before any heading (a preamble, or everything). */
  sections: Section[];
  /** Every `label: value` line, list item or heading, in document order. */
  fields: Field[];
}

const SMART = {
  '\u201c': '"',
  '\u201d': '"',
  '\u2018': "'",
  '\u2019': "'",
  '\u00a0': ' ',
} as const;

/** Line ends as `\n`, without zero-width characters: what the Markdown walk reads. */
function lineEnds(text: string): string {
  return text.replace(/\r\n?/g, '\n').replace(/[\u200b\ufeff]/g, '');
}

/**
 * Smart quotes and no-break spaces as plain ASCII too, for comparing a quote with its source. The
 * outline keeps them (a value reads as written); labels match whatever quotes they use.
 */
export function normalize(text: string): string {
  return lineEnds(text).replace(
    /[\u201c\u201d\u2018\u2019\u00a0]/g,
    (char) => SMART[char as keyof typeof SMART],
  );
}

/** A normalized comparison key: case, punctuation, spacing and asides like `(UTC)` do not matter. */
export function keyOf(name: string): string {
  return name
    .toLowerCase()
    .replace(/\([^)]*\)/g, ' ')
    .replace(/[^a-z0-9]+/g, ' ')
    .trim();
}

/**
 * The keys of a list of names, keyed once: the lists are the capabilities' constants, asked about
 * for every heading, field and table column of every answer.
 */
const keyedNames = new WeakMap<readonly string[], ReadonlySet<string>>();

function keysOf(names: readonly string[]): ReadonlySet<string> {
  let keys = keyedNames.get(names);
  if (!keys) {
    keys = new Set(names.map(keyOf));
    keyedNames.set(names, keys);
  }
  return keys;
}

/** Whether `name` is one of `names` once both are keyed. */
export function named(name: string, names: readonly string[]): boolean {
  return keyedAs(keyOf(name), names);
}

/** Whether a key already made (a section's or field's `key`) is one of `names` keyed. */
export function keyedAs(key: string, names: readonly string[]): boolean {
  return keysOf(names).has(key);
}

// `1.`, `2)`, `1.2`, `IV.`, `A.` and `Step 3:`-free numbering in front of a heading.
const NUMBERING = /^(?:\d+(?:\.\d+)*[.)]?|[IVX]+\.|[A-H][.)])\s+/;

function headingText(text: string): string {
  return text
    .replace(/^[^\p{L}\p{N}`[]+/u, '')
    .replace(NUMBERING, '')
    .replace(/[\s:*_]+$/, '')
    .trim();
}

type Inline = Token & { tokens?: Token[]; text?: string };

/** Inline tokens as plain text, split at line breaks, with their code spans and bold runs. */
function inlineLines(tokens: readonly Token[]): { line: Line; bold: string }[] {
  const lines: { line: Line; bold: string; other: string }[] = [
    { line: { text: '', spans: [] }, bold: '', other: '' },
  ];
  const emit = (text: string, strong: boolean) => {
    const parts = text.split('\n');
    parts.forEach((part, index) => {
      if (index > 0) lines.push({ line: { text: '', spans: [] }, bold: '', other: '' });
      const current = lines.at(-1)!;
      current.line.text += part;
      if (strong) current.bold += part;
      else if (!current.bold) current.other += part;
    });
  };
  const walk = (list: readonly Token[], strong: boolean) => {
    for (const token of list as Inline[]) {
      if (token.type === 'codespan') {
        lines.at(-1)!.line.spans.push(token.text ?? '');
        // Kept as a code span: a quoted command or log line stays marked as one in the text.
        emit(codeSpan(token.text ?? ''), strong);
      } else if (token.type === 'br') emit('\n', strong);
      else if (token.type === 'strong') walk(token.tokens ?? [], true);
      else if (token.type === 'link' && /^\[[^\]]+\]$/.test(token.raw)) emit(token.raw, strong);
      else if (token.tokens && token.tokens.length > 0) walk(token.tokens, strong);
      else if (token.type === 'html') continue;
      else emit(token.text ?? token.raw, strong);
    }
  };
  walk(tokens, false);
  return lines
    .map(({ line, bold, other }) => ({
      line: { text: line.text.trim(), spans: line.spans },
      // A line that opens with a bold run: the run, when nothing unbolded came before it.
      bold: other.trim() === '' ? bold.trim() : '',
    }))
    .filter(({ line }) => line.text !== '');
}

// `Label: value` — a label is a few words, not a time (`09:12`) nor a sentence.
const LABEL = /^([\p{L}][\p{L}\p{N} /&'\u2019()#?-]{0,48}?)\s*:\s*(.*)$/u;

const SHOUTED_LABEL = /^(\p{Lu}[\p{Lu} /&]{1,30}?)\s+[-–—]\s+(.+)$/u;

/** The label and value a line states, if it reads `Label: value`, `**Label**: value`, `**Label** — value`. */
function fieldOf(line: Line, bold: string): { label: string; value: string } | null {
  if (bold) {
    const label = bold.replace(/[\s:]+$/, '');
    const rest = line.text.slice(bold.length).trim();
    // `**Label**` with anything but a separator after it is a bold phrase opening a sentence.
    const value =
      /^(?:[:\-–—]|$)/.test(rest) || bold.endsWith(':') ? rest.replace(/^[:\-–—]\s*/, '') : null;
    if (value !== null && label.split(/\s+/).length <= 6)
      return { label: headingText(label) || label, value };
  }
  // `OUTCOME - FAILED`: small models shout their labels and set them off with a dash.
  const shouted = SHOUTED_LABEL.exec(line.text);
  if (shouted) return { label: shouted[1]!.trim(), value: shouted[2]!.trim() };
  const match = LABEL.exec(line.text);
  // `by 10:00 UTC` is a time, not the label `by 10`.
  if (
    !match ||
    match[1]!.split(/\s+/).length > 6 ||
    (/\d$/.test(match[1]!) && /^\d/.test(match[2]!))
  )
    return null;
  return { label: headingText(match[1]!) || match[1]!.trim(), value: match[2]!.trim() };
}

/** The fence holding the answer's own Markdown, when all of it sits in one ```markdown (or bare) fence. */
function answerFence(tokens: Token[]): Tokens.Code | undefined {
  const fences = tokens.filter(
    (token): token is Tokens.Code =>
      token.type === 'code' && /^(?:markdown|md|text|)$/i.test((token as Tokens.Code).lang ?? ''),
  );
  const body = fences.find((fence) => /^(?:#{1,4}\s|\*\*|[-*]\s|\|)/m.test(fence.text));
  const outside = tokens
    .filter((token) => token !== body && token.type !== 'space')
    .reduce((length, token) => length + token.raw.length, 0);
  return body && body.text.length > outside ? body : undefined;
}

/** The answer's text with a fence around all of its Markdown opened: what a reader of it sees. */
export function unfencedText(text: string): string {
  const tokens = new Lexer().lex(lineEnds(text));
  const body = answerFence(tokens);
  return body
    ? tokens.map((token) => (token === body ? `${body.text}\n` : token.raw)).join('')
    : text;
}

// What a chat model says after its draft: not part of the draft.
const CLOSING_REMARK =
  /^(?:let me know\b|i hope\b|hope (?:this|that)\b|feel free\b|happy to\b|would you like\b|if you(?:'d|\u2019d| would)? (?:like|want|need)\b|i can also\b|do you want\b|shall i\b)/i;

/** The answer's tokens: a whole-answer fence opened, a closing remark after the draft left out. */
function draftTokens(text: string): Token[] {
  const tokens = new Lexer().lex(lineEnds(text));
  const body = answerFence(tokens);
  const inner = body ? new Lexer().lex(body.text) : tokens;
  const last = inner.findLastIndex((token) => token.type !== 'space');
  const closing = inner[last];
  return closing?.type === 'paragraph' && last > 0 && CLOSING_REMARK.test(closing.text.trim())
    ? inner.slice(0, last)
    : inner;
}

/** The outline of a model's Markdown answer: one walk over its tokens. */
export function outline(text: string): Outline {
  const sections: Section[] = [{ heading: '', key: '', level: 0, blocks: [] }];
  const fields: Field[] = [];
  let headingLevel = 0;
  // Bold lines used as section headings are siblings: a `### step` heading between two of them
  // does not make the second its child. Reset by a `#` heading above them.
  let boldLevel: number | null = null;
  const open = (heading: string, level: number) => {
    const section = { heading, key: keyOf(heading), level, blocks: [] };
    sections.push(section);
    return section;
  };
  const addField = (label: string, value: string, spans: string[]) =>
    fields.push({ label, key: keyOf(label), text: value, spans, section: sections.at(-1)! });

  const lineBlocks = (tokens: readonly Token[], target: Block[], topLevel: boolean) => {
    for (const { line, bold } of inlineLines(tokens)) {
      const field = fieldOf(line, bold);
      // A bold line alone, or a bare `Label:`, heads what follows it.
      const headingLike =
        topLevel &&
        ((bold !== '' && bold.length >= line.text.replace(/[\s:]+$/, '').length) ||
          (field !== null && field.value === '' && !bold));
      if (headingLike && line.text.length <= 80) {
        const heading = headingText(line.text);
        boldLevel ??= headingLevel + 1;
        const section = open(heading, boldLevel);
        target = section.blocks;
        if (field) addField(field.label, '', []);
        continue;
      }
      if (field) addField(field.label, field.value, line.spans);
      target.push({ kind: 'line', ...line });
    }
    return target;
  };

  const listBlocks = (list: Tokens.List, target: Block[]) => {
    list.items.forEach((entry, index) => {
      const children: Block[] = [];
      let head: Line | null = null;
      for (const token of entry.tokens) {
        if (token.type === 'text' || token.type === 'paragraph') {
          const inner = (token as Tokens.Text).tokens ?? [];
          for (const { line, bold } of inlineLines(inner)) {
            const field = fieldOf(line, bold);
            if (field) addField(field.label, field.value, line.spans);
            if (!head) head = line;
            else children.push({ kind: 'line', ...line });
          }
        } else blockInto(token, children, false);
      }
      const number = list.ordered ? Number(list.start || 1) + index : null;
      if (head)
        target.push({ kind: 'item', ordered: list.ordered, number, children, ...(head as Line) });
      else target.push(...children);
    });
  };

  const blockInto = (token: Token, target: Block[], topLevel: boolean): Block[] => {
    switch (token.type) {
      case 'paragraph':
      case 'text':
        return lineBlocks((token as Tokens.Paragraph).tokens ?? [], target, topLevel);
      case 'list':
        listBlocks(token as Tokens.List, target);
        return target;
      case 'table': {
        const table = token as Tokens.Table;
        const cell = (value: Tokens.TableCell) =>
          inlineLines(value.tokens)
            .map(({ line }) => line.text)
            .join(' ');
        target.push({
          kind: 'table',
          header: table.header.map(cell),
          rows: table.rows.map((row) => row.map(cell)),
        });
        return target;
      }
      case 'code':
        target.push({
          kind: 'code',
          lang: (token as Tokens.Code).lang ?? '',
          text: (token as Tokens.Code).text,
        });
        return target;
      case 'blockquote': {
        let inner = target;
        for (const child of (token as Tokens.Blockquote).tokens)
          inner = blockInto(child, inner, topLevel);
        return inner;
      }
      default:
        return target;
    }
  };

  let target = sections[0]!.blocks;
  for (const token of draftTokens(text)) {
    if (token.type === 'heading') {
      const heading = token as Tokens.Heading;
      const [{ line, bold } = { line: { text: '', spans: [] }, bold: '' }] = inlineLines(
        heading.tokens,
      );
      headingLevel = heading.depth;
      if (boldLevel !== null && heading.depth < boldLevel) boldLevel = null;
      const section = open(headingText(line.text), headingLevel);
      target = section.blocks;
      const field = fieldOf(line, bold);
      if (field?.value) addField(field.label, field.value, line.spans);
      continue;
    }
    target = blockInto(token, target, true);
  }
  return { sections, fields };
}

/** The first field whose label is one of `names`, with a value. */
export function field(doc: Outline, names: readonly string[]): Field | undefined {
  return doc.fields.find((candidate) => candidate.text !== '' && keyedAs(candidate.key, names));
}

/** The first section headed by one of `names`. */
export function section(doc: Outline, names: readonly string[]): Section | undefined {
  return doc.sections.find((candidate) => keyedAs(candidate.key, names));
}

/** The sections nested under `parent` (deeper headings up to the next sibling). */
export function subsections(doc: Outline, parent: Section): Section[] {
  const start = doc.sections.indexOf(parent);
  const nested: Section[] = [];
  for (const candidate of doc.sections.slice(start + 1)) {
    if (candidate.level <= parent.level) break;
    nested.push(candidate);
  }
  return nested;
}

/** A section's blocks with those of its subsections. */
export function blocksUnder(doc: Outline, parent: Section): Block[] {
  return [parent, ...subsections(doc, parent)].flatMap((nested) => nested.blocks);
}

/** The prose of blocks: lines and items joined, tables and code left out. */
export function prose(blocks: readonly Block[]): string {
  return blocks
    .flatMap((block) =>
      block.kind === 'line'
        ? [block.text]
        : block.kind === 'item'
          ? [block.text, prose(block.children)]
          : [],
    )
    .filter(Boolean)
    .join(' ')
    .trim();
}

/** The text of every list item (top level) in blocks, or of every line when there is no list. */
export function entries(blocks: readonly Block[]): string[] {
  const items = blocks.filter((block) => block.kind === 'item');
  const chosen = items.length > 0 ? items : blocks.filter((block) => block.kind === 'line');
  return chosen
    .map((block) => (block.kind === 'item' ? itemText(block) : (block as Line).text))
    .filter(Boolean);
}

/** An item's first line with its continuation lines (not its nested lists). */
function itemText(item: Extract<Block, { kind: 'item' }>): string {
  return [
    item.text,
    ...item.children.filter((child) => child.kind === 'line').map((child) => (child as Line).text),
  ]
    .join(' ')
    .trim();
}

/** A field's value, else the prose of the section of that name: the two ways models state one fact. */
export function statement(doc: Outline, names: readonly string[]): string | undefined {
  const found = field(doc, names)?.text;
  if (found) return found;
  const heading = section(doc, names);
  return (heading && prose(blocksUnder(doc, heading))) || undefined;
}

/** Every table in blocks, as rows of `{ column key: cell }`. */
export function tableRows(blocks: readonly Block[]): Record<string, string>[] {
  return blocks.flatMap((block) =>
    block.kind === 'table'
      ? block.rows.map((row) =>
          Object.fromEntries(block.header.map((name, index) => [keyOf(name), row[index] ?? ''])),
        )
      : [],
  );
}

/** The cell of a table row whose column is one of `names`. */
export function column(row: Record<string, string>, names: readonly string[]): string | undefined {
  const key = Object.keys(row).find((candidate) => named(candidate, names));
  return key === undefined ? undefined : row[key]?.trim() || undefined;
}

/** A value that holds the place of a fact rather than stating it: the layout's own or a model's. */
export function isPlaceholder(value: string): boolean {
  return /^(?:needs a human\b.*|tbd|tba|n\/?a|unknown|to be determined|pending|none|-|\[[^\]]*\]|<[^>]*>)\.?$/i.test(
    value.replace(/[*_`]/g, '').trim(),
  );
}
