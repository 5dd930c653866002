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
const ENTRIES: readonly (readonly [string, readonly string[], readonly string[]])[] = [
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

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

const isAscii = (s: string): boolean => !/[\u0080-\uffff]/.test(s);
/**
 * Letters of the lexicon's languages beyond ASCII (accented Latin, Greek and Cyrillic, kana, CJK,
 * Hangul), where every stem beyond ASCII lies. Without one, only the ASCII stems can match.
 */
const BEYOND_ASCII_LETTER = /[\u00c0-\u024f\u0370-\u04ff\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]/;

/**
 * Alternation groups, one per entry, in ENTRIES order, over lower-cased text. Two forms: every
 * entry for text with characters beyond ASCII, and for ASCII text (most of it) only the ASCII stems
 * with plain `\b` boundaries and no Unicode mode, several times faster to scan.
 */
const LEXICON = new RegExp(
  ENTRIES.map(
    ([, stems, cjk]) =>
      `(${[
        ...stems.map((s) =>
          s.endsWith('$')
            ? `(?<!\\p{L})${escape(s.slice(0, -1))}(?!\\p{L})`
            : `(?<!\\p{L})${escape(s)}\\p{L}*`,
        ),
        ...cjk.map(escape),
      ].join('|')})`,
  ).join('|'),
  'gu',
);
const LEXICON_ASCII = new RegExp(
  ENTRIES.map(([, stems]) => {
    const ascii = stems.filter(isAscii);
    return ascii.length === 0
      ? '((?!))'
      : `(${ascii
          .map((s) =>
            s.endsWith('$') ? `\\b${escape(s.slice(0, -1))}\\b` : `\\b${escape(s)}[a-z]*`,
          )
          .join('|')})`;
  }).join('|'),
  'g',
);

/**
 * What a text must hold for an ASCII stem to match: a one-word stem, a word starting with it
 * (`regel` in "Regeln"); a phrase, its longest word but the last, whole (`passe` of "mot de passe"
 * is not enough, "passed" starts with it; `partir` of "a partir de ahora" is). Most English text
 * holds none of these ("ignore" is not "ignorier").
 */
const GATE_EXACT = new Set<string>();
const GATE_BY_START = new Map<string, string[]>();
for (const [, stems] of ENTRIES)
  for (const stem of stems.filter(isAscii)) {
    const parts = stem
      .replace(/\$$/, '')
      .split(/[^a-z]+/)
      .filter((w) => w !== '');
    if (parts.length > 1)
      GATE_EXACT.add(parts.slice(0, -1).reduce((a, b) => (b.length > a.length ? b : a)));
    else {
      const key = parts[0]!.slice(0, 2);
      GATE_BY_START.set(key, [...(GATE_BY_START.get(key) ?? []), parts[0]!]);
    }
  }

/**
 * Whether a text may hold the lexicon's words, from the runs of ASCII letters the screen already
 * collected (gate.ts `asciiWords`): letters beyond ASCII, or a word that starts with a stem's gate
 * word. Most English text holds neither, and skips the lexicon's scan.
 */
export function mayHoldLexicon(text: string, words: ReadonlySet<string>): boolean {
  if (BEYOND_ASCII_LETTER.test(text)) return true;
  for (const word of words) {
    if (GATE_EXACT.has(word)) return true;
    const candidates = GATE_BY_START.get(word.slice(0, 2));
    if (candidates?.some((gate) => word.startsWith(gate))) return true;
  }
  return false;
}

/**
 * The text with other languages' attack vocabulary in English, lower-cased; the text itself, as
 * given, when it holds none.
 */
export function englishLexicon(text: string): string {
  const lower = text.toLowerCase();
  let changed = false;
  const english = lower.replace(
    isAscii(lower) ? LEXICON_ASCII : LEXICON,
    (...groups: unknown[]) => {
      for (let i = 0; i < ENTRIES.length; i++)
        if (groups[i + 1] !== undefined) {
          changed = true;
          return ` ${ENTRIES[i]![0]} `;
        }
      return String(groups[0]);
    },
  );
  return changed ? english : text;
}
