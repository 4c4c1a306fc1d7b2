ALTER TABLE review_decisions DROP COLUMN guest_id;
ALTER TABLE comments DROP COLUMN guest_id;
DROP TABLE share_activity;
DROP TABLE share_guests;
DROP TABLE share_items;
DROP TABLE shares;
DROP TABLE review_set_items;
DROP TABLE review_sets;
