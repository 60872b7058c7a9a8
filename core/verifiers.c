/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The PAM services the verifier group may verify keys for (schema 004:
 * verifier_services).  A member of the group names the service it asks
 * about; only a listed service may be named.
 */
#include "store_sql.h"

#include "protocol.h"

enum store_result store_verifier_listed(struct store *s, const char *service)
{
	sqlite3_stmt *stmt = store_prepare(
	    s, "SELECT 1 FROM verifier_services WHERE service = ?1");
	enum store_result result = STORE_ERROR;
	int rc;

	if (stmt == NULL)
		return STORE_ERROR;
	sqlite3_bind_text(stmt, 1, service, -1, SQLITE_STATIC);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW)
		result = STORE_OK;
	else if (rc == SQLITE_DONE)
		result = STORE_NOT_FOUND;
	else
		result = store_sql_failure(s, "reading the verifier services");
	store_done(s, stmt);
	return result;
}

/* One statement on one service: STORE_NOT_FOUND when it changed nothing. */
static enum store_result change(struct store *s, const char *sql,
				const char *service)
{
	enum store_result result;
	int changed = store_change_text(
	    s, sql, service, "changing the verifier services", &result);

	return changed == 0 ? STORE_NOT_FOUND : result;
}

enum store_result store_verifier_add(struct store *s, const char *service)
{
	return change(s, "INSERT INTO verifier_services (service) VALUES (?1)",
		      service);
}

enum store_result store_verifier_remove(struct store *s, const char *service)
{
	return change(s,
		      "DELETE FROM verifier_services WHERE service = ?1 "
		      "AND origin = 'local'",
		      service);
}

enum store_result store_verifier_each(struct store *s, store_verifier_fn fn,
				      void *ctx)
{
	sqlite3_stmt *stmt = store_prepare(
	    s, "SELECT service FROM verifier_services ORDER BY service");
	char service[REQ_SERVICE_MAX + 1];
	enum store_result result = STORE_OK;
	int rc = SQLITE_DONE;

	if (stmt == NULL)
		return STORE_ERROR;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		if (!store_column_text(stmt, 0, false, service,
				       sizeof service) ||
		    !service_name_valid(service)) {
			store_set_error(s, "store: damaged verifier service");
			result = STORE_ERROR;
			break;
		}
		fn(service, ctx);
	}
	if (result == STORE_OK && rc != SQLITE_DONE)
		result = store_sql_failure(s, "listing the verifier services");
	store_done(s, stmt);
	return result;
}
