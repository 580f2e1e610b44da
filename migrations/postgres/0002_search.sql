-- Full-text search over what the user has said before, for the agent's
-- search_past_messages tool. SQLite uses FTS5 tables kept by triggers; here the index is
-- a generated tsvector column with a GIN index, which PostgreSQL keeps itself.
--
-- The text search configuration matches FTS5's `porter unicode61` as closely as the
-- built-in parts allow: English (Snowball/Porter) stemming, case folded, and NO stop
-- words (FTS5 drops none, so a word like "about" or "will" still matches there).
-- PostgreSQL's parser keeps e-mail addresses, URLs, host names and file paths as whole
-- tokens where unicode61 splits at every non-alphanumeric character; so ASCII
-- punctuation is turned into spaces before parsing, and "anna" finds anna@example.com.
-- The difference that remains: FTS5 also folds diacritics (café = cafe). That needs the
-- unaccent extension here, left out so that the migration needs no extension (and no
-- CREATE privilege on the database).
CREATE TEXT SEARCH DICTIONARY draftdesk_stem (TEMPLATE = snowball, LANGUAGE = english);
CREATE TEXT SEARCH CONFIGURATION draftdesk (COPY = pg_catalog.english);
ALTER TEXT SEARCH CONFIGURATION draftdesk
    ALTER MAPPING FOR asciiword, asciihword, hword_asciipart, word, hword, hword_part,
                      numword, numhword, hword_numpart
    WITH draftdesk_stem;

-- Every message, so that a question from the other side can be found with the
-- user's answer that followed it. (messages_fts on SQLite.)
ALTER TABLE messages
    ADD COLUMN fts tsvector GENERATED ALWAYS AS (to_tsvector('draftdesk', regexp_replace(content, '[[:punct:]]+', ' ', 'g'))) STORED;
CREATE INDEX messages_fts ON messages USING gin (fts);

-- Approved final texts: the user's voice, which the agent sees first. (approved_fts on
-- SQLite, filled when a draft becomes approved.) NULL until the draft is approved; a
-- draft never leaves 'approved', so this indexes the same drafts as the FTS5 table.
ALTER TABLE drafts
    ADD COLUMN approved_fts tsvector GENERATED ALWAYS AS (
        CASE WHEN status = 'approved'
             THEN to_tsvector('draftdesk',
                     regexp_replace(coalesce(final_content, content), '[[:punct:]]+', ' ', 'g')) END
    ) STORED;
CREATE INDEX drafts_approved_fts ON drafts USING gin (approved_fts) WHERE status = 'approved';
