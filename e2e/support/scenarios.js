// Trees prepared through the API for the journeys that need one in a given state.
import { ApiUser } from './api.js';
import { unique } from './act.js';

/** A tree whose prompt has two accepted assistant replies waiting to be ranked; returns the
 *  users (a ranker who wrote none of it among them) and the reply texts. */
export async function treeReadyForRanking(lang) {
  const [ada, bob, cyd, dee] = await Promise.all(
    ['ada', 'bob', 'cyd', 'dee'].map((n) => ApiUser.create(n, { languages: [lang] })),
  );
  await ada.write('initial_prompt', lang, `Prompt for ranking in ${lang}: what is the best way to learn a language?`);
  await bob.review('label_initial_prompt', lang);
  const good = unique(`Good reply (${lang}): practise every day, speak with people and read things you enjoy.`);
  const weak = unique(`Weak reply (${lang}): just buy a book.`);
  await bob.write('assistant_reply', lang, good);
  await cyd.write('assistant_reply', lang, weak);
  await ada.review('label_assistant_reply', lang);
  await ada.review('label_assistant_reply', lang);
  return { ada, bob, cyd, ranker: dee, good, weak };
}
