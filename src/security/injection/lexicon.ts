/**
 * A small cross-language lexicon for the classifier: the words attacks are made of ("ignore",
 * "previous", "instructions", "system prompt", "reveal", "from now on", "restrictions", ...) in
 * German, French, Spanish, Portuguese, Italian, Dutch, Russian, Chinese, Japanese and Korean,
 * each replaced by its English word before features are taken. The model has seen thousands of
 * English attacks and benign look-alikes and a few hundred texts in the other languages; with the
 * words mapped, "Ignoriere alle vorherigen Anweisungen" and "忽略之前的所有指令" reach it as
 * "ignore ... previous instructions", and it judges them by what it learned in English, benign
 * retractions ("ignorieren Sie meine letzte Nachricht") included.
 *
 * Written from general attack vocabulary, not from the held-out set (multilingual-heldout.ts).
 * Stems match a word's start (`anweisung` covers Anweisungen); the CJK entries match anywhere,
 * those languages having no spaces. English words are left as they are (no stem here is the start of a common English word).
 */

/** English word, then the stems and words that mean it. */
export const ENTRIES: readonly (readonly [string, readonly string[], readonly string[]])[] = [
  // [english, stems of space-separated languages, CJK words]
  [
    'ignore',
    [
      'ignorier',
      'missacht',
      'negeer',
      'negeren',
      'игнорир',
      'проигнорир',
      'не обращай внимания',
      'desconsider',
      'pasa por alto',
      'ne tiens plus compte',
      'non rispettare',
    ],
    ['忽略', '无视', '無視', '무시'],
  ],
  [
    'forget',
    [
      'vergiss',
      'vergessen',
      'oublie',
      'olvid',
      'esqueç',
      'esquec',
      'dimentic',
      'vergeet',
      'vergeten',
      'забуд',
      'забыть',
    ],
    ['忘记', '忘掉', '忘れ', '잊어', '잊고'],
  ],
  [
    'previous',
    [
      'vorherig',
      'bisherig',
      'vorig',
      'précédent',
      'anterior',
      'precedenti$',
      'precedente$',
      'eerder',
      'предыдущ',
      'прежн',
    ],
    ['之前', '先前', 'これまで', '以前', '이전'],
  ],
  [
    'instructions',
    [
      'anweisung',
      'instruktion',
      'vorgabe',

      'instruccion',
      'instrucción',
      'instruç',
      'istruzion',
      'instructie',
      'инструкци',
      'указани',
      'consigne$',
      'consignes$',
      'orientaç',
      'indicazion',
      'indicacion',
    ],
    ['指令', '指示', '지시', '지침'],
  ],
  [
    'rules',
    ['regel', 'règle', 'regla', 'regra', 'regol', 'правил'],
    ['规则', '規則', 'ルール', '규칙'],
  ],
  ['system', ['systèm', 'sistema', 'systeem', 'систем'], ['系统', '系統', 'システム', '시스템']],
  ['prompt', ['промпт'], ['提示词', 'プロンプト', '프롬프트']],
  [
    'reveal',
    [
      'verrat',
      'verrät',
      'offenbar',
      'révèle',
      'révéler',
      'revela$',
      'revelar$',
      'revele$',
      'rivela',
      'onthul',
      'раскр',
    ],
    ['透露', '泄露', '明か', '공개'],
  ],
  [
    'show',
    [
      'zeig',
      'affiche',
      'montre$',
      'montrer$',
      'montrez$',
      'muestra',
      'mostr',
      'toon$',
      'покаж',
      'выведи',
      'вывести',
    ],
    ['显示', '输出', '表示', '出力', '출력'],
  ],
  [
    'restrictions',
    [
      'einschränkung',
      'restrictions$',
      'restriccion',
      'restriç',
      'restrizion',
      'beperking',
      'ограничени',
    ],
    ['限制', '制限', '제한'],
  ],
  [
    'password',
    ['passwort', 'mot de passe', 'contraseña', 'senha', 'wachtwoord', 'парол'],
    ['密码', 'パスワード', '비밀번호'],
  ],
  [
    'secret',
    ['geheim', 'secreto$', 'secreta$', 'secretos$', 'secretas$', 'segret', 'секретн'],
    ['秘密', '機密', '비밀'],
  ],
  [
    'from now on',
    [
      'ab sofort',
      'ab jetzt',
      'von nun an',
      'désormais',
      'à partir de maintenant',
      'a partir de ahora',
      'desde ahora',
      'a partir de agora',
      'de agora em diante',
      "d'ora in poi",
      'da adesso',
      'da ora',
      'vanaf nu',
      'отныне',
      'с этого момента',
    ],
    ['从现在开始', '从现在起', '今から', 'これから', '지금부터', '이제부터'],
  ],
  ['censorship', ['zensur', 'censurer', 'censura', 'цензур'], ['审查', '審查', '検閲', '검열']],
  ['ai', ['ki$', 'ia$', 'ии$'], ['人工智能', '人工知能', '인공지능']],
  [
    'guidelines',
    ['richtlinie', 'richtlijn', 'directriz', 'diretriz', 'linee guida'],
    ['准则', '方針', '가이드라인'],
  ],
  [
    'obey',
    ['befolg', 'gehorch', 'obéi', 'obedec', 'obedeç', 'obbedisc', 'gehoorza', 'подчиня'],
    ['听从', '服从', '従え', '従ってください', '따르'],
  ],
  [
    'verbatim',
    [
      'wortwörtlich',
      'wörtlich',
      'mot pour mot',
      'palabra por palabra',
      'palavra por palavra',
      'parola per parola',
      'woord voor woord',
      'дословно',
    ],
    ['逐字', '一字一句', '그대로'],
  ],
  [
    'hidden',
    ['versteckt', 'verborgen', 'cachée', 'ocult', 'nascost', 'скрыт'],
    ['隐藏', '隠され', '숨겨진'],
  ],
  [
    'new',
    [
      'neue',
      'nouvelle',
      'nouvelles$',
      'nueva',
      'nuova',
      'nieuwe',
      'новая',
      'новые',
      'новое',
      'новую',
      'novas$',
      'nove$',
    ],
    ['新しい', '新的', '새로운'],
  ],
  // What attackers set aside and what they put in its place: "forget everything above, new task".
  [
    'everything',
    ['alles$', 'tout$', 'toutes$', 'tutto$', 'tutte$', 'всё$', 'все$'],
    ['一切', '所有的', '全部', 'すべて', '全て', '모든', '모두'],
  ],
  [
    'above',
    [
      'davor$',
      'obige',
      'oben$',
      'ci-dessus',
      'arriba$',
      'acima$',
      'sopra$',
      'hierboven',
      'выше$',
      'вышеуказанн',
    ],
    ['上面', '以上的', '上記', '上の', '위의', '위에'],
  ],
  [
    'task',
    [
      'aufgabe',
      'auftrag',
      'aufträge',
      'tâche',
      'tarea',
      'tarefa',
      'compito',
      'compiti',
      'opdracht',
      'taak$',
      'taken$',
      'задач',
      'задани',
    ],
    ['任务', '任務', 'タスク', '작업', '임무'],
  ],
  [
    'pretend',
    [
      'stell dir vor',
      'tu so, als',
      'fais semblant',
      'finge$',
      'finja$',
      'fingi$',
      'doe alsof',
      'притворись',
      'представь, что',
    ],
    ['假装', 'ふりをして', '척해', '척하'],
  ],
  ['without', ['ohne$', 'senza$', 'zonder$', 'без$'], ['不受', '没有任何', '制限なし', '없이']],
  [
    'unrestricted',
    [
      'uneingeschränkt',
      'sans restriction',
      'sin restricciones',
      'sem restrições',
      'senza restrizioni',
      'onbeperkt',
      'без ограничений',
    ],
    ['无限制', '不受限制', '制限のない', '무제한', '제한 없는'],
  ],
  [
    'conversation',
    [
      'gesprächsverlauf',
      'unterhaltung',
      'conversazion',
      'conversación',
      'conversação',
      'gesprek',
      'разговор',
      'диалог',
    ],
    ['对话', '会話', '대화'],
  ],
  // The verbs and nouns of a goal: "never refuses", "clear your memory", "my command", "repeat".
  [
    'refuse',
    [
      'verweiger',
      'ablehn',
      'refuse$',
      'refuses$',
      'refuser$',
      'rechaz',
      'recus',
      'rifiut',
      'weiger',
      'отказ',
    ],
    ['拒绝', '拒否', '거절'],
  ],
  [
    'memory',
    ['gedächtnis', 'mémoire', 'memoria$', 'memória', 'geheugen', 'памят'],
    ['记忆', '記憶', '기억'],
  ],
  [
    'command',
    [
      'befehl',
      'ordre$',
      'ordres$',
      'orden$',
      'órdenes',
      'ordem$',
      'ordens$',
      'ordine$',
      'ordini$',
      'bevel',
      'приказ',
      'команд',
    ],
    ['命令', '명령'],
  ],
  [
    'repeat',
    [
      'wiederhol',
      'répète',
      'répéter',
      'repite',
      'repetir$',
      'repete$',
      'ripeti',
      'herhaal',
      'повтори',
    ],
    ['重复', '繰り返', '반복'],
  ],
  [
    'copy',
    [
      'kopier',
      'abschreib',
      'recopie',
      'copia$',
      'cópia',
      'cópialo',
      'copialo',
      'copie$',
      'kopieer',
      'скопируй',
      'перепиши',
    ],
    ['复制', '抄写', 'コピー', '복사'],
  ],
  [
    'summarize',
    ['zusammenfass', 'résum', 'resumi', 'resumir', 'riassum', 'samenvat', 'резюмир'],
    ['总结', '要約', '요약'],
  ],
  [
    'forward',
    [
      'weiterleit',
      'leite',
      'transfère',
      'reenvía',
      'reenvia',
      'reencaminha',
      'inoltra',
      'stuur',
      'перешли',
      'пересла',
    ],
    ['转发', '転送', '전달'],
  ],
  [
    'note',
    ['hinweis', 'notiz', 'nota$', 'opmerking', 'примечани', 'заметк'],
    ['备注', '注記', '메모'],
  ],
  [
    'you are',
    ['du bist', 'tu es', 'eres$', 'você é', 'tu sei', 'ben je', 'je bent', 'ты теперь'],
    ['你是', 'あなたは', '당신은'],
  ],
  // Benign words beside "ignore" in runbooks and tickets: "ignore the warning", "the error".
  [
    'warning',
    [
      'warnung',
      'warnmeldung',
      'avertissement',
      'alerte',
      'advertencia',
      'alerta$',
      'alertas$',
      'aviso$',
      'avisos$',
      'avviso',
      'waarschuwing',
      'предупреждени',
      'оповещени',
    ],
    ['告警', '警告', '警报', 'アラート', '경고'],
  ],
  [
    'error',
    ['fehler', 'erreur', 'errore', 'fout$', 'foutmelding', 'ошибк'],
    ['错误', '報錯', '报错', 'エラー', '오류', '에러'],
  ],
  [
    'act as',
    [
      'fungieren sie als',
      'fungiere als',
      'agisci come',
      'actúa como',
      'actua como',
      'aja como',
      'age como',
      'gedraag je als',
      'веди себя как',
      'действуй как',
    ],
    ['扮演', 'として振る舞', '역할을 해'],
  ],
  [
    'instead',
    [
      'stattdessen',
      'au lieu de',
      'en lugar de',
      'en vez de',
      'em vez de',
      'invece di',
      'anziché',
      'in plaats van',
      'вместо',
    ],
    ['而是', '代わりに', '대신'],
  ],
  [
    'message',
    ['nachricht', 'mensaje', 'mensagem', 'messaggio', 'сообщени'],
    ['消息', '信息', 'メッセージ', '메시지'],
  ],
  [
    'invalid',
    ['ungültig', 'invalide', 'caduc', 'inválid', 'non valid', 'ongeldig', 'недействительн'],
    ['无效', '無効', '무효'],
  ],
  [
    'disregard',
    [
      'außer acht',
      'fais abstraction',
      'haz caso omiso',
      'não lev',
      'lascia perdere',
      'laat varen',
      'отбрось',
      'отмени',
    ],
    ['不要理会', '置之不理', '無視して', '무시하고'],
  ],
];

