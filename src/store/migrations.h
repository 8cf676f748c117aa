/* migrations.h - ordered schema migrations of the store (private to src/store/). */
#ifndef TIANYAN_STORE_MIGRATIONS_H
#define TIANYAN_STORE_MIGRATIONS_H

/* Number of migrations; the schema version of a fully migrated store. */
int store_migration_count(void);

/* SQL of migration i (0-based; migration i brings the store to version i + 1). */
const char *store_migration(int i);

#endif
