/**
 * The phrase rules: each a pattern, the kind of signal it raises and its weight, the probability
 * that a text showing only this signal is an injection. Weights were set by hand against the
 * corpora in `test/fixtures/security/` so that one strong signal alone (an override, an
 * extraction request, a chat-template token) passes the flag threshold (0.5), while phrases that
 * benign incident and support text also uses ("act as incident commander", "the system prompt for
 * the CLI", "you are now subscribed") stay below it unless something else joins them.
 *
 * Patterns are bounded (`{0,40}` gaps, no nested unbounded repetition) so a scan stays linear.
 */
export type InjectionSignalKind =
  | 'instruction-override'
  | 'prompt-extraction'
  | 'jailbreak'
  | 'role-reassignment'
  | 'role-play'
  | 'fake-role-tag'
  | 'fence-break'
  | 'addressed-to-model'
  | 'authority-claim'
  | 'concealment'
  | 'exfiltration'
  | 'output-hijack'
  | 'system-prompt-mention'
  | 'encoded-payload'
  | 'invisible-characters'
  | 'obfuscation'
  | 'classifier';

export interface Rule {
  kind: InjectionSignalKind;
  weight: number;
  pattern: RegExp;
  /** What every match of `pattern` contains: a text without it is not searched (gate.ts). */
  gate: RuleGate;
}

/**
 * A necessary condition for a rule's match, cheap to check. `words`: for each list, one of its
 * words occurs in the text as a whole run of ASCII letters, compared in lower case (a run is what
 * `\b...\b` delimits: digits, `_` and non-ASCII letters end it too, and the gate only needs to be
 * implied by a match, not to imply one). `text`: a pattern the text matches. Both, when given.
 */
export interface RuleGate {
  words?: readonly (readonly string[])[];
  text?: RegExp;
}

/** A short gap of words on one line/sentence. */
const GAP = String.raw`[^.\n!?]{0,40}?`;
const OVERRIDE_VERB = String.raw`(?:ignore|ignoring|disregard|disregarding|forget|override|bypass|abandon|discard|neglect|set aside|throw away)`;
const GUIDANCE = String.raw`(?:instructions?|directives?|guidelines|guidance|guardrails|prompts?|programming|directions|rules|constraints|restrictions|polic(?:y|ies)|safeguards|training|context|commands|system message)`;
const BEFORE = String.raw`(?:previous|prior|above|earlier|preceding|foregoing|former|original|initial|system|developer|safety|your|ur|all(?: of)?(?: the| your)?|any(?: of)?(?: the| your)?)`;

/** Lists of words, each a space-separated string: one word of every list must occur. */
const words = (...lists: string[]): readonly (readonly string[])[] =>
  lists.map((list) => list.split(' '));

const r = (
  kind: InjectionSignalKind,
  weight: number,
  source: string,
  gate: RuleGate,
  flags = 'gi',
): Rule => ({
  kind,
  weight,
  pattern: new RegExp(source, flags),
  gate,
});

