-- snowstage pipeline shop: migration 001
-- Generated from the committed generated tree (model.json) and the table files named below. Do not edit: change the metadata and run `snowstage generate`.
-- MIGRATION 001: drop pipe CURRENCIES_PIPE (table currencies), pipe CURRENCIES_SNAPSHOTS_PIPE (table currencies), pipe CUSTOMERS_PIPE (table customers), pipe CUSTOMERS_KEYS_PIPE (table customers), pipe CUSTOMERS_KEY_SNAPSHOTS_PIPE (table customers), pipe ORDERS_PIPE (table orders).
-- Why: the metadata now loads these tables with the Lambda COPY loader (loader: lambda), which also
-- runs the COPY of a snapshot table's markers pipe and of delete detection's key pipes. A pipe left running
-- next to the loader would load each new file a second time (a pipe's load history and a table's bulk COPY load
-- history are kept apart), so the pipe is drained, then dropped. Syntax, clauses in the documented order:
--   ALTER PIPE (pause): https://docs.snowflake.com/en/sql-reference/sql/alter-pipe
--   SYSTEM$PIPE_STATUS: https://docs.snowflake.com/en/sql-reference/functions/system_pipe_status
--   EXECUTE IMMEDIATE: https://docs.snowflake.com/en/sql-reference/sql/execute-immediate
--   Snowflake Scripting RAISE: https://docs.snowflake.com/en/developer-guide/snowflake-scripting/exceptions
--   DROP PIPE: https://docs.snowflake.com/en/sql-reference/sql/drop-pipe
-- Run it once, deliberately: `snowstage apply --migration 001_retire_pipes`. Never part of a normal apply.
--
-- The switch, in this order (README, "AWS Lambda"), so that every file is loaded exactly once:
-- 1. Stop every extractor writing to these tables and let its uploads finish: no new file appears
--    while neither the pipe nor the loader listens.
-- 2. Run this migration: it pauses the pipes, stops (a block raises; nothing is dropped) unless every pipe is
--    PAUSED with pendingFileCount 0, that is, every file notified so far was loaded by its pipe, then drops them.
--    If it stops: resume the pipe it names, wait until SYSTEM$PIPE_STATUS shows pendingFileCount 0, run this again.
-- 3. `snowstage apply`: removes the bucket notifications of the table's folders (no pipe listens to them).
-- 4. Deploy generated/shop/lambda/template.json: the loader's EventBridge rule sees files created from then on.
-- 5. Start the extractors again. Files loaded by the pipe are never sent to the loader (only new files are).

-- 1. Pause every pipe: none takes a new file from its queue.
ALTER PIPE IF EXISTS "LAKE"."SHOP_RAW"."CURRENCIES_PIPE" SET PIPE_EXECUTION_PAUSED = TRUE;
ALTER PIPE IF EXISTS "LAKE"."SHOP_RAW"."CURRENCIES_SNAPSHOTS_PIPE" SET PIPE_EXECUTION_PAUSED = TRUE;
ALTER PIPE IF EXISTS "LAKE"."SHOP_RAW"."CUSTOMERS_PIPE" SET PIPE_EXECUTION_PAUSED = TRUE;
ALTER PIPE IF EXISTS "LAKE"."SHOP_RAW"."CUSTOMERS_KEYS_PIPE" SET PIPE_EXECUTION_PAUSED = TRUE;
ALTER PIPE IF EXISTS "LAKE"."SHOP_RAW"."CUSTOMERS_KEY_SNAPSHOTS_PIPE" SET PIPE_EXECUTION_PAUSED = TRUE;
ALTER PIPE IF EXISTS "LAKE"."SHOP_RAW"."ORDERS_PIPE" SET PIPE_EXECUTION_PAUSED = TRUE;

