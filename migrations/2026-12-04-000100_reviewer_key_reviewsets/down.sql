DROP INDEX review_decisions_reviewer;
ALTER TABLE review_decisions DROP COLUMN reviewer_email;
ALTER TABLE review_decisions DROP COLUMN reviewer_key;
