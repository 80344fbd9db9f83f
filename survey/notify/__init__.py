"""From scores to action: alerts and digests by e-mail, each sent once and recorded.

- `outbox`: who gets a scope's mail, unsubscribe tokens, rendering in Vietnamese, sending once per
  key (a `notice` row, audited);
- `alerts`: the checks of `flask alerts` (verdict turns "not met" or the index falls significantly, a
  spike at a counter today, a silent kiosk, a comment with a listed word), by each scope's rule;
- `digests`: `flask digest --period daily|weekly`, one mail per subscribed user.

This layer sits above `survey.scores` (it asks it for scores) and below the entry points.
"""