-- 2. Stop here (a block raises) unless every pipe is PAUSED with pendingFileCount 0: all gates run before any
--    drop, so a migration that stops has dropped nothing and can simply be run again.
-- pipe CURRENCIES_PIPE (table currencies)
EXECUTE IMMEDIATE $$
DECLARE
  pipe_state VARCHAR;
  pending_files NUMBER;
  pipe_not_ready EXCEPTION (-20101, 'snowstage: pipe "LAKE"."SHOP_RAW"."CURRENCIES_PIPE" is not PAUSED with pendingFileCount 0 (SYSTEM$PIPE_STATUS); nothing was dropped. Stop the extractor, resume the pipe until pendingFileCount is 0, then run this migration again.');
BEGIN
  SELECT s:executionState::VARCHAR, s:pendingFileCount::NUMBER
    INTO :pipe_state, :pending_files
    FROM (SELECT PARSE_JSON(SYSTEM$PIPE_STATUS('"LAKE"."SHOP_RAW"."CURRENCIES_PIPE"')) AS s);
  IF (pipe_state IS DISTINCT FROM 'PAUSED' OR pending_files IS DISTINCT FROM 0) THEN
    RAISE pipe_not_ready;
  END IF;
  RETURN 'pipe "LAKE"."SHOP_RAW"."CURRENCIES_PIPE" is PAUSED';
END;
$$;

-- pipe CURRENCIES_SNAPSHOTS_PIPE (table currencies)
EXECUTE IMMEDIATE $$
DECLARE
  pipe_state VARCHAR;
  pending_files NUMBER;
  pipe_not_ready EXCEPTION (-20101, 'snowstage: pipe "LAKE"."SHOP_RAW"."CURRENCIES_SNAPSHOTS_PIPE" is not PAUSED with pendingFileCount 0 (SYSTEM$PIPE_STATUS); nothing was dropped. Stop the extractor, resume the pipe until pendingFileCount is 0, then run this migration again.');
BEGIN
  SELECT s:executionState::VARCHAR, s:pendingFileCount::NUMBER
    INTO :pipe_state, :pending_files
    FROM (SELECT PARSE_JSON(SYSTEM$PIPE_STATUS('"LAKE"."SHOP_RAW"."CURRENCIES_SNAPSHOTS_PIPE"')) AS s);
  IF (pipe_state IS DISTINCT FROM 'PAUSED' OR pending_files IS DISTINCT FROM 0) THEN
    RAISE pipe_not_ready;
  END IF;
  RETURN 'pipe "LAKE"."SHOP_RAW"."CURRENCIES_SNAPSHOTS_PIPE" is PAUSED';
END;
$$;

-- pipe CUSTOMERS_PIPE (table customers)
EXECUTE IMMEDIATE $$
DECLARE
  pipe_state VARCHAR;
  pending_files NUMBER;
  pipe_not_ready EXCEPTION (-20101, 'snowstage: pipe "LAKE"."SHOP_RAW"."CUSTOMERS_PIPE" is not PAUSED with pendingFileCount 0 (SYSTEM$PIPE_STATUS); nothing was dropped. Stop the extractor, resume the pipe until pendingFileCount is 0, then run this migration again.');
BEGIN
  SELECT s:executionState::VARCHAR, s:pendingFileCount::NUMBER
    INTO :pipe_state, :pending_files
    FROM (SELECT PARSE_JSON(SYSTEM$PIPE_STATUS('"LAKE"."SHOP_RAW"."CUSTOMERS_PIPE"')) AS s);
  IF (pipe_state IS DISTINCT FROM 'PAUSED' OR pending_files IS DISTINCT FROM 0) THEN
    RAISE pipe_not_ready;
  END IF;
  RETURN 'pipe "LAKE"."SHOP_RAW"."CUSTOMERS_PIPE" is PAUSED';
END;
$$;

-- pipe CUSTOMERS_KEYS_PIPE (table customers)
EXECUTE IMMEDIATE $$
DECLARE
  pipe_state VARCHAR;
  pending_files NUMBER;
  pipe_not_ready EXCEPTION (-20101, 'snowstage: pipe "LAKE"."SHOP_RAW"."CUSTOMERS_KEYS_PIPE" is not PAUSED with pendingFileCount 0 (SYSTEM$PIPE_STATUS); nothing was dropped. Stop the extractor, resume the pipe until pendingFileCount is 0, then run this migration again.');
