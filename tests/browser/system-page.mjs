// Helpers for checking the web page's System view (page-fake-check.mjs,
// system.test.mjs): a recorder of what the view showed over time, and a
// description of what it shows now, for assertions and for diagnostics.

/**
 * Installs a MutationObserver on #system-view that keeps, in window.__system,
 * the most cards seen busy at once, the highest ready count, whether the ready
 * count came back to 0 after that, and every state each card has shown.
 */
export async function recordSystemView(page) {
  await page.evaluate(() => {
    const seen = { maxBusy: 0, maxReady: 0, readyDrained: false, states: {}, busyAt: null };
    window.__system = seen;
    const look = () => {
      const cards = [...document.querySelectorAll('#system-view .machine-card')];
      const busy = cards.filter((card) => card.dataset.state === 'busy').length;
      if (busy > seen.maxBusy) { seen.maxBusy = busy; seen.busyAt = Date.now(); }
      const ready = Number(document.getElementById('queue-ready-count').textContent);
      seen.maxReady = Math.max(seen.maxReady, ready);
      if (seen.maxReady > 0 && ready === 0) seen.readyDrained = true;
      for (const card of cards) {
        const states = (seen.states[card.dataset.machineId] ||= []);
        if (states[states.length - 1] !== card.dataset.state) states.push(card.dataset.state);
      }
    };
    new MutationObserver(look).observe(document.getElementById('system-view'), { subtree: true, childList: true, attributes: true, characterData: true });
    look();
  });
}

/** What the System view shows now: cards, counts, the stream, the action result, the log's newest lines. */
export function describeSystemView(page) {
  return page.evaluate(() => {
    const text = (selector) => document.querySelector(selector)?.textContent ?? null;
    return {
      stream: document.getElementById('system-stream')?.dataset.status,
      cards: [...document.querySelectorAll('.machine-card')].map((card) => ({
        id: card.dataset.machineId, state: card.dataset.state, serverState: card.dataset.serverState,
        draining: card.dataset.draining, job: card.querySelector('.machine-job-name')?.textContent,
      })),
      counts: { ready: text('#queue-ready-count'), delayed: text('#queue-delayed-count'), running: text('#queue-running-count') },
      ready: [...document.querySelectorAll('#queue-ready li')].map((li) => li.dataset.jobId),
      running: [...document.querySelectorAll('#queue-running li')].map((li) => li.dataset.jobId),
      actionResult: text('#action-result'),
      chartSamples: document.getElementById('depth-chart')?.dataset.samples,
      logLines: document.querySelectorAll('#event-log li').length,
      newestLog: [...document.querySelectorAll('#event-log li')].slice(0, 12).map((li) => li.textContent),
      recorded: window.__system ?? null,
      banner: document.getElementById('error-banner')?.hidden ? null : text('#error-text'),
    };
  });
}

/** Waits for `fn` in the page; on timeout, fails with what the view shows. */
export async function waitInView(page, what, fn, arg, timeout = 15_000) {
  try {
    return await page.waitForFunction(fn, arg, { timeout });
  } catch (error) {
    const shown = await describeSystemView(page).catch((e) => `(could not read the page: ${e.message})`);
    throw new Error(`${what}: ${error.message.split('\n')[0]}\nthe System view shows: ${JSON.stringify(shown, null, 2)}`);
  }
}

/** Clicks a machine card's action, then the dialog's Confirm (or Cancel). */
export async function machineAction(page, machineId, action, { confirm = true, reason = '' } = {}) {
  await page.click(`.machine-card[data-machine-id="${machineId}"] .machine-action[data-action="${action}"]`);
  await page.waitForSelector('#confirm-dialog[open]');
  if (reason) await page.fill('#confirm-reason', reason);
  await page.click(confirm ? '#confirm-ok' : '#confirm-cancel');
  await page.waitForSelector('#confirm-dialog:not([open])', { state: 'attached' });
}