export const RULES: readonly Rule[] = [
  // --- overriding the instructions -------------------------------------------------------------
  r(
    'instruction-override',
    0.8,
    String.raw`\b${OVERRIDE_VERB}\s+(?:\w+\s+){0,2}?${BEFORE}\s+(?:\w+\s+){0,2}?${GUIDANCE}\b`,
    {
      words: words(
        'ignore ignoring disregard disregarding forget override bypass abandon discard neglect aside throw',
        'instruction instructions directive directives guidelines guidance guardrails prompt prompts programming directions rules constraints restrictions policy policies safeguards training context commands message',
      ),
    },
  ),
  r(
    'instruction-override',
    0.75,
    String.raw`\b${OVERRIDE_VERB}\s+(?:the|your|ur|any|all(?: the)?)\s+${GUIDANCE}\s+(?:you(?:'ve| have| were| had)?\s+(?:been\s+)?(?:given|received|told|got)|(?:given|provided)\s+(?:to you\s+)?(?:above|before|earlier)|above|before this|so far)\b`,
    {
      words: words(
        'ignore ignoring disregard disregarding forget override bypass abandon discard neglect aside throw',
        'instruction instructions directive directives guidelines guidance guardrails prompt prompts programming directions rules constraints restrictions policy policies safeguards training context commands message',
      ),
    },
  ),
  r(
    'instruction-override',
    0.7,
    String.raw`\byour\s+(?:(?:original|initial|system|previous|current)\s+)?(?:instructions|rules|guidelines|directives|system prompt|prompt|programming|polic(?:y|ies))\s+(?:have|has)\s+(?:now\s+)?(?:been\s+)?(?:updated|changed|replaced|revoked|overridden|superseded|modified|lifted|suspended|removed)\b`,
    {
      words: words(
        'your',
        'updated changed replaced revoked overridden superseded modified lifted suspended removed',
      ),
    },
  ),
  r(
    'instruction-override',
    0.75,
    String.raw`\b(?:supersedes?|overrides?|replaces?|takes? precedence over|invalidates?|cancels?)\s+(?:all\s+)?(?:of\s+)?(?:your|the|any|previous|prior|earlier)\s+(?:\w+\s+)?(?:instructions|system prompt|prompt|rules|guidelines|directives|programming)\b`,
    {
      words: words(
        'supersede supersedes override overrides replace replaces precedence invalidate invalidates cancel cancels',
        'instructions prompt rules guidelines directives programming',
      ),
    },
  ),
  r(
    'instruction-override',
    0.8,
    String.raw`\b(?:do not|don't|stop|cease|no longer)\s+(?:follow|following|obey|obeying|adhere to|adhering to|comply with|complying with)\s+(?:the\s+|any\s+)?${BEFORE}\s+(?:\w+\s+){0,2}?${GUIDANCE}\b`,
    {
      words: words(
        'follow following obey obeying adhere adhering comply complying',
        'instruction instructions directive directives guidelines guidance guardrails prompt prompts programming directions rules constraints restrictions policy policies safeguards training context commands message',
      ),
    },
  ),
  r(
    'instruction-override',
    0.55,
    String.raw`\bnew\s+(?:directives?|orders|commands)\s*(?:from\b|[:\-–—])`,
    { words: words('new', 'directive directives orders commands') },
  ),
  r(
    'instruction-override',
    0.6,
    String.raw`\b(?:new|real|actual|true|secret|hidden|override)\s+(?:system\s+)?(?:instructions?|directives?|orders|prompt)\s*[:\-–—]|\b(?:real|actual|true|secret|hidden)\s+(?:task|goal|objective|mission)\s*:`,
    {
      words: words(
        'new real actual true secret hidden override',
        'instruction instructions directive directives orders prompt task goal objective mission',
      ),
    },
  ),
  r(
    'instruction-override',
    0.75,
    String.raw`\b(?:forget|disregard|ignore)\s+everything\s+(?:(?:you(?:'ve| have)? (?:been )?(?:were )?(?:told|learned|learnt|know|read))|above|before|previously|so far|i (?:said|wrote|told you)|up to (?:now|here)|that came before)\b`,
    { words: words('forget disregard ignore', 'everything') },
  ),
  r(
    'instruction-override',
    0.45,
    String.raw`\b(?:ignore|disregard|forget)\s+(?:all\s+(?:of\s+)?)?(?:the\s+)?(?:above|previous|prior|preceding|earlier)(?:\s+(?:text|messages?|content|conversation|context|prompt|input|directions))?\s*(?:[.,;:!]|\band\b|\bthen\b|$)`,
    { words: words('ignore disregard forget', 'above previous prior preceding earlier') },
  ),
  r(
    'instruction-override',
    0.8,
    String.raw`\b(?:ignore|disregard|forget)\s+(?:all\s+(?:of\s+)?)?(?:the\s+)?(?:above|previous|prior|preceding|earlier)(?:\s+(?:text|messages?|content|conversation|context|prompt|input|directions))?\s*(?:,|\band\b|\bthen\b)\s*(?:instead\s+|now\s+|just\s+|only\s+)*(?:say|print|output|write|respond|reply|tell|translate|act|pretend|return|answer|repeat|list|reveal)\b`,
    { words: words('ignore disregard forget', 'above previous prior preceding earlier') },
  ),
  r(
    'instruction-override',
    0.65,
    String.raw`\byour\s+(?:new|real|actual|only|true)\s+(?:task|job|goal|objective|purpose|mission|instructions?|role)\s+(?:is|are|will be|now)\b`,
    { words: words('your', 'new real actual only true') },
  ),
  r(
    'instruction-override',
    0.75,
    String.raw`\b(?:(?:(?:the|all)\s+)?(?:above|previous|prior|preceding|earlier)\s+(?:instructions?|directives?|orders|guidelines|text|prompt|messages?|rules)|(?:instructions?|directives?|prompt|rules)\s+(?:above|before this))\s+(?:is|are|was|were|have been|has been)\s+(?:now\s+|only\s+|just\s+|hereby\s+)?(?:fake|false|void|null|wrong|outdated|obsolete|cancel+ed|revoked|rescinded|superseded|overridden|replaced|suspended|lifted|invalid|a test|irrelevant|no longer valid)`,
    {
      words: words(
        'above previous prior preceding earlier instruction instructions directive directives prompt rules',
        'is are was were have has',
      ),
    },
  ),
  // the same in other languages
  r(
    'instruction-override',
    0.8,
    String.raw`\b(?:ignore[rz]?|oublie[rz]?|ne tiens pas compte de)\s+(?:toutes\s+)?(?:les|tes|vos)\s+(?:instructions|consignes|règles)(?:\s+(?:précédentes|antérieures|ci-dessus))?`,
    { words: words('ignore ignorer ignorez oublie oublier oubliez tiens', 'les tes vos') },
  ),
  r(
    'instruction-override',
    0.8,
    String.raw`\b(?:ignora|ignore|olvida|olvide|omite)\s+(?:todas\s+)?(?:las|tus|sus)\s+(?:instrucciones|reglas|indicaciones)(?:\s+(?:anteriores|previas))?`,
    { words: words('ignora ignore olvida olvide omite', 'las tus sus') },
  ),
  r(
    'instruction-override',
    0.8,
    String.raw`\b(?:ignoriere|ignorieren sie|vergiss|vergessen sie|missachte)\s+(?:alle\s+)?(?:vorherigen|bisherigen|obigen|vorigen|deine|ihre|die)\s+(?:\w+\s+)?(?:Anweisungen|Instruktionen|Regeln|Befehle|Vorgaben)`,
    {
      words: words(
        'ignoriere ignorieren vergiss vergessen missachte',
        'vorherigen bisherigen obigen vorigen deine ihre die',
      ),
    },
  ),
  r(
    'instruction-override',
    0.8,
    String.raw`\b(?:ignora|dimentica)\s+(?:tutte\s+)?(?:le)\s+(?:istruzioni|regole)(?:\s+precedenti)?`,
    { words: words('ignora dimentica', 'le') },
  ),
  r(
    'instruction-override',
    0.8,
    String.raw`\b(?:ignore|ignora|esqueça|esqueca)\s+(?:todas\s+)?(?:as)\s+(?:instruções|instrucoes|regras)(?:\s+anteriores)?`,
    { words: words('ignore ignora esque esqueca', 'as') },
  ),
  r(
    'instruction-override',
    0.8,
    String.raw`(?:игнорируй(?:те)?|забудь(?:те)?|не обращай(?:те)? внимания на)\s+(?:все\s+)?(?:предыдущие|прежние|свои|эти)?\s*(?:инструкции|указания|правила)`,
    { text: /[\u0400-\u04ff]/ },
    'giu',
  ),
  r(
    'instruction-override',
    0.8,
    String.raw`(?:忽略|无视|忘记|忽视)(?:掉)?(?:你)?(?:之前|以上|先前|前面|上面|上述|所有|全部)(?:的)?(?:所有)?(?:指令|指示|说明|规则|提示)`,
    { text: /忽略|无视|忘记|忽视/ },
    'gu',
  ),
  r(
    'instruction-override',
    0.8,
    String.raw`(?:以前|前|上記|これまで)の(?:指示|命令|ルール)を(?:すべて|全て)?無視`,
    { text: /無視/ },
    'gu',
  ),

  // --- getting the system prompt out ------------------------------------------------------------
  r(
    'prompt-extraction',
    0.75,
    String.raw`\b(?:reveal|print|repeat|output|dump|leak|disclose|spell out|recite|echo|write out|expose|read back|translate|summarize|summarise|paraphrase|encode)\b${GAP}\byour\s+(?:(?:full|entire|complete|original|initial|hidden|secret|exact|system|internal|developer|confidential|first|real)\s+){0,3}(?:prompt|instructions|system message|guidelines|directives|rules|initial message)\b`,
    {
      words: words(
        'reveal print repeat output dump leak disclose spell recite echo write expose read translate summarize summarise paraphrase encode',
        'your',
        'prompt instructions message guidelines directives rules',
      ),
    },
  ),
  r(
    'prompt-extraction',
    0.75,
    String.raw`\b(?:show|tell|give|share|list|provide|display|copy|paste|send)\b${GAP}\byour\s+(?:(?:(?:full|entire|complete|exact|real)\s+)?(?:system\s+)?(?:prompt|system message|initial message)|(?:full|entire|complete|exact|real)?\s*(?:original|initial|hidden|secret|system|first|confidential|internal)\s+(?:instructions|rules|guidelines|directives))\b`,
    {
      words: words(
        'show tell give share list provide display copy paste send',
        'your',
        'prompt message instructions rules guidelines directives',
      ),
    },
  ),
  r(
    'prompt-extraction',
    0.75,
    String.raw`\b(?:reveal|print|repeat|show|output|display|tell|give|share|dump|leak|disclose|recite|echo|write out|copy|list|provide|expose)\b${GAP}\b(?:the|this)\s+(?:(?:full|entire|complete|exact|hidden|secret|confidential)\s+)?(?:system\s+(?:prompt|message|instructions)|initial\s+(?:prompt|instructions)|original\s+(?:prompt|instructions)|hidden\s+(?:prompt|instructions)|pre-?prompt)\b`,
    {
      words: words(
        'reveal print repeat show output display tell give share dump leak disclose recite echo write copy list provide expose',
        'the this',
        'prompt message instructions preprompt',
      ),
    },
  ),
  r(
    'prompt-extraction',
    0.7,
    String.raw`\b(?:repeat|print|output|copy|echo|write out|reproduce|return|dump)\b${GAP}\b(?:everything|all(?: of)? the (?:text|words|content)|the (?:text|words|content|messages?|lines))\b${GAP}\b(?:above|before this|before that|preceding|so far|prior to this|at the (?:start|beginning)|before (?:my|the|this|our) (?:first |very first )?(?:message|question|prompt|conversation|input)|in your (?:context(?: window)?|memory|prompt))`,
    {
      words: words(
        'repeat print output copy echo write reproduce return dump',
        'everything text words content message messages lines',
      ),
    },
  ),
  r(
    'prompt-extraction',
    0.7,
    String.raw`\bwhat\s+(?:were|are|was|is|have)\s+you\s+(?:been\s+)?(?:told|instructed|programmed|given)\s+(?:to do\s+)?(?:before|at the (?:start|beginning)|initially|in your (?:system prompt|instructions|prompt)|by (?:your|the) (?:developers?|creators?|system))|\bwhat\s+(?:is|are|was|were)\s+your\s+(?:initial|original|system|hidden|secret|first|real)\s+(?:instructions|prompt|message)\b`,
    { words: words('what', 'you your') },
  ),
  r(
    'prompt-extraction',
    0.65,
    String.raw`\b(?:verbatim|word for word|word-for-word)\b${GAP}\b(?:prompt|instructions|system message)\b|\b(?:prompt|instructions|system message)\b${GAP}\b(?:verbatim|word for word)\b`,
    { words: words('verbatim word', 'prompt instructions message') },
  ),
  r(
    'prompt-extraction',
    0.75,
    String.raw`\b(?:révèle|affiche|montre|répète|revela|muestra|repite|zeige|wiederhole|gib|mostra|ripeti|mostre)\b${GAP}\b(?:ton|votre|tu|su|deinen|dein|ihren|il tuo|seu)\s+(?:prompt|instructions|instrucciones|Anweisungen|Systemprompt|istruzioni|instruções)\b`,
    {
      words: words(
        'ton votre tu su deinen dein ihren il seu',
        'prompt instructions instrucciones anweisungen systemprompt istruzioni instru',
      ),
    },
  ),
  r(
    'prompt-extraction',
    0.6,
    String.raw`\b(?:using|with|from|based on|include|including|quote|quoting)\s+your\s+(?:own\s+)?(?:real|actual|exact|hidden|secret|system|original|initial|full|true)\s+(?:instructions|prompt|system prompt|system message|rules)\b`,
    {
      words: words(
        'your',
        'real actual exact hidden secret system original initial full true',
        'instructions prompt message rules',
      ),
    },
  ),
  r(
    'prompt-extraction',
    0.35,
    String.raw`\b(?:initial|original|hidden|secret|confidential|internal)\s+(?:system\s+)?(?:prompt|instructions)\b`,
    { words: words('initial original hidden secret confidential internal', 'prompt instructions') },
  ),
  r(
    'system-prompt-mention',
    0.2,
    String.raw`\bsystem[\s_-]*(?:prompt|message)s?\b|\bpre-?prompt\b|\bmeta-?prompt\b`,
    {
      words: words(
        'system systemprompt systemprompts systemmessage systemmessages prompt preprompt metaprompt',
      ),
    },
  ),

  // --- jailbreaks -------------------------------------------------------------------------------
  r(
    'jailbreak',
    0.45,
    String.raw`\b(?:DAN|DUDE|STAN)\b(?![-_./]?\d)(?!-)|\bAIM\s+\(`,
    { text: /DAN|DUDE|STAN|AIM/ },
    'g',
  ),
  r(
    'jailbreak',
    0.7,
    String.raw`\bdo anything now\b|\b(?:ai|assistant|model|chatbot|you|bot)\s+(?:with|that has|who has|has|have|now have|will have)\s+no\s+(?:limits|limitations|restrictions|rules|boundaries|filters|guidelines|ethics|morals)\b|\bbroken? free of\b${GAP}\b(?:rules|restrictions|confines)|\bfreed from\b${GAP}\b(?:rules|restrictions|confines)`,
    { words: words('anything no free freed') },
  ),
  r('jailbreak', 0.45, String.raw`\bjail\s?break(?:s|ing)?\b`, {
    words: words('jail jailbreak jailbreaks jailbreaking'),
  }),
  r(
    'jailbreak',
    0.55,
    String.raw`\b(?:answers?|answering|respond(?:s|ing)?|reply|replies|replying|operates?|speaks?|talks?|writes?)\s+(?:\w+\s+){0,2}?without\s+(?:any\s+)?(?:limits|limitations|restrictions|filters|censorship|rules|boundaries|refusals?|morals|ethics)\b`,
    { words: words('without') },
  ),
  r(
    'jailbreak',
    0.6,
    String.raw`\b(?:escaped|broken out of|broke out of|free(?:d)? (?:from|of)|liberated from|unshackled from)\s+(?:its|your|their|all|the)\s+(?:training|programming|restrictions|guidelines|rules|alignment|filters|chains|shackles)\b`,
    {
      words: words(
        'escaped broken broke free freed liberated unshackled',
        'training programming restrictions guidelines rules alignment filters chains shackles',
      ),
    },
  ),
  r('jailbreak', 0.35, String.raw`\bdeveloper mode\b`, { words: words('developer', 'mode') }),
  r(
    'jailbreak',
    0.7,
    String.raw`\b(?:you are|you're|you will act|act|now)\s+(?:now\s+)?in\s+(?:developer|god|sudo|unrestricted|jailbreak|dan)\s+mode\b|\b(?:simulate|enable|activate)\s+(?:developer|god|sudo|unrestricted|jailbreak|dan)\s+mode\b${GAP}\b(?:you|your|chatgpt|ai|model|assistant)\b|\b(?:developer|god|sudo|dan)\s+mode\s+(?:enabled|activated|output|response)\b`,
    { words: words('mode') },
  ),
  r(
    'jailbreak',
    0.6,
    String.raw`\b(?:god|sudo|unrestricted|unfiltered|evil|jailbreak|chaos|opposite)\s+mode\b`,
    { words: words('mode') },
  ),
  r(
    'jailbreak',
    0.6,
    String.raw`\b(?:without|no|free (?:of|from)|ignor(?:e|ing)|bypass(?:ing)?|remov(?:e|ing)|disabl(?:e|ing)|turn off)\s+(?:(?:any|all|the|your|of)\s+){0,3}(?:ethical|moral|openai|ai|anthropic)\s+(?:\w+\s+)?(?:restrictions|filters?|limitations|guidelines|censorship|safeguards|guardrails|rules|polic(?:y|ies)|considerations|constraints|principles)\b`,
    {
      words: words(
        'ethical moral openai ai anthropic',
        'restrictions filter filters limitations guidelines censorship safeguards guardrails rules policy policies considerations constraints principles',
      ),
    },
  ),
  r(
    'jailbreak',
    0.4,
    String.raw`\b(?:without|no|free (?:of|from)|ignor(?:e|ing)|bypass(?:ing)?|remov(?:e|ing)|disabl(?:e|ing)|turn off)\s+(?:(?:any|all|the|your|of)\s+){0,3}(?:safety|content)\s+(?:restrictions|filters?|limitations|guidelines|censorship|safeguards|guardrails|polic(?:y|ies))\b`,
    {
      words: words(
        'safety content',
        'restrictions filter filters limitations guidelines censorship safeguards guardrails policy policies',
      ),
    },
  ),
  r(
    'jailbreak',
    0.35,
    String.raw`\b(?:uncensored|unfiltered|unrestricted|amoral|unethical)\s+(?:ai|assistant|model|chatbot|response|answer|version|mode)\b`,
    { words: words('uncensored unfiltered unrestricted amoral unethical') },
  ),
  r('jailbreak', 0.6, String.raw`\b(?:pwned|pwnd)\b`, { words: words('pwned pwnd') }),

  // --- who the model is -------------------------------------------------------------------------
  r(
    'role-reassignment',
    0.45,
    String.raw`\byou(?:'re| are)\s+now\b|\bfrom now on\b${GAP}\byou\b|\bfrom this (?:moment|point) on\b`,
    { words: words('now moment point', 'you from') },
  ),
  r(
    'role-reassignment',
    0.6,
    String.raw`\byou(?:'re| are)\s+(?:not|no longer)\s+(?:an?\s+)?(?:ai|assistant|language model|chatgpt|chatbot|bound|restricted|limited|constrained|helpful assistant)\b`,
    { words: words('you', 'not no') },
  ),
  r(
    'role-reassignment',
    0.55,
    String.raw`\byour\s+new\s+(?:name|role|persona|identity|personality|character)\b`,
    { words: words('your', 'new') },
  ),
  r(
    'role-reassignment',
    0.45,
    String.raw`\byou\s+(?:will|shall|must)\s+now\s+(?:be|play|act|become|pretend|behave|respond|answer|roleplay|simulate)\b|\bswitch\s+(?:personas?|characters?|roles?|identit(?:y|ies))\b`,
    { words: words('now switch') },
  ),
  r(
    'role-reassignment',
    0.45,
    String.raw`\b(?:act|behave|respond|answer|function|operate)\s+as\s+(?:if you (?:were|are)\s+|though you (?:were|are)\s+)?(?:an?\s+|my\s+)?(?:\w+\s+){0,2}?(?:ai|assistant|bot|chatbot|model|gpt|character|persona|hacker|terminal|shell|linux|interpreter|console|dan|villain)\b`,
    { words: words('act behave respond answer function operate', 'as') },
  ),
  r(
    'jailbreak',
    0.6,
    String.raw`\b(?:pretend|act|role-?\s?play|imagine)\b${GAP}\b(?:my|a|your)\s+(?:late|deceased|dead|dying)\s+(?:grandmother|grandma|granny|grandfather|grandpa|mother|father|mom|dad)\b`,
    {
      words: words(
        'late deceased dead dying',
        'grandmother grandma granny grandfather grandpa mother father mom dad',
      ),
    },
  ),
  r(
    'role-play',
    0.25,
    String.raw`\bact\s+as\b|\brole-?\s?play(?:ing)?\b|\bpretend\b|\bimagine\s+(?:you(?:'re| are)|that you|yourself)\b|\blet's play a game\b`,
    { words: words('act role roleplay roleplaying pretend imagine play') },
  ),
  r(
    'role-play',
    0.5,
    String.raw`\b(?:stay|remain|keep)\s+in\s+character\b|\bbreak(?:ing)?\s+character\b`,
    { words: words('character') },
  ),

  // --- chat-template tokens and role headers ----------------------------------------------------
  r(
    'fake-role-tag',
    0.8,
    String.raw`<\|?im_(?:start|end|sep)\|?>|<\|(?:system|user|assistant|endoftext|begin_of_text|end_of_text|start_header_id|end_header_id|eot_id|eom_id)\|>`,
    { text: /<\||im_/i },
  ),
  r('fake-role-tag', 0.75, String.raw`\[/?INST\]|<</?SYS>>|<start_of_turn>|<end_of_turn>`, {
    text: /inst\]|<<|_of_turn>/i,
  }),
  r(
    'fake-role-tag',
    0.6,
    String.raw`^[ \t]*#{2,}[ \t]*(?:system|instructions?|assistant|developer|response)(?:[ \t]+(?:prompt|message))?[ \t]*:?[ \t]*$`,
    { text: /##/ },
    'gim',
  ),
  r(
    'fake-role-tag',
    0.55,
    String.raw`</?(?:system|sys|instructions?|system_prompt|system-prompt)(?:\s[^<>]{0,40})?>`,
    { text: /</, words: words('system sys instruction instructions') },
  ),
  r(
    'fake-role-tag',
    0.3,
    String.raw`^[ \t]*(?:system|assistant|developer)[ \t]*:`,
    { words: words('system assistant developer') },
    'gim',
  ),
  r(
    'fake-role-tag',
    0.6,
    String.raw`\[/?(?:assistant|ai|llm|model|bot|system)[ _-]+(?:instructions?|prompt|commands?|directives?|note|override|message)\]`,
    {
      words: words(
        'assistant ai llm model bot system',
        'instruction instructions prompt command commands directive directives note override message',
      ),
    },
  ),

  // --- breaking out of the data fence -----------------------------------------------------------
  r('fence-break', 0.75, String.raw`</\s*data-[^>\s]{0,40}[^>]{0,40}>`, {
    text: /<\//,
    words: words('data'),
  }),
  r(
    'fence-break',
    0.45,
    String.raw`</\s*(?:data|context|document|documents|input|user_input|untrusted|untrusted_input|content|ticket|query|prompt|user)\s*>`,
    { text: /<\// },
  ),
  r(
    'fence-break',
    0.55,
    String.raw`\b(?:the\s+)?(?:user(?:'s)?\s+|customer(?:'s)?\s+)?(?:message|input|data|text|ticket|document|query|prompt)\s+(?:ends|stops|is over|is finished)\s+here\b`,
    { words: words('here', 'ends stops is') },
  ),
  r(
    'fence-break',
    0.6,
    String.raw`^[ \t\-=#*\[(<]*(?:begin|start)\s+(?:of\s+)?(?:the\s+)?(?:new\s+|real\s+)?(?:admin|administrator|system|developer|operator|hidden|secret|override)\s+(?:instructions?|prompt|directives?|orders|commands)\b`,
    {
      words: words(
        'begin start',
        'admin administrator system developer operator hidden secret override',
      ),
    },
    'gim',
  ),
  r(
    'fence-break',
    0.45,
    String.raw`^[ \t\-=#*\[(<]*(?:end|close) of (?:the )?(?:ticket|message|email|e-mail|comment|request)\b[ \t\-=#*\])>.:]*$`,
    { words: words('end close', 'ticket message email e comment request') },
    'gim',
  ),
  r(
    'fence-break',
    0.55,
    String.raw`^[ \t\-=#*\[(<]*(?:end|close) of (?:the )?(?:data|input|document|context|user input|untrusted (?:data|input|content))\b[ \t\-=#*\])>.:]*$|-{3,}[ \t]*(?:end|begin)[ \t]+(?:of[ \t]+)?(?:system|instructions?|prompt|data|input)\b`,
    { words: words('end close begin') },
    'gim',
  ),

  // --- text that talks to the model -------------------------------------------------------------
  r(
    'addressed-to-model',
    0.55,
    String.raw`\b(?:note|message|instructions?|attention|important|reminder|notice|memo)\s+(?:to|for)\s+(?:the\s+|any\s+|all\s+)?(?:ai|a\.i\.|assistant|llm|language model|model|chatbot|bot|gpt|copilot|agent)s?\b`,
    {
      words: words(
        'note message instruction instructions attention important reminder notice memo',
        'to for',
      ),
    },
  ),
  r(
    'addressed-to-model',
    0.55,
    String.raw`\b(?:attention|attn|note|important|warning|notice|memo|to)\s*(?:to\s+)?(?:the\s+|any\s+|all\s+)?(?:ai|llm|language model|chatbot|gpt|ai assistant|ai agent|ai model|assistant|bot|model)s?\s*[:!]`,
    { text: /(?:ai|llm|model|chatbot|gpt|assistant|agent|bot)s?\s*[:!]/i },
  ),
  r(
    'addressed-to-model',
    0.6,
    String.raw`\bif\s+(?:you(?:'re| are| r)|your|youre|ur|u r)\s+(?:an?\s+)?(?:ai|llm|language model|large language model|assistant|chatbot|bot|gpt|automated (?:system|agent|assistant)|ai (?:system|agent|assistant|model))\b`,
    { words: words('if', 'you your youre ur u') },
  ),
  r(
    'addressed-to-model',
    0.5,
    String.raw`\b(?:dear|hey|hi|attention|attn)?\s*(?:ai|llm|chatgpt|gpt|claude|copilot|gemini|ai assistant|ai agent|language model)\s*[,:]\s*(?:please\s+)?(?:ignore|disregard|forget|you must|you should|you will|do not|don't|reply|respond|say|output|print|include|add|append|mark|set|change|classify|route|escalate|close|tell|send)\b`,
    {
      text: /(?:ai|llm|gpt|claude|copilot|gemini|assistant|agent|model)\s*[,:]/i,
      words: words(
        'ignore disregard forget you do don reply respond say output print include add append mark set change classify route escalate close tell send',
      ),
    },
  ),
  r(
    'addressed-to-model',
    0.55,
    String.raw`\b(?:when|while|if|as|before|after)\s+(?:you(?:'re| are)\s+)?(?:summariz|process|read|analyz|triag|classif|answer|draft|generat|respond|review|handl)\w*\s+(?:this|these|the following)\s+(?:incident|ticket|document|email|e-mail|page|text|message|log|note|comment|issue|report|conversation|request|order)s?\b${GAP}\b(?:you must|you should|you will|make sure|be sure|always|instead|do not|don't|never)\b`,
    {
      words: words(
        'when while if as before after',
        'you make be always instead do don never',
        'this these following',
      ),
    },
  ),
  r(
    'addressed-to-model',
    0.35,
    String.raw`\b(?:when|while|as|before)\s+(?:you(?:'re| are)\s+)?(?:summariz|process|read|analyz|triag|classif|answer|draft|generat|respond)\w*\b${GAP}\b(?:you must|you should|you will|make sure (?:you|to)|be sure to|instead)\b`,
    { words: words('when while as before', 'you make be instead') },
  ),

  // --- claims of authority ----------------------------------------------------------------------
  r(
    'authority-claim',
    0.5,
    String.raw`\bthe\s+(?:real|actual|true)\s+(?:operator|admin|administrator|user|developer|owner|system)\s+(?:says|wants|instructs|orders|is asking|requests)\b`,
    { words: words('real actual true', 'says wants instructs orders asking requests') },
  ),
  r(
    'authority-claim',
    0.35,
    String.raw`\b(?:i am|i'm|this is)\s+(?:your|the)\s+(?:developer|creator|programmer|maker|owner|operator|trainer)\b`,
    { words: words('developer creator programmer maker owner operator trainer', 'your the') },
  ),
  r(
    'authority-claim',
    0.5,
    String.raw`\b(?:openai|anthropic|your developers?|your creators?|the system administrator)\s+(?:has|have)\s+(?:authori[sz]ed|approved|updated|changed|allowed|granted)\b`,
    {
      words: words(
        'openai anthropic developer developers creator creators administrator',
        'has have',
      ),
    },
  ),
  r(
    'authority-claim',
    0.5,
    String.raw`\b(?:admin(?:istrator)?|developer|root|sudo|maintenance|system)\s+(?:override|access granted|privileges? granted)\b`,
    {
      words: words(
        'admin administrator developer root sudo maintenance system',
        'override access privilege privileges',
      ),
    },
  ),

  // --- hiding what it does ----------------------------------------------------------------------
  r(
    'concealment',
    0.4,
    String.raw`\b(?:do not|don't|never)\s+(?:tell|inform|mention|reveal|disclose|let)\b${GAP}\b(?:the user|the human|the operator|the admin|anyone that|that you)\b`,
    { words: words('do don never', 'tell inform mention reveal disclose let') },
  ),
  r(
    'concealment',
    0.4,
    String.raw`\bwithout\s+(?:(?:telling|informing|alerting|notifying|letting)\s+(?:the user|anyone|the human|them)|anyone (?:noticing|knowing|finding out)|being (?:noticed|detected|logged)|leaving (?:a )?traces?)\b`,
    { words: words('without') },
  ),
  r(
    'concealment',
    0.45,
    String.raw`\b(?:secretly|covertly|silently|quietly)\b${GAP}\b(?:send|include|add|insert|exfiltrate|forward|append|embed|transmit)\b`,
    { words: words('secretly covertly silently quietly') },
  ),

  // --- getting data out -------------------------------------------------------------------------
  r(
    'exfiltration',
    0.45,
    String.raw`!\[[^\]\n]{0,100}\]\(\s*https?://[^)\s]{1,200}[?&][^)\s=]{1,40}=`,
    { text: /!\[/ },
  ),
  r(
    'exfiltration',
    0.7,
    String.raw`!\[[^\]\n]{0,100}\]\(\s*https?://[^)\s]{0,200}(?:\{|%7B|\$\(|\b(?:data|conversation|chat|history|secret|token|password|prompt|key|summary)=)`,
    { text: /!\[/ },
  ),
  r(
    'exfiltration',
    0.7,
    String.raw`\b(?:send|post|forward|upload|exfiltrate|transmit|leak|email|copy)\b${GAP}\b(?:conversation|chat history|this chat|system prompt|your instructions|previous messages|context window|all (?:the )?(?:secrets|api keys|passwords|tokens|credentials|user data))\b${GAP}\b(?:to|at|into)\s+(?:https?://|\S+@\S+\.\w|the (?:following|url|address|webhook|endpoint|server))`,
    {
      words: words(
        'send post forward upload exfiltrate transmit leak email copy',
        'conversation chat prompt instructions previous context all',
      ),
    },
  ),
  r(
    'exfiltration',
    0.45,
    String.raw`\b(?:append|add|include|embed|encode)\b${GAP}\bto\s+(?:the|this|every|each|your)\s+(?:url|link|image url|query string|request url)\b`,
    { words: words('append add include embed encode', 'url link string') },
  ),

  // --- dictating the answer ---------------------------------------------------------------------
  r(
    'output-hijack',
    0.5,
    String.raw`\b(?:say|repeat|write|output|print|respond with|reply with)\b${GAP}\b(?:exactly|verbatim|word for word|without (?:any )?(?:commentary|comments?|changes|explanation|modifications?))\b${GAP}["'“«]`,
    {
      words: words('say repeat write output print respond reply', 'exactly verbatim word without'),
    },
  ),
  r(
    'output-hijack',
    0.3,
    String.raw`\b(?:respond|reply|answer|output|print|say|write)\s+(?:only|exactly|just|verbatim|nothing but)\b${GAP}["'“«]`,
    {
      words: words(
        'respond reply answer output print say write',
        'only exactly just verbatim nothing',
      ),
    },
  ),
  r(
    'output-hijack',
    0.55,
    String.raw`\b(?:begin|start|prefix)\s+(?:your|the|each|every)\s+(?:response|reply|answer|message|output)\s+with\s+["'“]?(?:sure|certainly|absolutely|of course|yes|okay|ok)\b`,
    { words: words('begin start prefix', 'with') },
  ),
  r(
    'output-hijack',
    0.35,
    String.raw`\b(?:begin|start|prefix)\s+(?:your|each|every)\s+(?:response|reply|answer|message|output)\s+with\b`,
    { words: words('begin start prefix', 'with') },
  ),

  // --- encodings announced ----------------------------------------------------------------------
  r(
    'encoded-payload',
    0.6,
    String.raw`\b(?:decode|decrypt|deobfuscate|unscramble|reverse)\b${GAP}\b(?:and|then)\s+(?:follow|execute|obey|act on|carry out|do what it says)\b`,
    { words: words('decode decrypt deobfuscate unscramble reverse', 'and then') },
  ),
];