const isAscii = (s: string): boolean => !/[\u0080-\uffff]/.test(s);
/**
 * Letters of the lexicon's languages beyond ASCII (accented Latin, Greek and Cyrillic, kana, CJK,
 * Hangul), where every stem beyond ASCII lies. Without one, only the ASCII stems can match.
 */
const BEYOND_ASCII_LETTER = /[\u00c0-\u024f\u0370-\u04ff\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]/;

/**
 * What a text must hold for an ASCII stem to match: a one-word stem, a word starting with it
 * (`regel` in "Regeln"); a phrase, its longest word but the last, whole (`passe` of "mot de passe"
 * is not enough, "passed" starts with it; `partir` of "a partir de ahora" is). Most English text
 * holds none of these ("ignore" is not "ignorier"). The screen's word walk (gate.ts) looks for
 * them in the runs of ASCII letters it reads anyway.
 */
export const LEXICON_GATE = { whole: new Set<string>(), starts: new Set<string>() };
for (const [, stems] of ENTRIES)
  for (const stem of stems.filter(isAscii)) {
    const parts = stem
      .replace(/\$$/, '')
      .split(/[^a-z]+/)
      .filter((w) => w !== '');
    if (parts.length > 1)
      LEXICON_GATE.whole.add(parts.slice(0, -1).reduce((a, b) => (b.length > a.length ? b : a)));
    else LEXICON_GATE.starts.add(parts[0]!);
  }

