// The decision panel of one version: its review status, who decided what and when (latest per
// reviewer first, as the API orders them), Approve / Request changes with a note, and the
// marker export menu (EDL for Resolve and Premiere, FCPXML for Final Cut, CSV).

import { api } from './api.js';

export class Review {
  constructor({ panel, assetId, versionId, urls }) {
    Object.assign(this, { panel, assetId, versionId });
    // A share link's page reads and decides through its own API.
    const v = encodeURIComponent(versionId);
    this.reviewUrl = (urls && urls.review) || `/api/versions/${v}/review`;
    this.decideUrl = (urls && urls.decide) || `/api/versions/${v}/decisions`;
    this.badge = panel.querySelector('[data-review-status]');
    this.list = panel.querySelector('[data-decisions]');
    this.msg = panel.querySelector('[data-review-message]');
    this.note = panel.querySelector('[data-decision-note]');
    panel.querySelectorAll('[data-decide]').forEach((b) => {
      b.addEventListener('click', () => this.decide(b.dataset.decide, b));
    });
    const exp = panel.querySelector('[data-export]');
    if (exp) {
      exp.querySelectorAll('a[data-format]').forEach((a) => {
        const q = new URLSearchParams({ version_id: versionId, format: a.dataset.format });
        a.href = `/api/assets/${encodeURIComponent(assetId)}/comments/export?${q}`;
      });
    }
  }

  say(text, isError) {
    this.msg.textContent = text || '';
    this.msg.classList.toggle('error', !!isError);
  }

  async load() {
    try {
      this.paint(await api('GET', this.reviewUrl));
    } catch (e) {
      this.say(`The review could not be loaded: ${e.message}`, true);
    }
  }

  paint(r) {
    const status = r.status || 'none';
    this.badge.dataset.state = status;
    this.badge.className = `badge review-${status}`;
    this.badge.textContent = r.label || status;
    this.panel.dataset.reviewStatus = status;
    const items = (r.decisions || []).map((d) => {
      const li = document.createElement('li');
      li.dataset.decision = d.decision;
      const who = document.createElement('strong');
      who.textContent = d.author ? d.author.name : 'Someone';
      // Guests of one name are told apart by their email (the team's page only has it).
      if (d.author && d.author.guest) who.append(d.author.email ? ` (guest, ${d.author.email})` : ' (guest)');
      const what = document.createElement('span');
      // The words come from the API, which has the one list of them.
      what.textContent = ` ${(d.label || d.decision).toLowerCase()}`;
      const t = document.createElement('time');
      t.dateTime = d.created_at;
      t.className = 'muted';
      t.textContent = ` · ${new Date(d.created_at).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' })}`;
      li.append(who, what, t);
      if (d.note) {
        const n = document.createElement('p');
        n.className = 'decision-note';
        n.textContent = d.note;
        li.append(n);
      }
      return li;
    });
    if (!items.length) {
      const li = document.createElement('li');
      li.className = 'muted';
      li.textContent = 'No decisions on this version yet.';
      items.push(li);
    }
    this.list.replaceChildren(...items);
  }

  async decide(decision, btn) {
    btn.disabled = true;
    try {
      const body = { decision };
      if (this.note && this.note.value.trim()) body.note = this.note.value.trim();
      const res = await api('POST', this.decideUrl, body);
      if (this.note) this.note.value = '';
      this.say(decision === 'approved' ? 'You approved this version.' : 'You asked for changes.');
      if (res && res.review) this.paint(res.review); else await this.load();
    } catch (e) {
      this.say(e.message, true);
    } finally {
      btn.disabled = false;
    }
  }
}
