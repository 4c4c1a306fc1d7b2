-- Whom a decision counts for: a team member by account (`user:<id>`), a guest by the link and
-- the email they gave, lower-cased (`guest:<share>:<email>`). Two guests of one name are two
-- reviewers; one guest deciding again, from any browser, replaces their own decision.
-- `reviewer_email` is the guest's email as the team sees it (never a guest).
ALTER TABLE review_decisions ADD COLUMN reviewer_key TEXT;
ALTER TABLE review_decisions ADD COLUMN reviewer_email TEXT CHECK (length(reviewer_email) <= 254);

UPDATE review_decisions d SET
    reviewer_email = (SELECT lower(g.email) FROM share_guests g WHERE g.id = d.guest_id),
    reviewer_key = COALESCE(
        'user:' || d.reviewer_id::text,
        (SELECT 'guest:' || g.share_id::text || ':' || lower(g.email)
           FROM share_guests g WHERE g.id = d.guest_id AND g.email IS NOT NULL),
        'name:' || d.reviewer_name);

ALTER TABLE review_decisions ALTER COLUMN reviewer_key SET NOT NULL;
CREATE INDEX review_decisions_reviewer
    ON review_decisions (version_id, reviewer_key, created_at DESC, id DESC);