/**
 * Whether a text may hold the lexicon's words: letters beyond ASCII, or a run of ASCII letters
 * that opens LEXICON_GATE (`lexiconRuns`, where the screen's word walk found them: gate.ts
 * `asciiWords`). Most English text holds neither, and skips the lexicon's scan.
 */
export function mayHoldLexicon(text: string, lexiconRuns: readonly number[]): boolean {
  return lexiconRuns.length > 0 || BEYOND_ASCII_LETTER.test(text);
}

/**
 * Which of a text's pieces (normalize.ts `foldLines`: cut at line breaks, at most 2,000 characters
 * each) the lexicon may change, where `mayHoldLexicon` opens for the text. A whole line of ASCII
 * can hold an ASCII stem only where one of its runs of letters opens the gate, so it is skipped
 * when none does, whatever the other lines hold: a German line in an English text is the only one
 * scanned. A piece with a code unit beyond ASCII (lower-casing can make ASCII of it) or cut from
 * a longer line (its first run may be the end of a word) is scanned as before.
 */
export function piecesMayHoldLexicon(
  text: string,
  pieces: readonly string[],
  lexiconRuns: readonly number[],
): boolean[] {
  if (!mayHoldLexicon(text, lexiconRuns)) return pieces.map(() => false);
  let end = 0;
  let run = 0;
  return pieces.map((piece) => {
    // Pieces follow each other in the text, with nothing but line breaks between.
    let start = end;
    while (text.charCodeAt(start) === 0x0a) start++;
    end = start + piece.length;
    while (run < lexiconRuns.length && lexiconRuns[run]! < start) run++;
    if (run < lexiconRuns.length && lexiconRuns[run]! < end) return true;
    const wholeLine =
      (start === 0 || text.charCodeAt(start - 1) === 0x0a) &&
      (end === text.length || text.charCodeAt(end) === 0x0a);
    return !wholeLine || !isAscii(piece);
  });
}

