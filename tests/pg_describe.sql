-- pg_describe.sql: everything a migration can change in the public schema, one
-- line a thing, in a stable order, so that two databases compare with diff.
-- Columns are listed by name, not position (a down script re-adds at the end).
SELECT 'col ' || table_name || '.' || column_name || ' ' || udt_name || ' ' ||
       coalesce(character_maximum_length::text, '') || ' ' ||
       coalesce(numeric_precision::text, '') || ',' || coalesce(numeric_scale::text, '') || ' ' ||
       is_nullable || ' ' || coalesce(column_default, '-')
  FROM information_schema.columns WHERE table_schema = 'public'
UNION ALL
SELECT 'con ' || conrelid::regclass || ' ' || conname || ' ' || pg_get_constraintdef(oid)
  FROM pg_constraint WHERE connamespace = 'public'::regnamespace
UNION ALL
SELECT 'idx ' || indexdef FROM pg_indexes WHERE schemaname = 'public'
UNION ALL
SELECT 'enum ' || t.typname || ' ' || string_agg(e.enumlabel, ',' ORDER BY e.enumsortorder)
  FROM pg_enum e JOIN pg_type t ON t.oid = e.enumtypid
  JOIN pg_namespace n ON n.oid = t.typnamespace AND n.nspname = 'public' GROUP BY t.typname
ORDER BY 1;
