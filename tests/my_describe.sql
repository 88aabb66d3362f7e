-- my_describe.sql: everything a migration can change in the current MySQL
-- database, one line a thing, in a stable order, so that two databases
-- compare with diff. Columns are listed by name, not position (a down script
-- re-adds at the end).
SELECT CONCAT('col ', c.table_name, '.', c.column_name, ' ', c.column_type, ' ',
              c.is_nullable, ' ', COALESCE(c.column_default, '-'), ' ',
              COALESCE(c.collation_name, '-')) AS d
  FROM information_schema.columns c WHERE c.table_schema = DATABASE()
UNION ALL
SELECT CONCAT('tab ', table_name, ' ', engine, ' ', table_collation)
  FROM information_schema.tables WHERE table_schema = DATABASE()
UNION ALL
SELECT CONCAT('idx ', table_name, ' ', index_name, IF(non_unique = 0, ' unique ', ' '),
              GROUP_CONCAT(column_name ORDER BY seq_in_index))
  FROM information_schema.statistics WHERE table_schema = DATABASE()
  GROUP BY table_name, index_name, non_unique
UNION ALL
SELECT CONCAT('fk ', k.table_name, ' ', k.constraint_name, ' (',
              GROUP_CONCAT(k.column_name ORDER BY k.ordinal_position), ') -> ',
              k.referenced_table_name, ' (',
              GROUP_CONCAT(k.referenced_column_name ORDER BY k.ordinal_position), ') ',
              r.delete_rule)
  FROM information_schema.key_column_usage k
  JOIN information_schema.referential_constraints r
    ON r.constraint_schema = k.constraint_schema AND r.constraint_name = k.constraint_name
   AND r.table_name = k.table_name
  WHERE k.table_schema = DATABASE() AND k.referenced_table_name IS NOT NULL
  GROUP BY k.table_name, k.constraint_name, k.referenced_table_name, r.delete_rule
UNION ALL
-- MariaDB's json is longtext with a check named after the column when it was
-- made; the name does not follow a rename, so only the clause counts.
SELECT CONCAT('chk ', table_name, ' ', check_clause)
  FROM information_schema.check_constraints WHERE constraint_schema = DATABASE()
ORDER BY 1;
