// Accessibility: axe-core (the npm package, injected through the DevTools protocol, so the
// pages' script policy does not stand in the way) checks every page a journey visits. Any
// serious or critical violation fails the journey; every result is logged to
// e2e/artifacts/axe.jsonl (page, violations by impact).
import { readFileSync, appendFileSync, mkdirSync } from 'node:fs';

const AXE = readFileSync(new URL('../node_modules/axe-core/axe.min.js', import.meta.url), 'utf8');
const LOG = new URL('../artifacts/axe.jsonl', import.meta.url);

export async function checkAccessibility(page) {
  if (process.env.E2E_AXE === '0') return;
  if (!(await page.evaluate(() => typeof window.axe !== 'undefined'))) {
    await page.evaluate(AXE);
  }
  const violations = await page.evaluate(async () => {
    const result = await window.axe.run(document, { resultTypes: ['violations'] });
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.slice(0, 3).map((n) => n.target.join(' ')),
    }));
  });
  const byImpact = {};
  for (const v of violations) byImpact[v.impact] = (byImpact[v.impact] ?? 0) + 1;
  mkdirSync(new URL('../artifacts/', import.meta.url), { recursive: true });
  appendFileSync(LOG, `${JSON.stringify({ page: new URL(page.url()).pathname, violations: byImpact, rules: violations.map((v) => v.id) })}\n`);
  const blocking = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  if (blocking.length > 0) {
    throw new Error(`axe-core on ${page.url()}: ${JSON.stringify(blocking, null, 1)}`);
  }
}