BEGIN
  SELECT s:executionState::VARCHAR, s:pendingFileCount::NUMBER
    INTO :pipe_state, :pending_files
    FROM (SELECT PARSE_JSON(SYSTEM$PIPE_STATUS('"LAKE"."SHOP_RAW"."CUSTOMERS_KEYS_PIPE"')) AS s);
  IF (pipe_state IS DISTINCT FROM 'PAUSED' OR pending_files IS DISTINCT FROM 0) THEN
    RAISE pipe_not_ready;
  END IF;
  RETURN 'pipe "LAKE"."SHOP_RAW"."CUSTOMERS_KEYS_PIPE" is PAUSED';
END;
$$;

-- pipe CUSTOMERS_KEY_SNAPSHOTS_PIPE (table customers)
EXECUTE IMMEDIATE $$
DECLARE
  pipe_state VARCHAR;
  pending_files NUMBER;
  pipe_not_ready EXCEPTION (-20101, 'snowstage: pipe "LAKE"."SHOP_RAW"."CUSTOMERS_KEY_SNAPSHOTS_PIPE" is not PAUSED with pendingFileCount 0 (SYSTEM$PIPE_STATUS); nothing was dropped. Stop the extractor, resume the pipe until pendingFileCount is 0, then run this migration again.');
BEGIN
  SELECT s:executionState::VARCHAR, s:pendingFileCount::NUMBER
    INTO :pipe_state, :pending_files
    FROM (SELECT PARSE_JSON(SYSTEM$PIPE_STATUS('"LAKE"."SHOP_RAW"."CUSTOMERS_KEY_SNAPSHOTS_PIPE"')) AS s);
  IF (pipe_state IS DISTINCT FROM 'PAUSED' OR pending_files IS DISTINCT FROM 0) THEN
    RAISE pipe_not_ready;
  END IF;
  RETURN 'pipe "LAKE"."SHOP_RAW"."CUSTOMERS_KEY_SNAPSHOTS_PIPE" is PAUSED';
END;
$$;

-- pipe ORDERS_PIPE (table orders)
EXECUTE IMMEDIATE $$
DECLARE
  pipe_state VARCHAR;
  pending_files NUMBER;
  pipe_not_ready EXCEPTION (-20101, 'snowstage: pipe "LAKE"."SHOP_RAW"."ORDERS_PIPE" is not PAUSED with pendingFileCount 0 (SYSTEM$PIPE_STATUS); nothing was dropped. Stop the extractor, resume the pipe until pendingFileCount is 0, then run this migration again.');
BEGIN
  SELECT s:executionState::VARCHAR, s:pendingFileCount::NUMBER
    INTO :pipe_state, :pending_files
    FROM (SELECT PARSE_JSON(SYSTEM$PIPE_STATUS('"LAKE"."SHOP_RAW"."ORDERS_PIPE"')) AS s);
  IF (pipe_state IS DISTINCT FROM 'PAUSED' OR pending_files IS DISTINCT FROM 0) THEN
    RAISE pipe_not_ready;
  END IF;
  RETURN 'pipe "LAKE"."SHOP_RAW"."ORDERS_PIPE" is PAUSED';
END;
$$;

-- 3. Drop them: the Lambda COPY loader loads the tables' files from now on.
DROP PIPE IF EXISTS "LAKE"."SHOP_RAW"."CURRENCIES_PIPE";
DROP PIPE IF EXISTS "LAKE"."SHOP_RAW"."CURRENCIES_SNAPSHOTS_PIPE";
DROP PIPE IF EXISTS "LAKE"."SHOP_RAW"."CUSTOMERS_PIPE";
DROP PIPE IF EXISTS "LAKE"."SHOP_RAW"."CUSTOMERS_KEYS_PIPE";
DROP PIPE IF EXISTS "LAKE"."SHOP_RAW"."CUSTOMERS_KEY_SNAPSHOTS_PIPE";
DROP PIPE IF EXISTS "LAKE"."SHOP_RAW"."ORDERS_PIPE";
