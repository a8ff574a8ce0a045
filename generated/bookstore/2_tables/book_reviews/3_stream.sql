-- snowstage pipeline bookstore: stream of table book_reviews
-- Generated from pipeline.yaml, tables/book_reviews.yaml. Do not edit: change the metadata and run `snowstage generate`.
-- Append-only stream: the MERGE task's only consumer of new landing rows. Created before the pipe so that no
-- loaded row predates it. Never replaced: a replaced stream forgets its offset and loses unmerged rows.

CREATE STREAM IF NOT EXISTS "ANALYTICS"."BOOKSTORE_RAW"."BOOK_REVIEWS_STREAM"
  ON TABLE "ANALYTICS"."BOOKSTORE_RAW"."BOOK_REVIEWS"
  APPEND_ONLY = TRUE
  COMMENT = 'snowstage: new landing rows for the MERGE task of book_reviews';