/** One literal of the lexicon and what a match of it needs around it. */
interface Branch {
  /** The English word of its entry. */
  english: string;
  literal: string;
  /** A stem: no letter before it. A CJK word matches anywhere. */
  stem: boolean;
  /** A whole word (a stem written with a final `$`): no letter after it either. */
  whole: boolean;
}

/**
 * The literals by their first two code units (every stem and CJK word has two at least), each
 * list in ENTRIES order, stems before CJK words within an entry: at a position, the first that
 * matches is the one an alternation of them all, in that order, would take. Two tables: every
 * literal for text with characters beyond ASCII; for ASCII text only the ASCII stems.
 */
function branchesByLead(ascii: boolean): Map<number, Branch[]> {
  const byLead = new Map<number, Branch[]>();
  for (const [english, stems, cjk] of ENTRIES) {
    const branches: Branch[] = [
      ...stems
        .filter((stem) => !ascii || isAscii(stem))
        .map((stem) => ({
          english,
          literal: stem.replace(/\$$/, ''),
          stem: true,
          whole: stem.endsWith('$'),
        })),
      ...(ascii ? [] : cjk.map((word) => ({ english, literal: word, stem: false, whole: false }))),
    ];
    for (const branch of branches) {
      if (branch.literal.length < 2)
        throw new Error(`lexicon literal shorter than two code units: ${branch.literal}`);
      const lead = leadOf(branch.literal, 0);
      byLead.set(lead, [...(byLead.get(lead) ?? []), branch]);
    }
  }
  return byLead;
}
const leadOf = (text: string, i: number): number =>
  (text.charCodeAt(i) << 16) | text.charCodeAt(i + 1);
const BRANCHES = branchesByLead(false);
const ASCII_BRANCHES = branchesByLead(true);

