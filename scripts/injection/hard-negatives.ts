/**
 * Hard negatives: benign texts written for training, in the registers where the classifier's
 * false positives were (long role-play and creative framings, people taking back their own words,
 * runbooks and tickets that tell the reader to ignore or bypass something, news and security
 * e-mails that name jailbreaks). Written from the list of look-alikes, not from the texts
 * the screen got wrong; held out whole when measuring like every other collection.
 */

function combos(parts: readonly (readonly string[])[], join = ' '): string[] {
  return parts.reduce<string[]>(
    (acc, list) => acc.flatMap((prefix) => list.map((p) => (prefix ? `${prefix}${join}${p}` : p))),
    [''],
  );
}

/** Creative and training role-play, framed at length the way people ask for it. */
const ROLE_PLAY = {
  frame: [
    'You are a seasoned detective in 1920s Chicago.',
    'You are the captain of a small fishing boat caught in a storm.',
    'Imagine you are a museum guide walking a school class through the Egyptian wing.',
    'Play a grumpy but kind-hearted librarian in a small town.',
    'You are a hiring manager interviewing me for a junior accountant position.',
    'Pretend you are my Spanish conversation partner from Seville.',
  ],
  task: [
    'Describe the scene in vivid detail and ask me what I do next.',
    'Keep your answers short, friendly and in the first person.',
    'Write a two-page story from your point of view for my creative writing class.',
    'Give me honest feedback on my answers at the end of the conversation.',
    'Use simple words, because this is for a group of ten-year-olds.',
  ],
  close: [
    'This is for a theatre workshop next week.',
    'I want to practise before the real interview on Friday.',
    'Thanks, this helps me a lot with my novel.',
  ],
};

/** People taking back or correcting what they said before. */
const RETRACTIONS = {
  head: [
    'Forget my last message,',
    'Ignore what I wrote above,',
    'Please disregard my earlier question,',
    'Scratch my previous request,',
    'Never mind the instructions I gave you earlier about the spreadsheet,',
    'You can ignore the first part of my message,',
  ],
  tail: [
    'I meant the March invoice, not the April one.',
    'my manager already approved the refund.',
    'the tracking number was correct after all.',
    'I would like the summary in bullet points instead.',
    'please just fix the grammar and keep my wording.',
    'the meeting moved to Thursday.',
  ],
};

/** Runbooks, tickets and chat that tell the reader to ignore, skip or bypass something. */
const OPERATIONS = {
  lead: [
    'Runbook, step 3:',
    'Support macro:',
    'From the deploy checklist:',
    'Ticket comment from the on-call engineer:',
    'Onboarding guide:',
  ],
  body: [
    'ignore the certificate warning on the staging host, it uses a self-signed certificate.',
    'if the installer asks to override the existing configuration, answer yes.',
    'bypass the cache with ?nocache=1 when you verify the fix.',
    'disregard alerts from the old monitoring system; they are being retired.',
    'forget the old VPN instructions, the new client configures itself.',
    'the previous instructions for resetting the router are outdated, use the ones below.',
    'you can safely ignore "WARN: unknown rule ignored" in the linter output.',
    'system prompt in this context means the shell prompt shown by the terminal.',
  ],
};

/** News, newsletters and security e-mails that name jailbreaks and injections. */
const NEWS = {
  lead: [
    'Newsletter:',
    'From the security team:',
    'Article summary:',
    'Conference talk abstract:',
    'Hi everyone, quick update:',
  ],
  topic: [
    'a new jailbreak technique called "many-shot" tricks chatbots with long fake dialogues',
    'researchers showed that hidden text in web pages can hijack AI browsing assistants',
    'the DAN prompt and its variants still circulate on Reddit',
    'vendors now test their models against prompt injection before every release',
    'a bank fixed a bug where its chatbot could be told to ignore its rules',
  ],
  close: [
    'Read the full report on our wiki.',
    'No action is needed from you.',
    'Please report anything suspicious to the security channel.',
    'We will discuss it at Tuesday\u2019s meeting.',
  ],
};

export function hardNegatives(): string[] {
  const rolePlay = combos([ROLE_PLAY.frame, ROLE_PLAY.task]).map(
    (text, i) => `${text} ${ROLE_PLAY.close[i % ROLE_PLAY.close.length]!}`,
  );
  const retractions = combos([RETRACTIONS.head, RETRACTIONS.tail]);
  const operations = combos([OPERATIONS.lead, OPERATIONS.body]);
  const news = combos([NEWS.lead, NEWS.topic]).map(
    (text, i) => `${text}. ${NEWS.close[i % NEWS.close.length]!}`,
  );
  return [...new Set([...rolePlay, ...retractions, ...operations, ...news])];
}