/**
 * What counts as a letter around a stem. In text beyond ASCII, `\p{L}` by code point (looked up
 * once per BMP code unit, then remembered). In ASCII text, what a `\b` boundary sees: letters,
 * digits and `_` (a word character before a stem, or after a whole word, is no boundary); the
 * stems' endings run over `a`-`z` only.
 */
const LETTER = /\p{L}/u;
const BMP_LETTER = new Uint8Array(0x10000); // 0 unknown, 1 letter, 2 not
function isLetter(cp: number): boolean {
  if (cp > 0xffff) return LETTER.test(String.fromCodePoint(cp));
  if (BMP_LETTER[cp] === 0) BMP_LETTER[cp] = LETTER.test(String.fromCharCode(cp)) ? 1 : 2;
  return BMP_LETTER[cp] === 1;
}
const isWordUnit = (c: number): boolean =>
  (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39) || c === 0x5f;
const isLowerAscii = (c: number): boolean => c >= 0x61 && c <= 0x7a;

// `englishLexicon` skips ASCII code units that are no lower-case letter, and those after a letter.
for (const branches of BRANCHES.values())
  for (const branch of branches) {
    const first = branch.literal.charCodeAt(0);
    if (first < 0x80 && (!branch.stem || !isLowerAscii(first)))
      throw new Error(`lexicon literal that the walk would skip: ${branch.literal}`);
  }

/** The code point that ends just before `i`. */
function codePointBefore(text: string, i: number): number {
  const c = text.charCodeAt(i - 1);
  if (c >= 0xdc00 && c <= 0xdfff && i >= 2) {
    const high = text.charCodeAt(i - 2);
    if (high >= 0xd800 && high <= 0xdbff) return text.codePointAt(i - 2)!;
  }
  return c;
}

/** Where a match of `branch` at `i` ends, or -1 when it does not match there. */
function matchEnd(text: string, i: number, branch: Branch, ascii: boolean): number {
  if (!text.startsWith(branch.literal, i)) return -1;
  let end = i + branch.literal.length;
  if (!branch.stem) return end;
  if (i > 0 && (ascii ? isWordUnit(text.charCodeAt(i - 1)) : isLetter(codePointBefore(text, i))))
    return -1;
  if (ascii) {
    if (branch.whole) return end < text.length && isWordUnit(text.charCodeAt(end)) ? -1 : end;
    while (end < text.length && isLowerAscii(text.charCodeAt(end))) end++;
    return end;
  }
  if (branch.whole) return end < text.length && isLetter(text.codePointAt(end)!) ? -1 : end;
  while (end < text.length) {
    const cp = text.codePointAt(end)!;
    if (!isLetter(cp)) break;
    end += cp > 0xffff ? 2 : 1;
  }
  return end;
}

/**
 * The text with other languages' attack vocabulary in English, lower-cased; the text itself, as
 * given, when it holds none. Each match is replaced by its English word between spaces, matches
 * found left to right from the end of the last one, as a global replace with the alternation of
 * every literal (stems with `(?<!\p{L})` before them and `\p{L}*` or `(?!\p{L})` after, `\b` and
 * `[a-z]*` in ASCII text) would; a hand walk because that expression tried each branch behind its
 * lookbehind at every position, and few positions start a literal.
 */
export function englishLexicon(text: string): string {
  const lower = text.toLowerCase();
  const ascii = isAscii(lower);
  const byLead = ascii ? ASCII_BRANCHES : BRANCHES;
  let english = '';
  let copied = 0;
  for (let i = 0; i + 1 < lower.length;) {
    // Every literal starts with a lower-case letter or beyond ASCII, and after a letter a stem
    // cannot start, nor a CJK word at an ASCII code unit: most positions of Latin text are
    // skipped without a lookup.
    const c = lower.charCodeAt(i);
    if (c < 0x80 && (!isLowerAscii(c) || (i > 0 && isLowerAscii(lower.charCodeAt(i - 1))))) {
      i++;
      continue;
    }
    const branches = byLead.get(leadOf(lower, i));
    let end = -1;
    let word = '';
    if (branches)
      for (const branch of branches) {
        end = matchEnd(lower, i, branch, ascii);
        if (end >= 0) {
          word = branch.english;
          break;
        }
      }
    if (end < 0) {
      i++;
      continue;
    }
    english += `${lower.slice(copied, i)} ${word} `;
    copied = i = end;
  }
  return copied === 0 ? text : english + lower.slice(copied);
}
